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
