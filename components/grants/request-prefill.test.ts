import { describe, expect, it } from "vitest";
import { parseRequestPrefill } from "./request-prefill";

const IDS = ["energy.load", "safety.incidents", "safety.cameras"];
const q = (s: string) => new URLSearchParams(s);

describe("parseRequestPrefill", () => {
  it("takes dataset, scope and purpose from the map's link", () => {
    expect(parseRequestPrefill(q("request=safety.incidents&scope=anonymized&purpose=Duty+map%3A+safety"), IDS)).toEqual({
      datasetId: "safety.incidents",
      scope: "anonymized",
      purpose: "Duty map: safety",
    });
  });
  it("ignores an unknown dataset (nothing to prefill) and an unknown scope (the form's default stays)", () => {
    expect(parseRequestPrefill(q("request=secret.stuff&scope=raw"), IDS)).toBeNull();
    expect(parseRequestPrefill(q(""), IDS)).toBeNull();
    expect(parseRequestPrefill(q("request=energy.load&scope=everything"), IDS)).toEqual({ datasetId: "energy.load", scope: null, purpose: "" });
  });
  it("cuts a long purpose to 500 characters", () => {
    expect(parseRequestPrefill(q(`request=energy.load&purpose=${"x".repeat(900)}`), IDS)?.purpose).toHaveLength(500);
  });
});
