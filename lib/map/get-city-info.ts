import type { BBox, CityModel } from "../city/types";
import { getCity } from "../city/current-city";

export type CityRoad = { id: string; nameZh: string; nameEn: string; class: string; bbox: BBox };

const roadCache = new WeakMap<CityModel, CityRoad[]>();

/** The city's named roads with their bounds, for search by name (the public city model, no readings). */
export function namedRoads(city: CityModel): CityRoad[] {
  const cached = roadCache.get(city);
  if (cached) return cached;
  const boxes = new Map<string, BBox>();
  for (const s of city.network.segments) {
    let b = boxes.get(s.roadId);
    if (!b) boxes.set(s.roadId, (b = [Infinity, Infinity, -Infinity, -Infinity]));
    for (const [lon, lat] of s.geometry) {
      if (lon < b[0]) b[0] = lon;
      if (lat < b[1]) b[1] = lat;
      if (lon > b[2]) b[2] = lon;
      if (lat > b[3]) b[3] = lat;
    }
  }
  const r5 = (v: number) => Math.round(v * 1e5) / 1e5;
  const roads = city.network.roads
    .filter((r) => r.nameZh && r.nameEn && boxes.has(r.id))
    .map((r) => ({ id: r.id, nameZh: r.nameZh!, nameEn: r.nameEn!, class: r.class, bbox: boxes.get(r.id)!.map(r5) as BBox }));
  roadCache.set(city, roads);
  return roads;
}

/** Name, centre, bounds, districts (with their bounds, for the wall's tour and search), named roads and counts of the city. */
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
    timezone: city.timezone,
    utcOffsetMinutes: city.utcOffsetMinutes,
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
    roads: namedRoads(city),
    counts: { ...city.stats },
  };
}
