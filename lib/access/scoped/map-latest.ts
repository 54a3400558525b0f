import type { Sql } from "../../db/sql";
import type { BBox, Dataset } from "../../city/types";
import type { ScopedCells } from "../../api/map-specs";
import { getCity } from "../../city/current-city";
import { cellId, hexGrid } from "../../map/hex-grid";
import type { ReadBasis } from "../check-read";
import { allowedFields, ANON_LOCATION_STEP_DEG, ANONYMIZATION, payloadExpr, scopeConditions, withinArea } from "../scope-sql";
import { latestRowsNow, type MemoryRow } from "./latest-memory";
import { AGGREGATE_HEX_RADIUS_M, datasetOf, minGroupDevices, visibleDevices, windowState } from "./map-basis";

/**
 * The map's live and point-in-time reads of the newest reading per device (per incident for
 * safety.incidents) under a read basis. Raw: the rows themselves, only inside the grant's
 * area and data window, payloads projected to the granted fields. Anonymized: locations
 * snapped to the 0.01° grid and values coarsened in SQL before anything is grouped, no
 * device ids, then grouped per grid point. Aggregated: means per hexagon over at least k
 * distinct devices; smaller groups are suppressed (no value, no count). Live reads answer
 * nothing when now lies outside the grant's data window.
 */

export type Window = { from: Date; to: Date };

/** One device's (or incident's) newest reading in a window, its payload projected to what the basis allows. */
export type LatestRow = {
  key: string;
  device_id: string;
  observed_at: Date;
  leaf_index: number;
  lon: number;
  lat: number;
  payload: Record<string, unknown>;
};

const parse = (p: unknown): Record<string, unknown> => (typeof p === "string" ? (JSON.parse(p) as Record<string, unknown>) : ((p ?? {}) as Record<string, unknown>));

/** Rows of the newest reading per key in (from, to], with `select` over alias r (columns of map_latest). */
async function selectLatest<T>(sql: Sql, basis: ReadBasis, w: Window, opts: { live: boolean; devices?: string[] | null }, select: string): Promise<T[]> {
  if (opts.live && windowState(basis, w.to) !== "inside") return [];
  const devices = visibleDevices(basis, opts.devices ?? null);
  if (devices && devices.length === 0) return [];
  const params: unknown[] = [basis.datasetId, w.from.toISOString(), w.to.toISOString()];
  const conds = scopeConditions(basis, params, "r");
  if (devices) {
    params.push(devices);
    conds.push(`r.device_id = ANY($${params.length}::text[])`);
  }
  const where = conds.map((c) => ` AND ${c}`).join("");
  if (opts.live) {
    return sql.query<T>(`SELECT ${select} FROM map_latest r WHERE r.dataset_id = $1 AND r.observed_at > $2 AND r.observed_at <= $3${where} ORDER BY r.key`, params);
  }
  const keyExpr = basis.datasetId === "safety.incidents" ? "coalesce(r.payload->>'incidentId', r.device_id)" : "r.device_id";
  return sql.query<T>(
    `SELECT ${select} FROM (
       SELECT DISTINCT ON (${keyExpr}) ${keyExpr} AS key, r.device_id, r.observed_at, r.leaf_index, r.lon, r.lat, r.payload
         FROM reading r
        WHERE r.dataset_id = $1 AND r.observed_at > $2 AND r.observed_at <= $3${where}
        ORDER BY ${keyExpr}, r.observed_at DESC, r.leaf_index DESC) r
      ORDER BY r.key`,
    params,
  );
}

/**
 * The live read of selectLatest from this process's copy of map_latest (./latest-memory.ts)
 * instead of the table: the same rows under the same conditions (the data window, the grant's
 * area by the reading's place as scopeConditions has it, the devices), ordered by the table's key.
 */
