import type { EntitiesQuery } from "../api/ngsi-specs";
import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { notFound } from "../errors";
import { compactTerm } from "./context";
import { tryCheckRead } from "../access/check-read";
import { DEVICE_DATASETS, ENTITY_TYPES, keyValues, normalized, parseEntityId, TYPE_DATASET, type Entity, type EntityType } from "./entities";
import { ngsiBadRequest } from "./problem";
import { commaList, matchesGeo, matchesQ, parseGeoQuery, parseQ, type GeoQuery, type QExpr } from "./query";
import { readEntities, recordEntityReads } from "./read-entities";

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 20;


/** A parsed entity query: which entities (types, ids, q, geo) and how to show them. */
export type EntityFilter = { types: EntityType[]; ids: Set<string> | null; q: QExpr | null; geo: GeoQuery | null; attrs: string[] | null };

const intParam = (name: string, v: string | undefined, dflt: number, min: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw ngsiBadRequest("BadRequestData", `${name}: an integer of at least ${min}, not ${v}`);
  return Number(v);
};

/** options=keyValues (or format=simplified) picks the keyValues form; `count` too may be given here. */
export function parseOptions(options: string | undefined): { keyValues: boolean } {
  const opts = commaList(options) ?? [];
  for (const o of opts) if (!["keyValues", "normalized", "sysAttrs", "count"].includes(o)) throw ngsiBadRequest("BadRequestData", `options: ${o} is not one of keyValues, normalized`);
  return { keyValues: opts.includes("keyValues") };
}

/** Parses the filter part of a query: type, id, q, geo-query, attrs (400 naming what is wrong). */
export function parseFilter(p: { type?: string; id?: string; q?: string; attrs?: string; georel?: string; geometry?: string; coordinates?: string; geoproperty?: string }): EntityFilter {
  const ids = commaList(p.id);
  const asked = commaList(p.type)?.map(compactTerm) ?? null;
  for (const t of asked ?? []) if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(t)) throw ngsiBadRequest("BadRequestData", `type: "${t}" is not a type name`);
  const attrs = commaList(p.attrs)?.map(compactTerm) ?? null;
  const q = p.q !== undefined ? parseQ(p.q) : null;
  const geo = parseGeoQuery(p);
  if (!asked && !ids && !attrs && !q && !geo) throw ngsiBadRequest("BadRequestData", "type, id, attrs, q or a geo-query: at least one is needed to query entities");
  let types: EntityType[] = asked ? ENTITY_TYPES.filter((t) => asked.includes(t)) : [...ENTITY_TYPES];
  if (ids) {
    const idTypes = new Set(ids.map((i) => parseEntityId(i)?.type).filter((t): t is EntityType => !!t));
    types = types.filter((t) => idTypes.has(t));
  }
  return { types, ids: ids ? new Set(ids) : null, q, geo, attrs };
}

/** Entities passing a filter (ids, q on the keyValues form, geo-query, at least one of attrs). */
export function filterEntities(all: readonly Entity[], f: EntityFilter): Entity[] {
  return all.filter((e) => {
    if (f.ids && !f.ids.has(e.id)) return false;
    if (f.attrs && !f.attrs.some((a) => a in e.attrs)) return false;
    if (f.geo && !matchesGeo(f.geo, e.location)) return false;
    if (f.q && !matchesQ(f.q, keyValues(e, null))) return false;
    return true;
  });
}

export type EntitiesAnswer = { body: Record<string, unknown>[]; count: number | null };

/**
 * GET /ngsi-ld/v1/entities: the entities the viewer may read that match the query, sorted by
 * id, a page of them (limit ≤ 1000, offset), in normalized or keyValues form; `count=true`
 * also gives the number matching. Each dataset read is in the access log (ngsi.entities).
 */
export async function queryEntities(opts: { viewer: Viewer; query: EntitiesQuery }): Promise<EntitiesAnswer> {
  const p = opts.query;
  const limit = intParam("limit", p.limit, DEFAULT_LIMIT, 0);
  if (limit > MAX_LIMIT) throw ngsiBadRequest("TooManyResults", `limit: at most ${MAX_LIMIT}, not ${limit}`);
  const offset = intParam("offset", p.offset, 0, 0);
  const { keyValues: kv } = parseOptions(p.options);
  const wantCount = p.count === "true" || (commaList(p.options) ?? []).includes("count");
  const filter = parseFilter(p);
  const db = await getDb();
  const now = new Date();
  const { entities, bases } = await readEntities(db.sql, opts.viewer, filter.types, now);
  const matched = filterEntities(entities, filter).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = matched.slice(offset, offset + limit);
  await recordEntityReads(db.sql, opts.viewer, bases, page, "ngsi.entities", now);
  const show = kv ? keyValues : normalized;
  return { body: page.map((e) => show(e, filter.attrs)), count: wantCount ? matched.length : null };
}

/** GET /ngsi-ld/v1/entities/{id}: one entity, 404 when it does not exist or the viewer may not read it. */
export async function getEntity(opts: { viewer: Viewer; id: string; attrs?: string; options?: string }): Promise<Record<string, unknown>> {
  const parsed = parseEntityId(opts.id);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(opts.id)) throw ngsiBadRequest("BadRequestData", `id: ${opts.id} is not a URI`);
  if (!parsed) throw notFound("entity", opts.id);
  const { keyValues: kv } = parseOptions(opts.options);
  const attrs = commaList(opts.attrs)?.map(compactTerm) ?? null;
  const db = await getDb();
  const now = new Date();
  const { entities, bases } = await readEntities(db.sql, opts.viewer, [parsed.type], now);
  const e = entities.find((x) => x.id === opts.id);
  if (!e) throw notFound("entity", opts.id);
  await recordEntityReads(db.sql, opts.viewer, new Map([...bases].filter(([d]) => d === e.datasetId)), [e], "ngsi.entities", now);
  return (kv ? keyValues : normalized)(e, attrs);
}

/**
 * GET /ngsi-ld/v1/types: the entity types of which the viewer may read at least one dataset
 * (an EntityTypeList). Reads no dataset content.
 */
export async function listEntityTypes(opts: { viewer: Viewer }): Promise<Record<string, unknown>> {
  const db = await getDb();
  const readable = new Map<string, "raw" | "other">();
  for (const d of new Set([...Object.values(TYPE_DATASET), ...DEVICE_DATASETS])) {
    const b = await tryCheckRead(db.sql, opts.viewer, d);
    if (!("denied" in b)) readable.set(d, b.scope === "raw" ? "raw" : "other");
  }
  const typeList = ENTITY_TYPES.filter((t) => {
    if (t === "Device") return DEVICE_DATASETS.some((d) => readable.get(d) === "raw");
    if (t === "Alert") return readable.get(TYPE_DATASET.Alert) === "raw";
    return readable.has(TYPE_DATASET[t]);
  });
  return { id: `urn:ngsi-ld:EntityTypeList:${opts.viewer.kind === "user" ? opts.viewer.departmentId : "public"}`, type: "EntityTypeList", typeList };
}
