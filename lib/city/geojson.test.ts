import { describe, expect, it } from "vitest";
import { cityBounds } from "./bounds";
import { generateCity } from "./generate-city";
import { cityToGeoJSON } from "./geojson";
import type { CityLayer } from "./types";

const city = generateCity({ size: 0.3, seed: "geojson" });

describe("cityToGeoJSON", () => {
  it("exports each layer as a FeatureCollection of the right geometries", () => {
    const expected: Record<CityLayer, string[]> = {
      districts: ["Polygon"], water: ["Polygon", "LineString"], roads: ["LineString"], pois: ["Point"],
      parks: ["Polygon"], devices: ["Point"], feeders: ["LineString"],
    };
    for (const [layer, types] of Object.entries(expected) as [CityLayer, string[]][]) {
      const fc = cityToGeoJSON(city, layer);
      expect(fc.type).toBe("FeatureCollection");
      expect(fc.features.length).toBeGreaterThan(0);
      for (const f of fc.features) expect(types).toContain(f.geometry.type);
    }
    expect(cityToGeoJSON(city, "roads").features.length).toBe(city.network.segments.length);
    expect(cityToGeoJSON(city, "devices").features.length).toBe(city.devices.length);
    const kinds = new Set(cityToGeoJSON(city, "water").features.map((f) => f.properties.kind));
    expect([...kinds].sort()).toEqual(["coastline", "island", "river", "river-line", "sea"]);
  });

  it("counts every point feature in pois and devices", () => {
    const points = cityToGeoJSON(city, "pois").features.length + cityToGeoJSON(city, "devices").features.length;
    expect(points).toBe(city.stats.pointFeatures);
  });
});

describe("cityBounds", () => {
  it("encloses every road and matches the model's bbox", () => {
    const [minLon, minLat, maxLon, maxLat] = cityBounds(city);
    expect(cityBounds(city)).toEqual(city.bbox);
    for (const s of city.network.segments) {
      for (const [lon, lat] of s.geometry) {
        expect(lon).toBeGreaterThanOrEqual(minLon - 1e-6);
        expect(lon).toBeLessThanOrEqual(maxLon + 1e-6);
        expect(lat).toBeGreaterThanOrEqual(minLat - 1e-3);
        expect(lat).toBeLessThanOrEqual(maxLat + 1e-6);
      }
    }
  });
});
