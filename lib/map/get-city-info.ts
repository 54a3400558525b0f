import { getCity } from "../runtime/city";

/** Name, centre, bounds and counts of the city, for the map's initial view. */
export async function getCityInfo() {
  const city = getCity();
  const [minLon, minLat, maxLon, maxLat] = city.bbox;
  return {
    nameZh: city.nameZh,
    nameEn: city.nameEn,
    seed: city.seed,
    center: [(minLon + maxLon) / 2, (minLat + maxLat) / 2] as [number, number],
    zoom: 11,
    bounds: city.bbox,
    counts: { ...city.stats },
  };
}
