/**
 * Recorded traffic readings in a CSV file (`npm run readings:replay`): which columns hold what,
 * and the rows turned into what each sensor observed, with every bad row named by its line.
 */

/** A file that cannot be replayed at all (the CLI exits non-zero). */
export class ReplayInputError extends Error {}

/** What a column may hold; time, sensor, lat, lon and speed are required, the rest optional. */
export const REPLAY_FIELDS = ["time", "sensor", "lat", "lon", "speed", "flow", "occupancy", "segment"] as const;
export type ReplayField = (typeof REPLAY_FIELDS)[number];
const REQUIRED: readonly ReplayField[] = ["time", "sensor", "lat", "lon", "speed"];

/** The header names of the fields, from `time=ts,sensor=id,…`. */
export type ColumnMap = Partial<Record<ReplayField, string>>;

/** Parses `--columns`: comma-separated field=header pairs; throws ReplayInputError naming what is wrong. */
export function parseColumnSpec(spec: string): ColumnMap {
  const out: ColumnMap = {};
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const field = (eq < 0 ? part : part.slice(0, eq)).trim() as ReplayField;
    const header = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (!REPLAY_FIELDS.includes(field)) throw new ReplayInputError(`--columns: unknown field "${field}" (known: ${REPLAY_FIELDS.join(", ")})`);
    if (!header) throw new ReplayInputError(`--columns: field ${field} names no column (write ${field}=COLUMN)`);
    if (out[field]) throw new ReplayInputError(`--columns: field ${field} given twice`);
    out[field] = header;
  }
  const missing = REQUIRED.filter((f) => !out[f]);
  if (missing.length) throw new ReplayInputError(`--columns: missing ${missing.join(", ")} (required: ${REQUIRED.join(", ")})`);
  return out;
}

/** One CSV line's fields (RFC 4180 quoting within the line); null when its quotes do not close. */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < line.length && line[i] !== ",") return null;
      out.push(v);
    } else {
      const c = line.indexOf(",", i);
      out.push(c < 0 ? line.slice(i) : line.slice(i, c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    i++; // the comma
    if (i === line.length) {
      out.push("");
      return out;
    }
  }
}

/** A row the replay sends: what one sensor observed at one instant. */
export type ReplayRow = {
  line: number;
  sensor: string;
  observedAt: string;
  location: [number, number];
  speedKmh: number;
  flowVehH?: number;
  occupancy?: number;
  segment?: string;
};
export type BadRow = { line: number; reason: string };

const SENSOR_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds of an ISO 8601 time with a UTC offset (or Z), or of epoch seconds (10 digits) or milliseconds (13 digits); a reason otherwise. */
export function parseRecordedTime(s: string): number | string {
  const t = s.trim();
  if (/^\d{9,10}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (/^\d{12,13}$/.test(t)) return Number(t);
  if (!ZONED.test(t)) return `time ${JSON.stringify(t.slice(0, 40))} is not ISO 8601 with a UTC offset (e.g. 2026-05-01T08:00:00+08:00) or epoch seconds/milliseconds`;
  const ms = Date.parse(t.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : `time ${JSON.stringify(t)} is not a valid instant`;
}

function num(raw: string | undefined, what: string, min: number, max: number): number | string {
  const t = (raw ?? "").trim();
  if (t === "") return `${what} is empty`;
  const v = Number(t);
  if (!Number.isFinite(v)) return `${what} ${JSON.stringify(t.slice(0, 40))} is not a number`;
  if (v < min || v > max) return `${what} ${v} is outside ${min}…${max}`;
  return v;
}

/**
 * Reads the CSV text: a header line naming the columns, then one reading a line (blank lines
 * skipped). Throws ReplayInputError when the header lacks a mapped column; every other
 * problem is a bad row with its 1-based line number, and the good rows are returned sorted
 * by time (stable, so equal times keep the file's order). A second row of the same sensor at
 * the same instant is bad (a device observes once per instant).
 */
export function parseReplayCsv(text: string, columns: ColumnMap): { rows: ReplayRow[]; bad: BadRow[] } {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  const header = splitCsvLine(lines[0] ?? "");
  if (!header || header.every((h) => !h.trim())) throw new ReplayInputError("the file has no header line naming its columns");
  const names = header.map((h) => h.trim());
  const index = {} as Partial<Record<ReplayField, number>>;
  for (const [field, col] of Object.entries(columns) as [ReplayField, string][]) {
    const k = names.indexOf(col);
    if (k < 0) throw new ReplayInputError(`column "${col}" (for ${field}) is not in the header (${names.join(", ")})`);
    index[field] = k;
  }
  const rows: ReplayRow[] = [];
  const bad: BadRow[] = [];
  const seen = new Map<string, number>();
  for (let n = 1; n < lines.length; n++) {
    const line = n + 1;
    if (!lines[n].trim()) continue;
    const cells = splitCsvLine(lines[n]);
    if (!cells) {
      bad.push({ line, reason: "a quoted field does not close on its line" });
      continue;
    }
    if (cells.length !== names.length) {
      bad.push({ line, reason: `${cells.length} fields, the header has ${names.length}` });
      continue;
    }
    const cell = (f: ReplayField) => (index[f] === undefined ? undefined : cells[index[f]!]);
    const problems: string[] = [];
    const time = parseRecordedTime(cell("time")!);
    if (typeof time === "string") problems.push(time);
    const sensor = cell("sensor")!.trim();
    if (!SENSOR_RE.test(sensor)) problems.push(`sensor ${JSON.stringify(sensor.slice(0, 40))} must be 1-100 letters, digits, . _ : - (starting with a letter or digit)`);
    const lat = num(cell("lat"), "lat", -90, 90);
    const lon = num(cell("lon"), "lon", -180, 180);
    const speed = num(cell("speed"), "speed", 0, 1000);
    for (const v of [lat, lon, speed]) if (typeof v === "string") problems.push(v);
    const opt = (f: "flow" | "occupancy", what: string, max: number) => {
      const raw = cell(f);
      if (raw === undefined || raw.trim() === "") return undefined;
      const v = num(raw, what, 0, max);
      if (typeof v === "string") problems.push(v);
      return typeof v === "number" ? v : undefined;
    };
    const flow = opt("flow", "flow", 1e6);
    const occupancy = opt("occupancy", "occupancy", 1);
    const segment = cell("segment")?.trim() || undefined;
    if (problems.length) {
      bad.push({ line, reason: problems.join("; ") });
      continue;
    }
    const key = `${sensor}\n${time}`;
    const first = seen.get(key);
    if (first !== undefined) {
      bad.push({ line, reason: `sensor ${sensor} already has a reading at this instant (line ${first})` });
      continue;
    }
    seen.set(key, line);
    rows.push({
      line, sensor, observedAt: new Date(time as number).toISOString(), location: [lon as number, lat as number], speedKmh: speed as number,
      ...(flow !== undefined ? { flowVehH: flow } : {}), ...(occupancy !== undefined ? { occupancy } : {}), ...(segment ? { segment } : {}),
    });
  }
  rows.sort((a, b) => (a.observedAt < b.observedAt ? -1 : a.observedAt > b.observedAt ? 1 : 0));
  return { rows, bad };
}
