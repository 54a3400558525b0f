import type { Locale } from "./messages";

/** The city's time zone (lib/city: Yantai, Asia/Shanghai, UTC+8 all year). */
export const CITY_TIME_ZONE = "Asia/Shanghai";

/**
 * An instant as the city's local date and time in the viewer's language (24-hour clock), the
 * same whatever the browser's own time zone. `opts` narrows or widens the parts shown.
 */
export function formatCityTime(at: string | number | Date, locale: Locale, opts: Intl.DateTimeFormatOptions = {}): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString(locale, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    ...opts,
    timeZone: CITY_TIME_ZONE,
  });
}
