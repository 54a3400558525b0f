import crypto from "node:crypto";
import { getCity } from "../city/current-city";
import { AppError } from "../errors";
import { cityKey } from "./rollup";
import { buildBaseStyle, LARGE_BASE_SOURCES, largeSourceGeoJSON, type LargeBaseSource } from "./base-style";

const cache = new Map<string, string>();

/** A key of the running city model, in the large sources' URLs so a browser's copy of another city's is not used. */
function cityVersion(): string {
  return crypto.hash("sha256", cityKey(getCity()), "hex").slice(0, 12);
}

/**
 * The MapLibre base style (JSON text) for the process's city, built once per theme. Its roads
 * (and POIs) are URLs of getCityStyleSource: MapLibre's worker fetches and parses them, so
 * the page's thread neither parses nor copies megabytes of GeoJSON before the first frame.
 */
export async function getCityStyle(theme: "light" | "dark"): Promise<string> {
  let s = cache.get(theme);
  if (!s) {
    const v = cityVersion();
    s = JSON.stringify(buildBaseStyle(getCity(), { theme, sourceUrl: (source) => `/api/city/style/sources/${source}?v=${v}` }));
    cache.set(theme, s);
  }
  return s;
}

/** A large source of the base style (GeoJSON text), built once. 404 naming the sources for any other name. */
export async function getCityStyleSource(name: string): Promise<string> {
  if (!(LARGE_BASE_SOURCES as readonly string[]).includes(name)) {
    const msg = `style source ${name} not found: the base style's sources served by URL are ${LARGE_BASE_SOURCES.join(", ")}`;
    throw new AppError("not_found", msg, msg);
  }
  const key = `source:${name}`;
  let s = cache.get(key);
  if (!s) {
    s = JSON.stringify(largeSourceGeoJSON(getCity(), name as LargeBaseSource));
    cache.set(key, s);
  }
  return s;
}
