import type { Sql } from "../db/sql";
import type { StoredFrameChunk } from "../access/scoped/map-frames";

/**
 * Persisted whole-city replay chunks (map_frame_chunk, prisma/migrations/20261204230000_map_frame_chunk):
 * the series of a chunk quantised to 16 bits each (a step of max |value| / 32767 per series and
 * chunk, far finer than the byte a replay frame travels as), written when a chunk is complete
 * and rewritten when its version (the largest ledger leaf folded into its buckets) changed.
 * They are read back only through scopedStoredFrameChunks (lib/access/scoped/map-frames.ts).
 */

/** Unquantised series of a window: values row-major [bucket][id] (NaN where missing). */
export type RawSeries = Record<string, { ids: string[]; values: Float64Array }>;

const MISSING16 = -32768;

/** Encodes a chunk's series as StoredFrameChunk's `series` and `data`. */
export function encodeChunk(series: RawSeries): { series: StoredFrameChunk["series"]; data: Uint8Array } {
  const names = Object.keys(series);
  const total = names.reduce((n, k) => n + series[k].values.length, 0);
  const q = new Int16Array(total);
  const head: StoredFrameChunk["series"] = [];
  let at = 0;
  for (const name of names) {
    const { ids, values } = series[name];
    let max = 0;
    for (const v of values) if (Number.isFinite(v) && Math.abs(v) > max) max = Math.abs(v);
    const scale = max > 0 ? max / 32767 : 1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      q[at + i] = Number.isFinite(v) ? Math.max(-32767, Math.min(32767, Math.round(v / scale))) : MISSING16;
    }
    head.push({ name, width: ids.length, scale });
    at += values.length;
  }
  const data = new Uint8Array(q.byteLength);
  const view = new DataView(data.buffer);
  for (let i = 0; i < q.length; i++) view.setInt16(i * 2, q[i], true);
  return { series: head, data };
}

/**
 * Decodes a stored chunk of `count` buckets against the ids the city model gives each series
 * now (`ids`); null when they do not fit (another series set or width), so it is computed again.
 */
export function decodeChunk(stored: StoredFrameChunk, count: number, ids: Record<string, string[]>): RawSeries | null {
  const names = Object.keys(ids);
  if (stored.series.length !== names.length || stored.series.some((s, i) => s.name !== names[i] || s.width !== ids[s.name].length)) return null;
  const total = stored.series.reduce((n, s) => n + s.width * count, 0);
  if (stored.data.byteLength !== total * 2) return null;
  const view = new DataView(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength);
  const out: RawSeries = {};
  let at = 0;
  for (const s of stored.series) {
    const values = new Float64Array(s.width * count);
    for (let i = 0; i < values.length; i++) {
      const q = view.getInt16((at + i) * 2, true);
      values[i] = q === MISSING16 ? Number.NaN : q * s.scale;
    }
    out[s.name] = { ids: ids[s.name], values };
    at += values.length;
  }
  return out;
}

/** Writes a complete chunk, replacing an older version (never a newer one another process wrote). */
export async function storeChunk(sql: Sql, key: { datasetId: string; bucketS: number; start: number; cityKey: string; version: number }, series: RawSeries): Promise<void> {
  const { series: head, data } = encodeChunk(series);
  await sql.query(
    `INSERT INTO map_frame_chunk AS m (dataset_id, bucket_s, chunk_start, city_key, version, series, data, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, decode($7, 'base64'), now())
     ON CONFLICT (dataset_id, bucket_s, chunk_start) DO UPDATE
       SET city_key = excluded.city_key, version = excluded.version, series = excluded.series, data = excluded.data, updated_at = now()
     WHERE m.city_key <> excluded.city_key OR m.version <= excluded.version`,
    // As base64 text: PGlite encodes a bytea parameter in JavaScript, slowly (see scopedStoredFrameChunks).
    [key.datasetId, key.bucketS, new Date(key.start).toISOString(), key.cityKey, key.version, JSON.stringify(head), Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64")],
  );
}

/**
 * How far back complete chunks are stored: the replay slider's day and a week of the longest
 * frames request (7 days). Older windows are computed on request and kept in memory only.
 */
export const STORED_CHUNK_SPAN_MS = 8 * 24 * 3_600_000;

/** Deletes stored chunks that start before `before` (past STORED_CHUNK_SPAN_MS); returns how many. */
export async function pruneStoredChunks(sql: Sql, before: number): Promise<number> {
  const rows = await sql.query<{ n: number }>(`WITH d AS (DELETE FROM map_frame_chunk WHERE chunk_start < $1 RETURNING 1) SELECT count(*)::int AS n FROM d`, [new Date(before).toISOString()]);
  return Number(rows[0]?.n ?? 0);
}

/** Drops stored chunks of another city model (the rollup they came from was rebuilt). */
export async function dropOtherCityChunks(sql: Sql, cityKey: string): Promise<void> {
  await sql.query(`DELETE FROM map_frame_chunk WHERE city_key <> $1`, [cityKey]);
}
