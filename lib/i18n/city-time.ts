import type { Locale } from "./messages";

/** The city's time zone (lib/city: Yantai, Asia/Shanghai, UTC+8 all year). */
export const CITY_TIME_ZONE = "Asia/Shanghai";
/** Its offset from UTC in minutes (no daylight saving). */
export const CITY_UTC_OFFSET_MINUTES = 480;

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

/** A UTC offset as the console writes it beside a city time and in file names: "UTC+08", "UTC-0530". */
export function utcOffsetLabel(utcOffsetMinutes: number = CITY_UTC_OFFSET_MINUTES): string {
  const off = Math.abs(utcOffsetMinutes);
  const p = (n: number) => String(n).padStart(2, "0");
  return `UTC${utcOffsetMinutes < 0 ? "-" : "+"}${p(Math.floor(off / 60))}${off % 60 ? p(off % 60) : ""}`;
}

/** formatCityTime to the minute, with the city's UTC offset: e.g. "2026/12/05 00:45 (UTC+08)". */
export function formatCityTimeWithOffset(at: string | number | Date, locale: Locale | string): string {
  return `${formatCityTime(at, locale, "minute")} (${utcOffsetLabel()})`;
}

/**
 * The value of an <input type="datetime-local"> in the city's local time (not the browser's),
 * and back: the console's times are the city's wherever the admin sits.
 */
export function toCityInput(d: Date | string, utcOffsetMinutes: number): string {
  return new Date(new Date(d).getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 16);
}

/** The instant an input value ("2026-12-06T08:00") names in the city's local time; null when empty or not a time. */
export function fromCityInput(v: string, utcOffsetMinutes: number): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return null;
  const ms = Date.parse(`${v}Z`);
  return Number.isNaN(ms) ? null : new Date(ms - utcOffsetMinutes * 60_000);
}

/** An ISO instant for a date-time input's value read in the city's time; null when empty or not a time. */
export const cityInputIso = (v: string): string | null => fromCityInput(v, CITY_UTC_OFFSET_MINUTES)?.toISOString() ?? null;
