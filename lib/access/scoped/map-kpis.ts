import type { Sql } from "../../db/sql";
import type { ReadBasis } from "../check-read";
import { allowedFields, scopeConditions } from "../scope-sql";
import { datasetOf, minGroupDevices, visibleDevices, windowState } from "./map-basis";
import { maskedSource } from "./map-frames";
import { BUCKET_S } from "../../map/rollup";
import { segmentIndexSql } from "../../map/traffic-grade";

/**
 * The KPI strip's reads under a read basis. A raw basis with no limits reads the rollup's
 * per-dataset sums (map_bucket_total); any other reads the per-device sums (map_bucket_5m)
 * of the devices in the grant's area, buckets inside its data window, columns of granted
 * fields only (withheld ones read NULL, so their KPIs are null), and under anonymized or
 * aggregated scope only buckets over at least k distinct devices.
 */

/** map_bucket_total's value columns (see lib/map/rollup.ts), under their names in TotalRow. */
const TOTAL_COLUMNS = {
  speedRatioSum: "speed_ratio_sum",
  speedKmhSum: "speed_kmh_sum",
  congestedCount: "congested_count",
  loadMwSum: "load_mw_sum",
  productionMwSum: "production_mw_sum",
  loadReadings: "load_readings",
  productionReadings: "production_readings",
  onlineCount: "online_count",
  alertingCount: "alerting_count",
} as const;
type TotalColumn = keyof typeof TOTAL_COLUMNS;

/** Sums per regrouped bucket as map_bucket_total keeps them, NaN where withheld or not the dataset's. */
export type TotalRow = { bb: number; n: number } & Record<TotalColumn, number>;

/** A row of n readings and every sum 0. */
export function zeroTotals(bb: number, n: number): TotalRow {
  const out = { bb, n } as TotalRow;
  for (const k of Object.keys(TOTAL_COLUMNS) as TotalColumn[]) out[k] = 0;
  return out;
}

const unlimited = (b: ReadBasis) => b.scope === "raw" && !b.fields && !b.area && !b.window.from && !b.window.until;
const numOrNaN = (v: unknown) => (v === null || v === undefined ? Number.NaN : Number(v));

/** map_bucket_total's columns per dataset, over the masked per-device rows of map_bucket_5m (maskedSource). */
const TOTALS: Record<string, Partial<Record<TotalColumn, string>>> = {
  "traffic.flow": { speedRatioSum: "sum(speed_ratio_sum)", speedKmhSum: "sum(speed_kmh_sum)", congestedCount: "sum(n) FILTER (WHERE speed_ratio_sum / n < 0.5)" },
  "energy.load": {
    loadMwSum: "sum(load_mw_sum)",
    productionMwSum: "sum(production_mw_sum)",
    loadReadings: "coalesce(sum(n) FILTER (WHERE load_mw_sum IS NOT NULL), 0)",
    productionReadings: "coalesce(sum(n) FILTER (WHERE production_mw_sum IS NOT NULL), 0)",
  },
  "safety.cameras": { onlineCount: "sum(online_count)", alertingCount: "sum(alerting_count)" },
};

const conv = (rows: Record<string, unknown>[]): TotalRow[] =>
  rows.map((r) => {
    const out = { bb: Number(r.bb), n: Number(r.n) } as TotalRow;
    for (const k of Object.keys(TOTAL_COLUMNS) as TotalColumn[]) out[k] = numOrNaN(r[TOTAL_COLUMNS[k]]);
    return out;
  });

/** Sums of the rollup per regrouped bucket in [from, to) as the basis may see them. */
export async function scopedTotals(sql: Sql, basis: ReadBasis, from: Date, to: Date, bucketS: number): Promise<TotalRow[]> {
  if (unlimited(basis)) {
    const cols = Object.values(TOTAL_COLUMNS).map((c) => `, sum(${c})::float8 AS ${c}`).join("");
    return conv(
      await sql.query(
        `SELECT floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(n)::float8 AS n${cols}
           FROM map_bucket_total WHERE dataset_id = $1 AND bucket >= $2 AND bucket < $3
          GROUP BY 1 ORDER BY 1`,
        [basis.datasetId, from.toISOString(), to.toISOString(), bucketS],
      ),
    );
  }
  const t = TOTALS[basis.datasetId];
  if (!t) return [];
  const devices = visibleDevices(basis, null);
  if (devices && devices.length === 0) return [];
  const params: unknown[] = [basis.datasetId, from.toISOString(), to.toISOString(), bucketS];
  const src = maskedSource(basis, params, devices);
  // k distinct devices per group, at anonymized or aggregated scope only. The 5-minute rollup
  // holds one row per device and bucket, so unregrouped a group's rows are its devices: a
  // count, not a distinct count (a sort per group).
  const k = basis.scope === "raw" ? 1 : minGroupDevices();
  if (k > 1) params.push(k);
  const having = k <= 1 ? "" : ` HAVING ${bucketS === BUCKET_S ? "count(*)" : "count(DISTINCT device_id)"} >= $${params.length}`;
  return conv(
    await sql.query(
      `SELECT floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(n)::float8 AS n${Object.entries(t).map(([k, e]) => `, (${e})::float8 AS ${TOTAL_COLUMNS[k as TotalColumn]}`).join("")}
         FROM (${src}) s
        GROUP BY 1${having} ORDER BY 1`,
      params,
    ),
  );
}

