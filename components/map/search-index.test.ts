import { describe, expect, it } from "vitest";
import type { SafetyFeatures, TrafficFeatures } from "@/lib/api/map-specs";
import { buildSearchItems, searchItems } from "./search-index";

const KINDS = { "traffic-sensor": "Traffic sensor", station: "Station", camera: "Camera", "incident.fire": "fire" };
const sources = {
  districts: [
    { id: "zhifu", nameZh: "芝罘区", nameEn: "Zhifu District", bbox: [121.3, 37.5, 121.4, 37.6] as [number, number, number, number] },
    { id: "fushan", nameZh: "福山区", nameEn: "Fushan District", bbox: [121.1, 37.4, 121.3, 37.5] as [number, number, number, number] },
  ],
  roads: [
    { id: "road-1", nameZh: "福山路", nameEn: "Fushan Road", class: "arterial", bbox: [121.2, 37.45, 121.25, 37.5] as [number, number, number, number] },
    { id: "road-2", nameZh: "滨海高速", nameEn: "Binhai Expressway", class: "expressway", bbox: [121.3, 37.5, 121.5, 37.55] as [number, number, number, number] },
  ],
  traffic: { sensors: { ids: ["trf-000123", "trf-000124"], startIndices: [0, 2, 4], path: [1, 1, 3, 3, 5, 5, 7, 7], segmentIds: ["seg-1", "seg-2"], roadIds: ["road-1", "road-2"], freeFlowKmh: [60, 80] } } as unknown as TrafficFeatures,
  safety: { stations: { ids: ["pol-001"], position: [121.3, 37.5], kind: ["police-station"] }, cameras: null } as unknown as SafetyFeatures,
  incidents: [
    { id: "inc-42", type: "fire", severity: 1, status: "reported", position: [121.35, 37.52] },
    { id: "inc-43", type: "fire", severity: 1, status: "resolved", position: [121.35, 37.52] },
  ] as never,
};

describe("map search", () => {
  const en = buildSearchItems(sources, "en", KINDS);
  const zh = buildSearchItems(sources, "zh-CN", KINDS);
  it("finds roads and districts by their Chinese or English name whatever the UI language, labelled in it", () => {
    expect(searchItems(en, "福山").map((r) => `${r.kind}:${r.label}`)).toEqual(["district:Fushan District", "road:Fushan Road"]);
    expect(searchItems(zh, "fushan road").map((r) => `${r.kind}:${r.label}:${r.sub}`)).toEqual(["road:福山路:Fushan Road"]);
    expect(searchItems(zh, "binhai")[0]).toMatchObject({ kind: "road", label: "滨海高速", bbox: [121.3, 37.5, 121.5, 37.55] });
  });
  it("ranks an exact match first, then prefixes, then words, then substrings", () => {
    expect(searchItems(en, "expressway").map((r) => r.id)).toEqual(["road-2"]);
    expect(searchItems(en, "trf-000123")[0]).toMatchObject({ kind: "device", id: "trf-000123", featureId: "trf-000123", position: [1, 1] });
    expect(searchItems(en, "trf-00012").map((r) => r.id)).toEqual(["trf-000123", "trf-000124"]);
    expect(searchItems(en, "district").map((r) => r.id)).toEqual(["zhifu", "fushan"]);
  });
  it("finds open incidents and stations by id (resolved incidents are not offered); an empty query finds nothing", () => {
    expect(searchItems(en, "inc-4").map((r) => r.id)).toEqual(["inc-42"]);
    expect(searchItems(en, "INC-42")[0]).toMatchObject({ kind: "incident", sub: "fire", position: [121.35, 37.52] });
    expect(searchItems(en, "pol-001")[0]).toMatchObject({ kind: "device", sub: "Station" });
    expect(searchItems(en, "   ")).toEqual([]);
    expect(searchItems(en, "nowhere")).toEqual([]);
  });
  it("finds a sensor by the segment it measures, and stops at the limit", () => {
    expect(searchItems(en, "seg-2")[0].id).toBe("trf-000124");
    expect(searchItems(en, "-", 3)).toHaveLength(3);
  });
});
