import { describe, expect, it } from "vitest";
import { en, zh, type MessageKey } from "@/lib/i18n/messages";
import { CAMERA_ALERTS, DATASETS, INCIDENT_STATUSES, INCIDENT_TYPES } from "@/lib/city/datasets";
import { fieldName, unitText, valueText } from "./feature-text";
import { basisText } from "./access-text";

const t = (m: Record<string, string>) => (k: MessageKey) => m[k];
const MAP_DATASETS = ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras"];
/** Values of the map's coded facts and fields, by the key they are shown under. */
const CODES: Record<string, readonly string[]> = {
  roadClass: ["expressway", "arterial", "collector", "local"],
  profile: ["residential", "commercial", "industrial"],
  source: ["solar", "wind"],
  stationKind: ["police-bureau", "police-station", "fire-station"],
  type: INCIDENT_TYPES,
  status: INCIDENT_STATUSES,
  alert: CAMERA_ALERTS,
};
/** Units the feature panel shows (the schema's and the city model's facts'). */
const UNITS = ["km/h", "veh/h", "veh/min", "1/min", "m", "m/s", "W/m2", "MW", "kV"];

describe("the feature panel's words", () => {
  it("names every field of the map's datasets in both languages, never by its key or the schema's description", () => {
    for (const id of MAP_DATASETS) {
      const ds = DATASETS.find((d) => d.id === id)!;
      for (const [key, spec] of Object.entries(ds.schema.fields)) {
        if (key === "meter") continue; // never shown
        for (const m of [en, zh]) expect(fieldName(key, t(m)), `${id}.${key}`).not.toBe(key);
        // Descriptions with a constraint in brackets ("平均车速（不超过自由流速度）") are no labels.
        expect(fieldName(key, t(zh))).not.toContain("（");
        expect(fieldName(key, t(en))).not.toBe(spec.descriptionEn.includes("(") ? spec.descriptionEn : "");
        expect(fieldName(key, t(zh)), `${id}.${key}`).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it("gives every coded value a Chinese word and keeps unknown values as they are", () => {
    for (const [key, values] of Object.entries(CODES)) {
      for (const v of values) {
        expect(valueText(key, v, t(zh)), `${key}=${v}`).toMatch(/^[^A-Za-z]+$/);
        expect(valueText(key, v, t(en)), `${key}=${v}`).toMatch(/^[a-z -]+$/);
      }
    }
    expect(valueText("segment", "seg-00012", t(zh))).toBe("seg-00012");
  });

  it("writes units in the UI language: 辆/时 for veh/h, none for a ratio", () => {
    for (const u of UNITS) expect(unitText(u, t(zh)), u).toBeTruthy();
    expect(unitText("veh/h", t(zh))).toBe("辆/时");
    expect(unitText("veh/h", t(en))).toBe("veh/h");
    expect(unitText("m", t(zh))).toBe("米");
    expect(unitText("1", t(zh))).toBe("");
    expect(unitText(undefined, t(zh))).toBe("");
  });

  it("names a grant's fields in the layer panel's note, not by their keys", () => {
    const note = { datasetId: "safety.cameras", allowed: true, basis: "grant", level: "raw", fields: ["online", "alert"], withheld: ["vehiclesPerMin", "pedestriansPerMin"], grantId: "g-1" } as never;
    expect(basisText(note, t(en), "en")).toContain("fields online, video alert only; withheld: vehicles per minute, pedestrians per minute");
    const z = basisText(note, t(zh), "zh-CN")!;
    expect(z).toContain("仅限字段 在线、视频告警；未授权：每分钟车辆数、每分钟行人数");
    expect(z).not.toMatch(/online|alert|vehiclesPerMin/);
  });
});
