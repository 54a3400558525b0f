/**
 * Local time of the city (Asia/Shanghai: UTC+8, no daylight saving) without Intl, so it is
 * the same everywhere.
 */

/** The parts of a local instant the models use. */
export interface LocalTime {
  /** Hour of the day with fraction, 0 <= hour < 24. */
  hour: number;
  /** 0 = Sunday … 6 = Saturday. */
  dayOfWeek: number;
  weekend: boolean;
  /** 1 … 366. */
  dayOfYear: number;
  /** Whole local days since 1970-01-01 (local), for per-day variation. */
  dayNumber: number;
}

const DAY_MS = 86_400_000;

/** Local time of an instant at a fixed UTC offset (default +480 minutes). */
export function localTime(ms: number, utcOffsetMinutes = 480): LocalTime {
  const local = ms + utcOffsetMinutes * 60_000;
  const dayNumber = Math.floor(local / DAY_MS);
  const hour = (local - dayNumber * DAY_MS) / 3_600_000;
  const dayOfWeek = (((dayNumber + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday.
  const d = new Date(dayNumber * DAY_MS);
  const dayOfYear = Math.floor((dayNumber * DAY_MS - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
  return { hour, dayOfWeek, weekend: dayOfWeek === 0 || dayOfWeek === 6, dayOfYear, dayNumber };
}