async function latestInMemory(sql: Sql, basis: ReadBasis, w: Window, devices: string[] | null): Promise<MemoryRow[]> {
  if (windowState(basis, w.to) !== "inside") return [];
  const visible = visibleDevices(basis, devices);
  if (visible && visible.length === 0) return [];
  const only = visible ? new Set(visible) : null;
  const from = w.from.getTime(), to = w.to.getTime();
  const windowFrom = basis.window.from ? Date.parse(basis.window.from) : Number.NEGATIVE_INFINITY;
  const windowUntil = basis.window.until ? Date.parse(basis.window.until) : Number.POSITIVE_INFINITY;
  const out: MemoryRow[] = [];
  for (const r of await latestRowsNow(sql, basis.datasetId)) {
    const t = r.observed_at.getTime();
    if (t <= from || t > to || t < windowFrom || t >= windowUntil) continue;
    if (only && !only.has(r.device_id)) continue;
    if (basis.area && !withinArea([r.lon, r.lat], basis.area)) continue;
    out.push(r);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** An object without its null members, nested ones too (jsonb_strip_nulls). */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

/** A raw payload as payloadExpr projects it: the stored payload when every field is allowed, else the allowed fields that are not null. */
function rawPayload(dataset: Dataset, basis: ReadBasis, payload: Record<string, unknown>): Record<string, unknown> {
  const fields = allowedFields(dataset, basis);
  if (fields.length === Object.keys(dataset.schema.fields).length) return payload;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (payload[f] !== undefined && payload[f] !== null) out[f] = stripNulls(payload[f]);
  return out;
}

/**
 * The newest reading per device in (from, to] under a raw basis: only devices inside the
 * area, only readings inside the data window, payloads with the granted fields only.
 * `devices` narrows further (a bbox). Throws for other scopes: they read cells.
 */
export async function scopedLatestRows(sql: Sql, basis: ReadBasis, w: Window, opts: { live: boolean; devices?: string[] | null }): Promise<LatestRow[]> {
  if (basis.scope !== "raw") throw new Error(`scopedLatestRows needs raw scope, not ${basis.scope} (${basis.datasetId})`);
  const dataset = datasetOf(basis);
  // The key of an incident is its id: only when the basis shows incident ids.
  const showsKey = basis.datasetId !== "safety.incidents" || allowedFields(dataset, basis).includes("incidentId");
  if (opts.live) {
    // Payloads in memory are shared (frozen): a projection that keeps every field returns the stored object itself.
    return (await latestInMemory(sql, basis, w, opts.devices ?? null)).map((r) => ({
      key: showsKey ? r.key : r.device_id,
      device_id: r.device_id,
      observed_at: r.observed_at,
      leaf_index: r.leaf_index,
      lon: r.lon,
      lat: r.lat,
      payload: rawPayload(dataset, basis, r.payload),
    }));
  }
  const rows = await selectLatest<LatestRow>(
    sql, basis, w, opts,
    `${showsKey ? "r.key" : "r.device_id"} AS key, r.device_id, r.observed_at, r.leaf_index::float8 AS leaf_index, r.lon, r.lat, ${payloadExpr(dataset, basis, "r")} AS payload`,
  );
  return rows.map((r) => ({ ...r, observed_at: new Date(r.observed_at), leaf_index: Number(r.leaf_index), lon: Number(r.lon), lat: Number(r.lat), payload: parse(r.payload) }));
}

/** The fields a cell carries: numbers as means, booleans as the share that is true. */
function cellFields(basis: ReadBasis): { key: string; unit: string; bool: boolean }[] {
  const d = datasetOf(basis);
  return allowedFields(d, basis)
    .map((k) => ({ key: k, f: d.schema.fields[k] }))
    .filter((x) => x.f.type === "number" || x.f.type === "boolean")
    .map((x) => ({ key: x.key, unit: x.f.type === "boolean" ? "share" : ((x.f as { unit?: string }).unit ?? "1"), bool: x.f.type === "boolean" }));
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const r5 = (v: number) => Math.round(v * 1e5) / 1e5;
const inBox = (p: [number, number], b?: BBox) => !b || (p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]);

type Group = { position: [number, number]; devices: Set<string>; n: number; sums: number[]; counts: number[] };

/** Cells from rows already scoped: per group, distinct devices and the mean of each field. */
export function groupCells(
  basis: Pick<ReadBasis, "datasetId" | "scope" | "fields">,
  rows: { device: string; lon: number; lat: number; payload: Record<string, unknown> }[],
  opts: { k: number; bbox?: BBox; cellOf: (p: [number, number]) => { id: string; position: [number, number] }; fields: { key: string; unit: string; bool: boolean }[]; shape: ScopedCells["shape"]; sizeM: number },
): ScopedCells {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const c = opts.cellOf([r.lon, r.lat]);
    let g = groups.get(c.id);
    if (!g) {
      g = { position: c.position, devices: new Set(), n: 0, sums: opts.fields.map(() => 0), counts: opts.fields.map(() => 0) };
      groups.set(c.id, g);
    }
    g.devices.add(r.device);
    g.n++;
    opts.fields.forEach((f, i) => {
      const v = r.payload[f.key];
      const x = f.bool ? (typeof v === "boolean" ? Number(v) : Number.NaN) : typeof v === "number" ? v : Number(v ?? Number.NaN);
      if (!Number.isFinite(x)) return;
      g.sums[i] += x;
      g.counts[i]++;
    });
  }
  const coarsen = basis.scope === "anonymized" ? (ANONYMIZATION[basis.datasetId]?.coarsen ?? {}) : {};
  const out: ScopedCells = {
    datasetId: basis.datasetId,
    scope: basis.scope === "aggregated" ? "aggregated" : "anonymized",
    shape: opts.shape,
    sizeM: opts.sizeM,
    k: basis.scope === "aggregated" ? opts.k : null,
    ids: [],
    position: [],
    devices: [],
    suppressed: [],
    fields: opts.fields.map((f) => ({ key: f.key, unit: f.unit, values: [] })),
  };
  for (const [id, g] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!inBox(g.position, opts.bbox)) continue;
    const suppressed = basis.scope === "aggregated" && g.devices.size < opts.k;
    out.ids.push(id);
    out.position.push(g.position[0], g.position[1]);
    out.suppressed.push(suppressed);
    out.devices.push(suppressed ? null : basis.scope === "aggregated" ? g.devices.size : g.n);
    opts.fields.forEach((f, i) => {
      if (suppressed || g.counts[i] === 0) return void out.fields[i].values.push(null);
      const mean = g.sums[i] / g.counts[i];
      const c = coarsen[f.key];
      out.fields[i].values.push(c?.kind === "round" ? Math.round(mean / c.step) * c.step : r3(mean));
    });
  }
  return out;
}