/**
 * How each traffic sensor's segment is graded for the traffic performance index: its
 * road-class code (the index in ROAD_CLASS_CODES) and its weight in metres (the segment's
 * length shared among the sensors on it). Parameters, not data: they come from the city model.
 */
export type SensorGrading = { ids: string[]; classCode: number[]; weightM: number[] };

/**
 * Per sensor and 5-minute bucket of [from, to) the segment index (lib/map/traffic-grade.ts)
 * of its mean speed, with the sensor's road and weight, from the masked per-device rollup:
 * inside the grant's area and window, NULL speed (not granted) left out. `$1..$3` and the
 * masked source's parameters are pushed onto `params`.
 */
function gradedSource(basis: ReadBasis, params: unknown[], from: Date, to: Date, grading: SensorGrading, devices: string[] | null): string {
  params.push(basis.datasetId, from.toISOString(), to.toISOString());
  const src = maskedSource(basis, params, devices);
  params.push(grading.ids, grading.classCode, grading.weightM);
  const n = params.length;
  return `SELECT b.bucket, b.device_id, s.road_id, g.w, ${segmentIndexSql("b.speed_kmh_sum / b.n", "g.cls")} AS idx, b.speed_ratio_sum / b.n AS ratio
            FROM (${src}) b
            JOIN unnest($${n - 2}::text[], $${n - 1}::int[], $${n}::float8[]) AS g(device_id, cls, w) ON g.device_id = b.device_id
            JOIN map_sensor s ON s.device_id = b.device_id
           WHERE b.speed_kmh_sum IS NOT NULL AND b.n > 0`;
}

/** Traffic index sums of one road: Σ index × weight, Σ weight, Σ weight graded 中度拥堵 or worse, mean speed ratio, sensors. */
export type RoadIndexRow = { road_id: string; iw: number; w: number; congestedW: number; ratio: number | null; sensors: number };

/**
 * Per road the traffic index sums over [from, to) (every 5-minute bucket of every sensor on
 * it, weighted by segment length). All roads with readings; the caller ranks them and keeps
 * roads of at least two sensors (k under anonymized or aggregated scope) as corridors, and
 * sums every row for the city (then requiring k sensors in all).
 */
export async function scopedRoadIndex(sql: Sql, basis: ReadBasis, from: Date, to: Date, grading: SensorGrading): Promise<RoadIndexRow[]> {
  const devices = visibleDevices(basis, null);
  if (devices && devices.length === 0) return [];
  const params: unknown[] = [];
  const src = gradedSource(basis, params, from, to, grading, devices);
  const rows = await sql.query<{ road_id: string; iw: number; w: number; cw: number; ratio: number | null; sensors: number }>(
    `SELECT road_id, sum(idx * w) AS iw, sum(w) AS w, coalesce(sum(w) FILTER (WHERE idx >= 6), 0) AS cw, avg(ratio) AS ratio,
            count(DISTINCT device_id)::int AS sensors
       FROM (${src}) x GROUP BY road_id`,
    params,
  );
  return rows.map((r) => ({
    road_id: r.road_id, iw: Number(r.iw), w: Number(r.w), congestedW: Number(r.cw), ratio: r.ratio === null ? null : Number(r.ratio), sensors: Number(r.sensors),
  }));
}

/**
 * Per 5-minute bucket of [from, to) the traffic index sums (Σ index × weight, Σ weight) of
 * the given roads (per road) or, without `roads`, of the whole city; a bucket counts with at
 * least k sensors behind it under anonymized or aggregated scope.
 */
