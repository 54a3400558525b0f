/**
 * Bounds of a city for fitting a map view.
 */
import { bboxOf } from "./geo";
import type { BBox, CityModel } from "./types";

/**
 * The bounding box [minLon, minLat, maxLon, maxLat] of the city's land (its districts).
 * Offshore wind farms and islands lie outside it on purpose: the view fits the city.
 */
export function cityBounds(city: CityModel): BBox {
  return bboxOf(city.districts.flatMap((d) => d.polygon[0]));
}
