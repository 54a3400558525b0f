import { getCity } from "../city/current-city";
import { buildBaseStyle } from "./base-style";
import { processShared } from "../process-shared";

const cache = processShared("city-style", () => new Map<string, string>());

/** The MapLibre base style (JSON text) for the process's city, built once per theme. */
export async function getCityStyle(theme: "light" | "dark"): Promise<string> {
  let s = cache.get(theme);
  if (!s) {
    s = JSON.stringify(buildBaseStyle(getCity(), { theme }));
    cache.set(theme, s);
  }
  return s;
}
