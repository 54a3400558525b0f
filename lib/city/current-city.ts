import fs from "node:fs";
import path from "node:path";
import { generateCity } from ".";
import { CityFileError, parseCityModel } from "./city-file";
import type { CityModel } from "./types";
import { ConfigError, loadConfig } from "../config";

const KEY = Symbol.for("city-brain.city");

/** Reads the city model of CITY_FILE (written by `npm run city:import`); ConfigError with one clear line if it cannot be used. */
export function loadCityFile(file: string): CityModel {
  const full = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (e) {
    throw new ConfigError(`CITY_FILE ${full} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return parseCityModel(text);
  } catch (e) {
    if (e instanceof CityFileError) throw new ConfigError(`CITY_FILE ${full} is not a city model (${e.message}); make one with npm run city:import`);
    throw e;
  }
}

/**
 * The process's city model: the one in CITY_FILE (an imported city), else generated once from
 * CITY_SEED and CITY_SIZE (deterministic).
 */
export function getCity(): CityModel {
  const g = globalThis as { [KEY]?: CityModel };
  let city = g[KEY];
  if (!city) {
    const config = loadConfig();
    city = g[KEY] = config.CITY_FILE ? loadCityFile(config.CITY_FILE) : generateCity({ seed: config.CITY_SEED, size: config.CITY_SIZE });
  }
  return city;
}
