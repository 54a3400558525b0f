import type { Locale } from "./messages";

/** The city's time zone (lib/city: Yantai, Asia/Shanghai, UTC+8 all year). */
export const CITY_TIME_ZONE = "Asia/Shanghai";

const HM = { hour: "2-digit", minute: "2-digit" } as const;
/** The parts an instant is shown with: a whole date and time, down to the minute, a clock, or short for axes and sliders. */
const STYLES = {
  datetime: { year: "numeric", month: "2-digit", day: "2-digit", ...HM, second: "2-digit" },
  minute: { year: "numeric", month: "2-digit", day: "2-digit", ...HM },
  time: { ...HM, second: "2-digit" },
  hm: HM,
  short: { month: "short", day: "numeric", ...HM },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
export type CityTimeStyle = keyof typeof STYLES;

/**
 * An instant as the city's local date and time in the viewer's language (24-hour clock), the
 * same whatever the browser's own time zone. `style` picks the parts shown.
 */
export function formatCityTime(at: string | number | Date, locale: Locale | string, style: CityTimeStyle = "datetime"): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString(locale, { ...STYLES[style], hourCycle: "h23", timeZone: CITY_TIME_ZONE });
}
