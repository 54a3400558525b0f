import { getCity } from "../runtime/city";

/** Name, centre, bounds, districts (with their bounds, for the wall's tour) and counts of the city. */
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
    districts: city.districts.map((d) => {
      const ring = d.polygon[0];
      const lons = ring.map((p) => p[0]), lats = ring.map((p) => p[1]);
      return {
        id: d.id,
        nameZh: d.nameZh,
        nameEn: d.nameEn,
        bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)] as [number, number, number, number],
      };
    }),
    counts: { ...city.stats },
  };
}
