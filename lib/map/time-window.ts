import { badRequest } from "../errors";

export type TimeWindow = { from: Date; to: Date };

/** How far into the future `to` may lie (device clocks drift; ingest allows 5 minutes). */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * Resolves optional ISO instants into a window: `to` defaults to now, `from` to `to` minus
 * `defaultSpanMs`. Throws a 400 naming the problem when `from` is not before `to`, when `to`
 * lies in the future or when the window is longer than `maxSpanMs`.
 */
export function resolveWindow(
  q: { from?: string; to?: string },
  opts: { defaultSpanMs: number; maxSpanMs: number; now?: number },
): TimeWindow {
  const now = opts.now ?? Date.now();
  const to = q.to ? new Date(q.to) : new Date(now);
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - opts.defaultSpanMs);
  if (!(from.getTime() < to.getTime())) throw badRequest(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  if (to.getTime() > now + FUTURE_SLACK_MS) throw badRequest(`to (${to.toISOString()}) is in the future`);
  const span = to.getTime() - from.getTime();
  if (span > opts.maxSpanMs) {
    throw badRequest(`the window from ${from.toISOString()} to ${to.toISOString()} is longer than ${Math.round(opts.maxSpanMs / 3_600_000)} hours`);
  }
  return { from, to };
}

export const BUCKET_MIN_S = 300;
export const BUCKET_MAX_S = 3600;
export const MAX_BUCKETS = 2016;

/**
 * Checks a bucket length (a multiple of 300 s from 300 to 3600) and aligns the window to it:
 * `from` rounded down, `to` rounded up to whole buckets since the epoch.
 */
export function bucketWindow(w: TimeWindow, bucketS: number): { from: Date; to: Date; count: number } {
  if (!Number.isInteger(bucketS) || bucketS < BUCKET_MIN_S || bucketS > BUCKET_MAX_S || bucketS % BUCKET_MIN_S !== 0) {
    throw badRequest(`bucket must be a multiple of ${BUCKET_MIN_S} seconds from ${BUCKET_MIN_S} to ${BUCKET_MAX_S}, got ${bucketS}`);
  }
  const ms = bucketS * 1000;
  const from = Math.floor(w.from.getTime() / ms) * ms;
  const to = Math.ceil(w.to.getTime() / ms) * ms;
  const count = Math.max(1, (to - from) / ms);
  if (count > MAX_BUCKETS) throw badRequest(`the window holds ${count} buckets of ${bucketS} s; at most ${MAX_BUCKETS} are allowed`);
  return { from: new Date(from), to: new Date(from + count * ms), count };
}
