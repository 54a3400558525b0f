import { z, ZodError } from "zod";

/**
 * Input checks every route shares, so that what PostgreSQL cannot store or compare is a 400
 * naming the field and never reaches the database as a 500: the NUL character (PostgreSQL
 * text cannot hold U+0000) and instants outside what a timestamptz and a JavaScript Date
 * agree on (years 0001–9999, UTC offsets within ±15:59).
 */

/** The path of the first string (or object key) inside `value` that holds U+0000, or null. */
export function findNul(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findNul(value[i], [...path, i]);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\u0000")) return [...path, k];
      const p = findNul(v, [...path, k]);
      if (p) return p;
    }
  }
  return null;
}

/** Throws a ZodError (a 400 through errorResponse) naming the first field that holds U+0000. */
export function assertNoNul(value: unknown, prefix: (string | number)[] = []): void {
  const at = findNul(value);
  if (!at) return;
  throw new ZodError([{ code: "custom", path: [...prefix, ...at], message: "must not contain the NUL character (U+0000)", input: undefined }]);
}

const OFFSET = /(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/i;
const MIN_MS = Date.parse("0001-01-01T00:00:00Z");
const MAX_MS = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * Why an ISO 8601 instant (already in zod's datetime form) cannot be used, or null: a year
 * outside 0001–9999 (year 0000 is no year PostgreSQL knows), a UTC offset beyond ±15:59
 * (PostgreSQL refuses those), or an instant that lands outside 0001–9999 once in UTC.
 */
export function instantProblem(s: string): string | null {
  const year = Number(s.slice(0, 4));
  if (!(year >= 1 && year <= 9999)) return "year must be between 0001 and 9999";
  const m = OFFSET.exec(s);
  if (m && m[1]) {
    const h = Number(m[2]);
    const min = Number(m[3] ?? 0);
    if (h > 15 || min > 59) return "UTC offset must be within ±15:59";
  }
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) return "not a valid instant";
  if (ms < MIN_MS || ms > MAX_MS) return "instant must fall between 0001-01-01 and 9999-12-31 UTC";
  return null;
}

/** An ISO 8601 instant with an offset (`Z` or ±hh:mm) that PostgreSQL and Date both accept. */
export const SafeInstant = z.iso.datetime({ offset: true }).superRefine((s, ctx) => {
  const problem = instantProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
