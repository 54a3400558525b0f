// Readings are partitioned by observed_at, one partition a UTC day (migration
// 20261206010000_reading_storage). reading_partition() makes a day's partition; this keeps
// the days around now made ahead of the readings, so that few land in reading_default (a
// day whose readings went there keeps them there: its partition cannot be attached over them).
import type { Sql } from "../db/sql";

const DAY_MS = 86_400_000;

/** Makes the partitions of the UTC days from `daysBack` before `now` to `daysAhead` after it; returns the days left to reading_default. */
export async function ensureReadingPartitions(sql: Pick<Sql, "query">, opts: { now?: Date; daysBack?: number; daysAhead?: number } = {}): Promise<string[]> {
  const now = (opts.now ?? new Date()).getTime();
  const days: string[] = [];
  for (let d = -Math.ceil(opts.daysBack ?? 1); d <= (opts.daysAhead ?? 2); d++) days.push(new Date(now + d * DAY_MS).toISOString());
  const rows = await sql.query<{ day: string; name: string | null }>(`SELECT d AS day, reading_partition(d::timestamptz) AS name FROM unnest($1::text[]) AS d`, [days]);
  return rows.filter((r) => r.name === null).map((r) => r.day.slice(0, 10));
}
