import { z } from "zod";
import { DATASETS } from "../city/datasets";
import type { FieldSpec } from "../city/types";
import { loneSurrogateIndex } from "../ledger/encoding";
import { refuse, type Refusal } from "./refusal";

/** The canonical `Date.prototype.toISOString()` form: four-digit year, milliseconds, Z. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for a timestamp in exactly the form `new Date(s).toISOString()` gives back. */
export function isCanonicalInstant(s: string): boolean {
  return !Number.isNaN(canonicalInstantMs(s));
}

/**
 * The instant of a timestamp in exactly the form `new Date(s).toISOString()` gives back (ms
 * since the epoch), else NaN. Read from its digits, with no Date or string made: every reading
 * has one (what Date.parse and the round trip through toISOString give, values-schema.test.ts).
 */
export function canonicalInstantMs(s: string): number {
  if (s.length !== 24 || !ISO_INSTANT.test(s)) return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return NaN;
  // Date.UTC reads years 0–99 as 1900–1999: those (no device's) take Date.parse.
  return year < 100 ? Date.parse(s) : Date.UTC(year, month - 1, day, hour, minute, second, digits(s, 20, 3));
}

/** The decimal number of the n digits of s at `at` (ISO_INSTANT checked they are digits). */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = 10 * v + s.charCodeAt(i) - 48;
  return v;
}

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;


export const MAX_STRING = 4096;
/** True if `s` holds a C0 control character or DEL. */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

// PostgreSQL's jsonb cannot hold U+0000, and a lone surrogate has no UTF-8 form.
const storableText = (s: string) => !s.includes("\u0000") && loneSurrogateIndex(s) < 0;

const text = z
  .string()
  .max(MAX_STRING, `must be at most ${MAX_STRING} characters`)
  .refine(storableText, "must not contain U+0000 or lone surrogates");

function fieldSchema(f: FieldSpec): z.ZodType {
  if (f.type === "boolean") return z.boolean();
  if (f.type === "string") {
    if (f.enum) return z.enum(f.enum as [string, ...string[]]);
    if (f.format === "date-time") return z.string().refine(isCanonicalInstant, "must be an ISO 8601 instant in toISOString() form, e.g. 2026-05-01T08:00:00.000Z");
    return text;
  }
  let n = z.number();
  if (f.integer) n = n.int();
  if (f.min !== undefined) n = n.min(f.min);
  if (f.max !== undefined) n = n.max(f.max);
  return n;
}

/**
 * The same checks as the zod schema, as plain code for the common case (valid values):
 * true when zod would accept the values. When it says false, zod runs to name the problem.
 */
function fastCheck(fields: Record<string, FieldSpec>): (v: Record<string, unknown>) => boolean {
  const specs = new Map(Object.entries(fields).map(([k, f]) => [k, { f, en: f.enum ? new Set(f.enum) : null }]));
  const required = Object.entries(fields).filter(([, f]) => f.required).map(([k]) => k);
  return (v) => {
    let n = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) return false;
      const s = specs.get(k);
      if (!s) return false;
      const x = v[k];
      const f = s.f;
      if (x === undefined) return false;
      if (f.type === "number") {
        if (typeof x !== "number" || !Number.isFinite(x)) return false;
        if (f.integer && !Number.isSafeInteger(x)) return false;
        if ((f.min !== undefined && x < f.min) || (f.max !== undefined && x > f.max)) return false;
      } else if (f.type === "string") {
        if (typeof x !== "string") return false;
        if (s.en) {
          if (!s.en.has(x)) return false;
        } else if (f.format === "date-time") {
          if (!isCanonicalInstant(x)) return false;
        } else if (x.length > MAX_STRING || !storableText(x)) return false;
      } else if (typeof x !== "boolean") return false;
      n++;
    }
    if (Object.keys(v).length !== n) return false;
    for (const k of required) if (!Object.prototype.hasOwnProperty.call(v, k) || v[k] === undefined) return false;
    return true;
  };
}

type Compiled = { schema: z.ZodType; fields: Record<string, FieldSpec>; fast: (v: Record<string, unknown>) => boolean };
const compiled = new Map<string, Compiled>();
for (const ds of DATASETS) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, f] of Object.entries(ds.schema.fields)) shape[name] = f.required ? fieldSchema(f) : fieldSchema(f).optional();
  compiled.set(ds.id, { schema: z.strictObject(shape), fields: ds.schema.fields, fast: fastCheck(ds.schema.fields) });
}

/** True if the city knows a dataset with this id. */
export function isKnownDataset(id: string): boolean {
  return compiled.has(id);
}

const describe = (v: unknown) => (typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : v === undefined ? "nothing" : String(JSON.stringify(v)));

/**
 * Checks a reading's `values` against its dataset's schema: types, required fields,
 * integers, enums, physical ranges; unknown fields are refused. Returns null when the
 * values are valid, or the refusal naming the path of the first bad field (values.<name>).
 */
export function checkValues(datasetId: string, values: Record<string, unknown>): Refusal | null {
  const c = compiled.get(datasetId);
  if (!c) return refuse("schema", `dataset ${JSON.stringify(datasetId)} is not one the city knows`, "dataset");
  if (values !== null && typeof values === "object" && !Array.isArray(values) && c.fast(values)) return null;
  const r = c.schema.safeParse(values);
  if (r.success) return null;
  const issue = r.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    return refuse("unknown_field", `values.${key} is not a field of dataset ${datasetId} (fields: ${Object.keys(c.fields).join(", ")})`, `values.${key}`);
  }
  const name = String(issue.path[0] ?? "");
  const path = `values.${name}`;
  const spec = c.fields[name];
  const got = values[name];
  if ((issue.code === "too_small" || issue.code === "too_big") && spec?.type === "number") {
    const unit = spec.unit && spec.unit !== "1" ? ` ${spec.unit}` : "";
    return refuse("out_of_range", `${path} = ${got} is outside the physical range ${spec.min ?? "-∞"}..${spec.max ?? "∞"}${unit}`, path);
  }
  if (got === undefined && spec?.required) return refuse("schema", `${path} is required by dataset ${datasetId}`, path);
  const want = spec?.enum ? `one of ${spec.enum.join(", ")}` : spec?.integer ? "an integer" : spec ? `a ${spec.type}` : "a valid value";
  return refuse("schema", `${path}: got ${describe(got)}, want ${want} (${issue.message})`, path);
}