export async function scopedIndexTrend(
  sql: Sql,
  basis: ReadBasis,
  from: Date,
  to: Date,
  grading: SensorGrading,
  roads?: string[],
): Promise<{ road_id: string | null; b: number; iw: number; w: number }[]> {
  const devices = visibleDevices(basis, null);
  if ((roads && roads.length === 0) || (devices && devices.length === 0)) return [];
  const params: unknown[] = [];
  const src = gradedSource(basis, params, from, to, grading, devices);
  let where = "";
  if (roads) {
    params.push(roads);
    where = ` WHERE road_id = ANY($${params.length}::text[])`;
  }
  const k = basis.scope === "raw" ? 1 : minGroupDevices();
  if (k > 1) params.push(k);
  const road = roads ? "road_id" : "NULL::text";
  return (
    await sql.query<{ road_id: string | null; b: number; iw: number; w: number }>(
      `SELECT ${road} AS road_id, floor(extract(epoch FROM bucket) / 300)::float8 AS b, sum(idx * w) AS iw, sum(w) AS w
         FROM (${src}) x${where}
        GROUP BY 1, 2${k > 1 ? ` HAVING count(DISTINCT device_id) >= $${params.length}` : ""}`,
      params,
    )
  ).map((r) => ({ road_id: r.road_id, b: Number(r.b), iw: Number(r.iw), w: Number(r.w) }));
}

/**
 * Open incidents by severity among the newest reading per incident observed in (from, to],
 * and per bucket of [trendFrom, to) the number of distinct incidents not resolved: inside the
 * grant's area and window; null when status or severity is withheld, or (aggregated) when
 * fewer than k distinct reporting devices stand behind a count.
 */
export async function scopedIncidentCounts(
  sql: Sql,
  basis: ReadBasis,
  now: { from: Date; to: Date; live: boolean },
  trend: { from: Date; to: Date; bucketS: number },
): Promise<{ open: { s1: number; s2: number; s3: number } | null; trend: { bb: number; open: number }[] }> {
  const fields = allowedFields(datasetOf(basis), { fields: basis.fields, scope: "raw" });
  if (!fields.includes("status") || !fields.includes("severity")) return { open: null, trend: [] };
  const k = basis.scope === "aggregated" ? minGroupDevices() : 1;
  let open: { s1: number; s2: number; s3: number } | null = null;
  if (!(now.live && windowState(basis, now.to) !== "inside")) {
    const params: unknown[] = [now.from.toISOString(), now.to.toISOString()];
    const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
    params.push(k);
    const [row] = await sql.query<{ s1: number; s2: number; s3: number; devices: number }>(
      `SELECT count(*) FILTER (WHERE sev <= 1)::int AS s1, count(*) FILTER (WHERE sev = 2)::int AS s2, count(*) FILTER (WHERE sev >= 3)::int AS s3,
              count(DISTINCT device_id)::int AS devices
         FROM (SELECT DISTINCT ON (coalesce(r.payload->>'incidentId', r.device_id)) r.device_id, (r.payload->>'severity')::int AS sev, r.payload->>'status' AS status
                 FROM reading r
                WHERE r.dataset_id = 'safety.incidents' AND r.observed_at > $1 AND r.observed_at <= $2${conds}
                ORDER BY coalesce(r.payload->>'incidentId', r.device_id), r.observed_at DESC, r.leaf_index DESC) x
        WHERE status <> 'resolved'
       HAVING count(DISTINCT device_id) >= $${params.length} OR count(*) = 0`,
      params,
    );
    open = row ? { s1: Number(row.s1), s2: Number(row.s2), s3: Number(row.s3) } : null;
  }
  const params: unknown[] = [trend.from.toISOString(), trend.to.toISOString(), trend.bucketS];
  const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
  params.push(k);
  const rows = await sql.query<{ bb: number; open: number }>(
    `SELECT floor(extract(epoch FROM r.observed_at) / $3)::float8 AS bb,
            count(DISTINCT r.payload->>'incidentId') FILTER (WHERE r.payload->>'status' <> 'resolved')::float8 AS open
       FROM reading r WHERE r.dataset_id = 'safety.incidents' AND r.observed_at >= $1 AND r.observed_at < $2${conds}
      GROUP BY 1 HAVING count(DISTINCT r.device_id) >= $${params.length}`,
    params,
  );
  return { open, trend: rows.map((r) => ({ bb: Number(r.bb), open: Number(r.open) })) };
}

