import type { Dataset } from "../city/types";
import type { ReadBasis } from "./check-read";

/**
 * SQL that applies a read basis inside a query over `reading`, so data the viewer may not
 * see never leaves the database. Parameters are appended to `params` and referenced by
 * position; column names come from the dataset schema (checked identifiers), never from input.
 */

/** Anonymization policy per dataset: fields dropped, and fields coarsened and how. */
export type Coarsen = { kind: "round"; step: number } | { kind: "time"; unit: "hour" | "day" };
export const ANONYMIZATION: Record<string, { drop: string[]; coarsen: Record<string, Coarsen> }> = {
  "traffic.flow": { drop: [], coarsen: { flowVehH: { kind: "round", step: 50 } } },
  "energy.load": { drop: [], coarsen: { loadMw: { kind: "round", step: 0.5 }, productionMw: { kind: "round", step: 1 } } },
  "safety.incidents": { drop: ["incidentId", "segmentId"], coarsen: { startedAt: { kind: "time", unit: "hour" }, endedAt: { kind: "time", unit: "hour" } } },
  "safety.cameras": { drop: [], coarsen: { vehiclesPerMin: { kind: "round", step: 10 }, pedestriansPerMin: { kind: "round", step: 10 } } },
  "reports.citizen": { drop: ["description", "mediaHash"], coarsen: {} },
};
/** Anonymized readings have their location rounded to this many degrees (about 1 km) and time to this many seconds. */
export const ANON_LOCATION_STEP_DEG = 0.01;
export const ANON_TIME_STEP_S = 300;
/** Aggregated reads are counted and averaged over buckets of this many seconds. */
export const AGGREGATE_BUCKET_S = 900;

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;
function field(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a field name: ${name}`);
  return name;
}

/** The dataset's fields the basis lets through (schema order), before anonymization drops any. */
export function allowedFields(dataset: Dataset, basis: Pick<ReadBasis, "fields" | "scope">): string[] {
  const all = Object.keys(dataset.schema.fields);
  const listed = basis.fields ? all.filter((f) => basis.fields!.includes(f)) : all;
  if (basis.scope !== "anonymized") return listed;
  const drop = new Set(ANONYMIZATION[dataset.id]?.drop ?? []);
  return listed.filter((f) => !drop.has(f));
}

/** Conditions on `alias` (a reading row) for the basis's data window and area. */
export function scopeConditions(basis: Pick<ReadBasis, "window" | "area">, params: unknown[], alias = "r"): string[] {
  const out: string[] = [];
  if (basis.window.from) {
    params.push(basis.window.from);
    out.push(`${alias}.observed_at >= $${params.length}`);
  }
  if (basis.window.until) {
    params.push(basis.window.until);
    out.push(`${alias}.observed_at < $${params.length}`);
  }
  if (basis.area) {
    const [lon, lat] = basis.area.center;
    const r = basis.area.radiusM;
    const dLat = r / 110_540;
    const dLon = r / (111_320 * Math.cos((lat * Math.PI) / 180));
    params.push(lon - dLon, lon + dLon, lat - dLat, lat + dLat, lon, lat, r * r);
    const n = params.length;
    // Bounding box first (cheap), then the equirectangular distance (exact enough at city scale).
    out.push(
      `${alias}.lon BETWEEN $${n - 6} AND $${n - 5} AND ${alias}.lat BETWEEN $${n - 4} AND $${n - 3}` +
        ` AND power((${alias}.lon - $${n - 2}) * cos(radians($${n - 1}::float8)) * 111320, 2) + power((${alias}.lat - $${n - 1}) * 110540, 2) <= $${n}`,
    );
  }
  return out;
}

/** The payload expression for raw or anonymized scope: only allowed fields, coarsened when anonymized. */
export function payloadExpr(dataset: Dataset, basis: Pick<ReadBasis, "fields" | "scope">, alias = "r"): string {
  const fields = allowedFields(dataset, basis);
  if (fields.length === 0) return `'{}'::jsonb`;
  // Every field at raw scope (owner, public, a grant without a field list): the payload as
  // stored. Ingest refuses fields outside the schema (values-schema.ts), so it holds no
  // more than the list, and rebuilding it per row was a sixth of a raw map read's time.
  if (basis.scope === "raw" && fields.length === Object.keys(dataset.schema.fields).length) return `${alias}.payload`;
  const coarsen = basis.scope === "anonymized" ? (ANONYMIZATION[dataset.id]?.coarsen ?? {}) : {};
  const parts = fields.map((f) => {
    const name = field(f);
    const c = coarsen[f];
    let v = `${alias}.payload->'${name}'`;
    if (c?.kind === "round") v = `to_jsonb(round(((${alias}.payload->>'${name}')::float8 / ${c.step})) * ${c.step})`;
    if (c?.kind === "time") v = `to_jsonb(to_char(date_trunc('${c.unit}', (${alias}.payload->>'${name}')::timestamptz AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS".000Z"'))`;
    return `'${name}', ${v}`;
  });
  return `jsonb_strip_nulls(jsonb_build_object(${parts.join(", ")}))`;
}

/** Numeric fields of the dataset the basis lets through, for aggregates. */
export function numericFields(dataset: Dataset, basis: Pick<ReadBasis, "fields" | "scope">): string[] {
  return allowedFields(dataset, { ...basis, scope: "raw" }).filter((f) => dataset.schema.fields[f].type === "number").map(field);
}

/** Whether a point lies in a grant's area (no area: everywhere). The same distance as scopeConditions. */
export function withinArea(p: readonly [number, number], area: ReadBasis["area"]): boolean {
  if (!area) return true;
  const [lon, lat] = area.center;
  const dx = (p[0] - lon) * Math.cos((lat * Math.PI) / 180) * 111_320;
  const dy = (p[1] - lat) * 110_540;
  return dx * dx + dy * dy <= area.radiusM * area.radiusM;
}
