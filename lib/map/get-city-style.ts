import { getCity } from "../city/current-city";
import { buildBaseStyle, roadsGeoJSON } from "./base-style";

/** Path of the roads' GeoJSON the style points to (GET /api/city/roads). */
export const CITY_ROADS_PATH = "/api/city/roads";

const cache = new Map<string, string>();

/**
 * The MapLibre base style (JSON text) for the process's city, built once per theme. The roads
 * are not inline but at CITY_ROADS_PATH: the style is then about a tenth of the size, so the
 * map (and deck.gl's programs) is created while the layers' data and the roads still load, and
 * MapLibre parses the roads in its worker instead of the page's main thread.
 */
export async function getCityStyle(theme: "light" | "dark"): Promise<string> {
  let s = cache.get(theme);
  if (!s) {
    s = JSON.stringify(buildBaseStyle(getCity(), { theme, roadsUrl: CITY_ROADS_PATH }));
    cache.set(theme, s);
  }
  return s;
}

let roads: string | undefined;

/** The roads of the base style as GeoJSON text (class, bridge and geometry of each segment), built once. */
export async function getCityRoads(): Promise<string> {
  roads ??= JSON.stringify(roadsGeoJSON(getCity()));
  return roads;
}