/** The anonymized grid point a snapped location names (positions are multiples of the step). */
const snap = (v: number) => Number((Math.round(v / ANON_LOCATION_STEP_DEG) * ANON_LOCATION_STEP_DEG).toFixed(2));

/**
 * Cells of a dataset held anonymized or aggregated: the newest reading per device in
 * (from, to] (the basis's window and area applied), grouped per 0.01° grid point
 * (anonymized: snapped and coarsened in SQL first, no device ids read) or per hexagon of
 * AGGREGATE_HEX_RADIUS_M (aggregated: at least k distinct devices, else suppressed).
 */
export async function scopedLatestCells(sql: Sql, basis: ReadBasis, w: Window, opts: { live: boolean; bbox?: BBox }): Promise<ScopedCells> {
  if (basis.scope === "raw") throw new Error(`scopedLatestCells is for anonymized or aggregated scope (${basis.datasetId})`);
  const dataset = datasetOf(basis);
  const fields = cellFields(basis);
  const k = minGroupDevices();
  if (basis.scope === "anonymized") {
    // Location and values coarsened in the database; no device id leaves it (a row is one device).
    const step = ANON_LOCATION_STEP_DEG;
    const rows = await selectLatest<{ lon: number; lat: number; payload: unknown }>(
      sql, basis, w, { live: opts.live },
      `(round(r.lon::numeric / ${step}) * ${step})::float8 AS lon, (round(r.lat::numeric / ${step}) * ${step})::float8 AS lat, ${payloadExpr(dataset, basis, "r")} AS payload`,
    );
    return groupCells(basis, rows.map((r, i) => ({ device: String(i), lon: snap(Number(r.lon)), lat: snap(Number(r.lat)), payload: parse(r.payload) })), {
      k,
      bbox: opts.bbox,
      fields,
      shape: "grid",
      sizeM: Math.round(step * 110_540),
      cellOf: (p) => ({ id: `g:${p[0].toFixed(2)},${p[1].toFixed(2)}`, position: p }),
    });
  }
  // The stored payload as it is: nothing of it leaves this process but the per-cell means of
  // the granted fields (cellFields) over at least k devices. Extracting the fields in SQL
  // (a JSON object or typed columns per row) cost PGlite more than this read and JSON.parse.
  const rows = opts.live
    ? (await latestInMemory(sql, basis, w, null)).map((r) => ({ device: r.device_id, lon: r.lon, lat: r.lat, payload: r.payload }))
    : (await selectLatest<{ device_id: string; lon: number; lat: number; payload: unknown }>(sql, basis, w, { live: false }, "r.device_id, r.lon, r.lat, r.payload"))
      .map((r) => ({ device: r.device_id, lon: Number(r.lon), lat: Number(r.lat), payload: parse(r.payload) }));
  return groupCells(basis, rows, {
    k,
    bbox: opts.bbox,
    fields,
    shape: "hex",
    sizeM: AGGREGATE_HEX_RADIUS_M,
    cellOf: aggregateHexCellOf(),
  });
}

/** The hexagon of AGGREGATE_HEX_RADIUS_M (around the city's centre) a point lies in, as aggregated cells name and place it. */
export function aggregateHexCellOf(): (p: [number, number]) => { id: string; position: [number, number] } {
  const grid = hexGrid(getCity().center, AGGREGATE_HEX_RADIUS_M);
  return (p) => {
    const { q, r } = grid.cellOf(p);
    const c = grid.centerOf(q, r);
    return { id: `h:${cellId(q, r)}`, position: [r5(c[0]), r5(c[1])] };
  };
}

