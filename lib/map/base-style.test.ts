import { describe, expect, it } from "vitest";
import { validateStyleMin } from "@maplibre/maplibre-gl-style-spec";
import path from "node:path";
import { generateCity } from "../city/generate-city";
import { importOsmFile } from "../city/osm-import";
import type { CityModel } from "../city/types";
import { buildBaseStyle, labelPoints } from "./base-style";
import { gradeHueRanges, hsv, looksLikeGrade } from "@/components/map/traffic-colors";

const city = generateCity({ size: 0.4, seed: "style" });
// An imported city with land use and power lines (the synthetic extract of the OSM import's tests).
const imported: CityModel = (await importOsmFile(path.join(import.meta.dirname, "../city/osm-import/fixtures/haiyang-bay.osm"))).model;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe("buildBaseStyle", () => {
  for (const theme of ["light", "dark"] as const) {
    for (const pois of [false, true]) {
      it(`is a self-contained, valid style (${theme}${pois ? ", with POIs" : ""})`, () => {
        const style = buildBaseStyle(city, { theme, pois });
        expect(style.version).toBe(8);
        expect(style).not.toHaveProperty("glyphs");
        expect(style).not.toHaveProperty("sprite");
        expect(strings(style).filter((s) => /^(https?|mapbox|maptiler|pmtiles):\/\//i.test(s) || /\/\/[a-z0-9.-]+\.[a-z]{2,}/i.test(s))).toEqual([]);
        for (const src of Object.values(style.sources)) {
          expect(src.type).toBe("geojson");
          expect(typeof (src as { data: unknown }).data).toBe("object");
        }
        const ids = style.layers.map((l) => l.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const layer of style.layers) {
          if (layer.type === "background") continue;
          expect(Object.keys(style.sources)).toContain((layer as { source: string }).source);
          expect(layer.type).not.toBe("symbol");
        }
        expect(validateStyleMin(style)).toEqual([]);
      });
    }
  }

  it("draws every road class, the sea, rivers and districts", () => {
    const ids = buildBaseStyle(city, { theme: "light" }).layers.map((l) => l.id);
    for (const id of ["sea-fill", "rivers-fill", "districts-fill", "districts-outline", "roads-expressway-fill", "roads-arterial-fill", "roads-collector-fill", "roads-local-fill"]) {
      expect(ids).toContain(id);
    }
    expect(ids.indexOf("sea-fill")).toBeLessThan(ids.indexOf("roads-local-casing"));
  });

  it("draws an imported city's land use under its parks and its power lines over its roads; a generated city has neither", () => {
    expect(imported.landUse?.length).toBeGreaterThan(0);
    expect(imported.energy.powerLines?.length).toBeGreaterThan(0);
    const style = buildBaseStyle(imported, { theme: "light" });
    expect(validateStyleMin(style)).toEqual([]);
    const ids = style.layers.map((l) => l.id);
    expect(ids.indexOf("landuse-fill")).toBeGreaterThan(ids.indexOf("districts-fill"));
    expect(ids.indexOf("landuse-fill")).toBeLessThan(ids.indexOf("parks-fill"));
    expect(ids.indexOf("power-lines")).toBeGreaterThan(ids.indexOf("roads-expressway-fill"));
    const data = (id: string) => (style.sources[id] as { data: { features: { properties: Record<string, unknown> }[] } }).data.features;
    expect(data("city-landuse").map((f) => f.properties.kind).sort()).toEqual(imported.landUse!.map((a) => a.kind).sort());
    expect(data("city-power-lines").length).toBe(imported.energy.powerLines!.length);
    const generated = buildBaseStyle(city, { theme: "light" });
    expect(Object.keys(generated.sources)).not.toContain("city-landuse");
    expect(generated.layers.map((l) => l.id)).not.toContain("power-lines");
  });

  for (const theme of ["light", "dark"] as const) {
    it(`has no colour in the traffic grades' hues, and greys for roads (${theme})`, () => {
      const style = buildBaseStyle(imported, { theme, pois: true });
      for (const kind of ["landuse-fill", "power-lines"]) expect(style.layers.map((l) => l.id)).toContain(kind);
      const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
      const land = hex((style.layers.find((l) => l.id === "background")!.paint as Record<string, string>)["background-color"]);
      const found: { layer: string; colour: string; drawn: number[] }[] = [];
      for (const layer of style.layers) {
        const paint = (layer.paint ?? {}) as Record<string, unknown>;
        const opacity = typeof paint["fill-opacity"] === "number" ? (paint["fill-opacity"] as number) : 1;
        for (const [prop, value] of Object.entries(paint)) {
          if (!prop.endsWith("color")) continue;
          for (const c of strings(value).filter((x) => /^#[0-9a-f]{6}$/i.test(x))) {
            // A translucent fill is seen over the land.
            const a = prop === "fill-color" ? opacity : 1;
            const drawn = hex(c).map((v, i) => Math.round(a * v + (1 - a) * land[i]));
            found.push({ layer: layer.id, colour: c, drawn });
          }
        }
      }
      expect(found.length).toBeGreaterThan(20);
      expect(gradeHueRanges().length).toBe(5);
      expect(found.filter((f) => looksLikeGrade(f.drawn))).toEqual([]);
      // Roads: neutral greys (saturation under 5 %), every class.
      const roads = found.filter((f) => f.layer.startsWith("roads-"));
      expect(new Set(roads.map((f) => f.layer.split("-")[1]))).toEqual(new Set(["expressway", "arterial", "collector", "local", "bridge"]));
      expect(roads.filter((f) => hsv(f.drawn).s > 0.05)).toEqual([]);
    });
  }

  it("is the same for the same city", () => {
    expect(JSON.stringify(buildBaseStyle(city, { theme: "dark" }))).toBe(JSON.stringify(buildBaseStyle(city, { theme: "dark" })));
  });
});

describe("labelPoints", () => {
  const labels = labelPoints(city);

  it("names every district and the major roads in both languages", () => {
    const districts = labels.filter((l) => l.kind === "district");
    expect(districts.map((l) => l.nameZh).sort()).toEqual(city.districts.map((d) => d.nameZh).sort());
    expect(districts.every((l) => l.rank === 0)).toBe(true);
    const roads = labels.filter((l) => l.kind === "road" && l.rank === 1);
    expect(roads.length).toBeGreaterThan(10);
    for (const l of labels) {
      expect(l.nameZh.length).toBeGreaterThan(0);
      expect(l.nameEn.length).toBeGreaterThan(0);
      expect(Math.abs(l.angle)).toBeLessThanOrEqual(90);
    }
    expect(new Set(labels.map((l) => l.id)).size).toBe(labels.length);
  });

  it("places road labels on their roads", () => {
    const [minLon, minLat, maxLon, maxLat] = city.bbox;
    for (const l of labels.filter((x) => x.kind === "road" || x.kind === "district")) {
      expect(l.position[0]).toBeGreaterThanOrEqual(minLon);
      expect(l.position[0]).toBeLessThanOrEqual(maxLon);
      expect(l.position[1]).toBeGreaterThanOrEqual(minLat);
      expect(l.position[1]).toBeLessThanOrEqual(maxLat);
    }
    expect(labels.some((l) => l.kind === "water" && l.nameEn === city.waters.seaNameEn)).toBe(true);
  });
});
