import { haversineM, pointInRing } from "../city/geo";
import { ngsiBadRequest } from "./problem";

/**
 * The part of the NGSI-LD query language (ETSI GS CIM 009, 4.9 and 4.10) the console answers,
 * as pure functions over keyValues entities:
 * - q: terms joined by `;` (and) and `|` (or, binding looser than `;`); a term is `attr`
 *   (present), or `attr op value` with op one of == != > >= < <=; a value is a number,
 *   "a string", true/false, an unquoted date-time or word, a list `a,b,c` (== / != any of),
 *   or a range `lo..hi` (== / != within). Parentheses and pattern ops (~=) are refused with 400.
 * - geo: georel near;maxDistance==m (or minDistance==m) with geometry Point, and within,
 *   intersects, disjoint with geometry Polygon (entities are points here, so intersects is
 *   within); coordinates as GeoJSON JSON.
 * Every malformed input is a 400 BadRequestData naming the parameter and what is wrong.
 */
export type QValue = number | string | boolean;
export type QTerm =
  | { attr: string; op: "exists" }
  | { attr: string; op: "==" | "!="; values: QValue[] }
  | { attr: string; op: "==" | "!="; range: [QValue, QValue] }
  | { attr: string; op: ">" | ">=" | "<" | "<="; value: QValue };
/** OR of ANDs. */
export type QExpr = QTerm[][];

const ATTR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function parseValue(raw: string, q: string): QValue {
  const s = raw.trim();
  if (s === "") throw ngsiBadRequest("BadRequestData", `q: a value is missing in "${q}"`);
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) throw ngsiBadRequest("BadRequestData", `q: unterminated string ${s}`);
    return s.slice(1, -1);
  }
  if (s === "true" || s === "false") return s === "true";
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (DATE.test(s) || /^[A-Za-z0-9_:.-]+$/.test(s)) return s;
  throw ngsiBadRequest("BadRequestData", `q: cannot read the value ${s} (quote strings: "…")`);
}

