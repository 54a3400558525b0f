/**
 * Telling an imported city (npm run city:import) from a generated one, for crediting its data.
 * Pure: used by the map in the browser.
 */

/** Seeds of imported cities start with this; generated cities never use it. */
export const IMPORTED_SEED_PREFIX = "osm:";

/** True when the city was imported from OpenStreetMap (its data must be credited: © OpenStreetMap contributors, ODbL). */
export function isImportedCity(city: { seed: string }): boolean {
  return city.seed.startsWith(IMPORTED_SEED_PREFIX);
}
