/**
 * GeoJSON views of the city model for map sources and exports.
 */
import type { CityLayer, CityModel, GeoJsonFeature, GeoJsonFeatureCollection } from "./types";

type Props = GeoJsonFeature["properties"];

const point = (id: string, coordinates: [number, number], properties: Props): GeoJsonFeature => ({
  type: "Feature", id, geometry: { type: "Point", coordinates }, properties,
});

/**
 * One layer of the city as a GeoJSON FeatureCollection:
 * - districts: district polygons (nameZh, nameEn, areaKm2, colorIndex)
 * - water: the sea (with islands as holes), river surfaces, river centre lines, the coastline
 *   and islands; `kind` tells them apart
 * - roads: one LineString per segment (class, names, lanes, speeds, capacity, bridge)
 * - parks: park polygons
 * - pois: points of interest, police and fire stations, substations and renewable sites
 *   (`kind` and `category`)
 * - devices: every device (kind, departmentId, datasetId)
 * - feeders: feeder routes
 */
export function cityToGeoJSON(city: CityModel, layer: CityLayer): GeoJsonFeatureCollection {
  const features: GeoJsonFeature[] = [];
  switch (layer) {
    case "districts":
      city.districts.forEach((d, i) => features.push({
        type: "Feature", id: d.id, geometry: { type: "Polygon", coordinates: d.polygon },
        properties: { id: d.id, nameZh: d.nameZh, nameEn: d.nameEn, areaKm2: d.areaKm2, colorIndex: i },
      }));
      break;
    case "water": {
      const w = city.waters;
      features.push({ type: "Feature", id: "sea", geometry: { type: "Polygon", coordinates: w.sea }, properties: { kind: "sea", nameZh: w.seaNameZh, nameEn: w.seaNameEn } });
      for (const r of w.rivers) {
        features.push({ type: "Feature", id: r.id, geometry: { type: "Polygon", coordinates: r.polygon }, properties: { kind: "river", id: r.id, nameZh: r.nameZh, nameEn: r.nameEn, widthM: r.widthM } });
        features.push({ type: "Feature", id: `${r.id}-line`, geometry: { type: "LineString", coordinates: r.centerline }, properties: { kind: "river-line", id: r.id, nameZh: r.nameZh, nameEn: r.nameEn, widthM: r.widthM } });
      }
      features.push({ type: "Feature", id: "coastline", geometry: { type: "LineString", coordinates: w.coastline }, properties: { kind: "coastline" } });
      for (const isl of w.islands) {
        features.push({ type: "Feature", id: isl.id, geometry: { type: "Polygon", coordinates: isl.polygon }, properties: { kind: "island", id: isl.id, nameZh: isl.nameZh, nameEn: isl.nameEn } });
      }
      break;
    }
    case "roads":
      for (const s of city.network.segments) {
        features.push({
          type: "Feature", id: s.id, geometry: { type: "LineString", coordinates: s.geometry },
          properties: {
            id: s.id, roadId: s.roadId, class: s.class, nameZh: s.nameZh ?? null, nameEn: s.nameEn ?? null,
            lanes: s.lanes, freeFlowKmh: s.freeFlowKmh, capacityVehH: s.capacityVehH, lengthM: s.lengthM,
            bridge: s.bridge, districtId: s.districtId,
          },
        });
      }
      break;
    case "parks":
      for (const p of city.parks) {
        features.push({ type: "Feature", id: p.id, geometry: { type: "Polygon", coordinates: p.polygon }, properties: { id: p.id, nameZh: p.nameZh, nameEn: p.nameEn, districtId: p.districtId } });
      }
      break;
    case "pois":
      for (const p of city.pois) {
        features.push(point(p.id, p.location, { id: p.id, kind: "poi", category: p.category, nameZh: p.nameZh ?? null, nameEn: p.nameEn ?? null, districtId: p.districtId }));
      }
      for (const s of [...city.safety.policeStations, ...city.safety.fireStations]) {
        features.push(point(s.id, s.location, { id: s.id, kind: s.kind, category: s.kind, nameZh: s.nameZh, nameEn: s.nameEn, districtId: s.districtId }));
      }
      for (const s of city.energy.substations) {
        features.push(point(s.id, s.location, { id: s.id, kind: "substation", category: "substation", nameZh: s.nameZh, nameEn: s.nameEn, districtId: s.districtId }));
      }
      for (const r of city.energy.renewables) {
        features.push(point(r.id, r.location, { id: r.id, kind: "renewable", category: r.kind, nameZh: r.nameZh, nameEn: r.nameEn, districtId: null }));
      }
      break;
    case "devices":
      for (const d of city.devices) {
        features.push(point(d.id, d.location, { id: d.id, kind: d.kind, departmentId: d.departmentId, datasetId: d.datasetId, districtId: d.districtId }));
      }
      break;
    case "feeders":
      for (const f of city.energy.feeders) {
        features.push({ type: "Feature", id: f.id, geometry: { type: "LineString", coordinates: f.geometry }, properties: { id: f.id, substationId: f.substationId, capacityMw: f.capacityMw, profile: f.profile } });
      }
      break;
  }
  return { type: "FeatureCollection", features };
}