/** Splits on a separator outside double quotes. */
function splitOutside(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQ = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') inQ = !inQ;
    if (!inQ && s.startsWith(sep, i)) {
      out.push(cur);
      cur = "";
      i += sep.length - 1;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

function parseTerm(t: string, q: string): QTerm {
  const m = /^\s*([^=!<>~\s]+)\s*(==|!=|>=|<=|>|<|~=|!~=)?\s*(.*)$/s.exec(t);
  if (!m) throw ngsiBadRequest("BadRequestData", `q: cannot read the term "${t}"`);
  const [, attr, op, rest] = m;
  if (!ATTR.test(attr)) throw ngsiBadRequest("BadRequestData", `q: "${attr}" is not an attribute name`);
  if (!op) {
    if (rest.trim()) throw ngsiBadRequest("BadRequestData", `q: cannot read the term "${t}"`);
    return { attr, op: "exists" };
  }
  if (op === "~=" || op === "!~=") throw ngsiBadRequest("BadRequestData", `q: the pattern operator ${op} is not supported`);
  if (op === "==" || op === "!=") {
    const range = splitOutside(rest, "..");
    if (range.length === 2) return { attr, op, range: [parseValue(range[0], q), parseValue(range[1], q)] };
    return { attr, op, values: splitOutside(rest, ",").map((v) => parseValue(v, q)) };
  }
  return { attr, op: op as ">" | ">=" | "<" | "<=", value: parseValue(rest, q) };
}

/** Parses q (400 BadRequestData naming what is wrong). */
export function parseQ(q: string): QExpr {
  if (q.length > 2000) throw ngsiBadRequest("BadRequestData", "q: longer than 2000 characters");
  if (/[()]/.test(q.replace(/"[^"]*"/g, ""))) throw ngsiBadRequest("BadRequestData", "q: parentheses are not supported; use ; (and) and | (or)");
  return splitOutside(q, "|").map((or) => splitOutside(or, ";").map((t) => parseTerm(t, q)));
}

function cmp(a: unknown, b: QValue): number | null {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "number" && a.trim() !== "" && Number.isFinite(Number(a))) return Number(a) - b;
  return null;
}

function termHolds(t: QTerm, e: Record<string, unknown>): boolean {
  const v = e[t.attr];
  if (v === undefined || v === null) return false;
  if (t.op === "exists") return true;
  const vals = Array.isArray(v) ? v : [v];
  if ("values" in t) {
    const any = vals.some((x) => t.values.some((w) => cmp(x, w) === 0));
    return t.op === "==" ? any : !any;
  }
  if ("range" in t) {
    const inside = vals.some((x) => (cmp(x, t.range[0]) ?? -1) >= 0 && (cmp(x, t.range[1]) ?? 1) <= 0);
    return t.op === "==" ? inside : !inside;
  }
  return vals.some((x) => {
    const c = cmp(x, t.value);
    if (c === null) return false;
    return t.op === ">" ? c > 0 : t.op === ">=" ? c >= 0 : t.op === "<" ? c < 0 : c <= 0;
  });
}

/** Whether a keyValues entity satisfies q. */
export function matchesQ(expr: QExpr, e: Record<string, unknown>): boolean {
  return expr.some((and) => and.every((t) => termHolds(t, e)));
}

/** The attributes q names (subscriptions watch them). */
export const qAttributes = (expr: QExpr) => [...new Set(expr.flat().map((t) => t.attr))];

export type GeoQuery =
  | { rel: "near"; point: [number, number]; maxDistance?: number; minDistance?: number }
  | { rel: "within" | "intersects" | "disjoint"; polygon: [number, number][][] };

const isPos = (p: unknown): p is [number, number] =>
  Array.isArray(p) && p.length >= 2 && typeof p[0] === "number" && typeof p[1] === "number" && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;

/** Parses georel, geometry and coordinates (all three or none); null when none is given. */
export function parseGeoQuery(p: { georel?: string; geometry?: string; coordinates?: string; geoproperty?: string }): GeoQuery | null {
  if (!p.georel && !p.geometry && !p.coordinates) return null;
  if (!p.georel || !p.geometry || !p.coordinates) {
    throw ngsiBadRequest("BadRequestData", "georel, geometry and coordinates: a geo-query needs all three");
  }
  if (p.geoproperty && p.geoproperty !== "location") throw ngsiBadRequest("BadRequestData", `geoproperty: only location is served, not ${p.geoproperty}`);
  let coords: unknown;
  try {
    coords = JSON.parse(p.coordinates);
  } catch {
    throw ngsiBadRequest("BadRequestData", "coordinates: not a JSON array of positions");
  }
  const [rel, ...mods] = p.georel.split(";");
  if (rel === "near") {
    if (p.geometry !== "Point") throw ngsiBadRequest("BadRequestData", `geometry: near needs a Point, not ${p.geometry}`);
    if (!isPos(coords)) throw ngsiBadRequest("BadRequestData", "coordinates: a Point is [longitude, latitude]");
    const out: GeoQuery = { rel: "near", point: [coords[0], coords[1]] };
    for (const m of mods) {
      const mm = /^(maxDistance|minDistance)==(\d+(\.\d+)?)$/.exec(m);
      if (!mm) throw ngsiBadRequest("BadRequestData", `georel: cannot read "${m}" (near;maxDistance==metres or near;minDistance==metres)`);
      out[mm[1] as "maxDistance" | "minDistance"] = Number(mm[2]);
    }
    if (out.maxDistance === undefined && out.minDistance === undefined) throw ngsiBadRequest("BadRequestData", "georel: near needs maxDistance or minDistance");
    return out;
  }
  if (rel === "within" || rel === "intersects" || rel === "disjoint") {
    if (mods.length) throw ngsiBadRequest("BadRequestData", `georel: ${rel} takes no modifier`);
    if (p.geometry !== "Polygon") throw ngsiBadRequest("BadRequestData", `geometry: ${rel} is answered for a Polygon, not ${p.geometry}`);
    const ok = Array.isArray(coords) && coords.length >= 1 && coords.every((ring) => Array.isArray(ring) && ring.length >= 4 && ring.every(isPos));
    if (!ok) throw ngsiBadRequest("BadRequestData", "coordinates: a Polygon is [[[lon, lat], …]] with rings of at least 4 positions");
    return { rel, polygon: coords as [number, number][][] };
  }
  throw ngsiBadRequest("BadRequestData", `georel: ${rel} is not one of near, within, intersects, disjoint`);
}

/** Whether a point satisfies the geo-query (a polygon's later rings are holes). */
export function matchesGeo(g: GeoQuery, p: [number, number]): boolean {
  if (g.rel === "near") {
    const d = haversineM(g.point, p);
    return (g.maxDistance === undefined || d <= g.maxDistance) && (g.minDistance === undefined || d >= g.minDistance);
  }
  const inside = pointInRing(p, g.polygon[0]) && !g.polygon.slice(1).some((h) => pointInRing(p, h));
  return g.rel === "disjoint" ? !inside : inside;
}

/** Splits a comma-separated parameter (type, id, attrs, watchedAttributes). */
export const commaList = (s: string | undefined): string[] | null =>
  s === undefined ? null : s.split(",").map((x) => x.trim()).filter(Boolean);
