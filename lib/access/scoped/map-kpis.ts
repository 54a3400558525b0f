import type { Sql } from "../../db/sql";
import type { ReadBasis } from "../check-read";
import { allowedFields, scopeConditions } from "../scope-sql";
import { datasetOf, minGroupDevices, visibleDevices, windowState } from "./map-basis";
import { maskedSource } from "./map-frames";
import { BUCKET_S } from "../../map/rollup";

/**
 * The KPI strip's reads under a read basis. A raw basis with no limits reads the rollup's
 * per-dataset sums (map_bucket_total); any other reads the per-device sums (map_bucket_5m)
 * of the devices in the grant's area, buckets inside its data window, columns of granted
 * fields only (withheld ones read NULL, so their KPIs are null), and under anonymized or
 * aggregated scope only buckets over at least k distinct devices.
 */

/** Sums per regrouped bucket; s1..s4 as map_bucket_total keeps them (see lib/map/rollup.ts), NaN where withheld. */
export type TotalRow = { bb: number; n: number; s1: number; s2: number; s3: number; s4: number };

const unlimited = (b: ReadBasis) => b.scope === "raw" && !b.fields && !b.area && !b.window.from && !b.window.until;
const numOrNaN = (v: unknown) => (v === null || v === undefined ? Number.NaN : Number(v));

/** What map_bucket_total's s1..s4 are per dataset, over the masked per-device rows (v1..v4, n, device_id). */
const TOTALS: Record<string, [string, string, string, string]> = {
  "traffic.flow": ["sum(v4)", "sum(v1)", "sum(n) FILTER (WHERE v4 / n < 0.5)", "0"],
  "energy.load": [
    "sum(v1) FILTER (WHERE device_id LIKE 'fdm-%')",
    "sum(v1) FILTER (WHERE device_id LIKE 'prm-%')",
    "coalesce(sum(n) FILTER (WHERE device_id LIKE 'fdm-%' AND v1 IS NOT NULL), 0)",
    "coalesce(sum(n) FILTER (WHERE device_id LIKE 'prm-%' AND v1 IS NOT NULL), 0)",
  ],
  "safety.cameras": ["sum(v3)", "sum(v4)", "0", "0"],
};

/** Sums of the rollup per regrouped bucket in [from, to) as the basis may see them. */
export async function scopedTotals(sql: Sql, basis: ReadBasis, from: Date, to: Date, bucketS: number): Promise<TotalRow[]> {
  const conv = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ({ bb: Number(r.bb), n: Number(r.n), s1: numOrNaN(r.s1), s2: numOrNaN(r.s2), s3: numOrNaN(r.s3), s4: numOrNaN(r.s4) }));
  if (unlimited(basis)) {
    return conv(
      await sql.query(
        `SELECT floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(n)::float8 AS n, sum(s1) AS s1, sum(s2) AS s2, sum(s3) AS s3, sum(s4) AS s4
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
      `SELECT floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(n)::float8 AS n,
              ${t[0]} AS s1, ${t[1]} AS s2, ${t[2]} AS s3, ${t[3]} AS s4
         FROM (${src}) s
        GROUP BY 1${having} ORDER BY 1`,
      params,
    ),
  );
}

/** Roads by mean speed / free flow over [from, to): at least two sensors, k under anonymized or aggregated scope. */
export async function scopedCorridors(sql: Sql, basis: ReadBasis, from: Date, to: Date): Promise<{ road_id: string; idx: number; sensors: number }[]> {
  const devices = visibleDevices(basis, null);
  if (devices && devices.length === 0) return [];
  const params: unknown[] = [basis.datasetId, from.toISOString(), to.toISOString()];
  const src = maskedSource(basis, params, devices);
  params.push(Math.max(2, basis.scope === "raw" ? 2 : minGroupDevices()));
  const rows = await sql.query<{ road_id: string; idx: number | null; sensors: number }>(
    `SELECT s.road_id, avg(b.v4 / b.n) AS idx, count(DISTINCT b.device_id)::int AS sensors
       FROM (${src}) b JOIN map_sensor s ON s.device_id = b.device_id
      WHERE b.v4 IS NOT NULL
      GROUP BY s.road_id HAVING count(DISTINCT b.device_id) >= $${params.length}
      ORDER BY 2, 1`,
    params,
  );
  return rows.filter((r) => r.idx !== null).map((r) => ({ road_id: r.road_id, idx: Number(r.idx), sensors: Number(r.sensors) }));
}

/** Per road and 5-minute bucket the mean speed / free flow, for the given roads (the same limits as scopedCorridors). */
export async function scopedCorridorTrend(sql: Sql, basis: ReadBasis, from: Date, to: Date, roads: string[]): Promise<{ road_id: string; b: number; idx: number }[]> {
  const devices = visibleDevices(basis, null);
  if (roads.length === 0 || (devices && devices.length === 0)) return [];
  const params: unknown[] = [basis.datasetId, from.toISOString(), to.toISOString()];
  const src = maskedSource(basis, params, devices);
  params.push(roads);
  const n = params.length;
  // At raw scope any group may show; the distinct count (a sort per group) is for k only.
  const k = basis.scope === "raw" ? 1 : minGroupDevices();
  if (k > 1) params.push(k);
  return (
    await sql.query<{ road_id: string; b: number; idx: number }>(
      `SELECT s.road_id, floor(extract(epoch FROM b.bucket) / 300)::float8 AS b, sum(b.v4) / sum(b.n) AS idx
         FROM (${src}) b JOIN map_sensor s ON s.device_id = b.device_id
        WHERE s.road_id = ANY($${n}::text[]) AND b.v4 IS NOT NULL
        GROUP BY 1, 2${k > 1 ? ` HAVING count(DISTINCT b.device_id) >= $${n + 1}` : ""}`,
      params,
    )
  ).map((r) => ({ road_id: r.road_id, b: Number(r.b), idx: Number(r.idx) }));
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

