import { generateCity } from "../city";
import type { CityModel } from "../city/types";
import { loadConfig } from "../config";

const KEY = Symbol.for("city-brain.city");

/** The process's city model, generated once from CITY_SEED and CITY_SIZE (deterministic). */
export function getCity(): CityModel {
  const g = globalThis as { [KEY]?: CityModel };
  let city = g[KEY];
  if (!city) {
    const config = loadConfig();
    city = g[KEY] = generateCity({ seed: config.CITY_SEED, size: config.CITY_SIZE });
  }
  return city;
}
