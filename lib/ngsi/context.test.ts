import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CITY_NS, contextDocument, SDM_TERMS } from "./context";

const sdmContext = (model: string) =>
  (JSON.parse(fs.readFileSync(path.join("lib/ngsi/smart-data-models", `${model}.context.jsonld`), "utf8")) as { "@context": Record<string, string> })["@context"];

describe("the console's @context", () => {
  it("maps every Smart Data Models term to the IRI the model's own context gives it", () => {
    const wrong = Object.entries(SDM_TERMS).filter(([term, t]) => sdmContext(t.model)[term] !== t.iri).map(([term]) => term);
    expect(wrong).toEqual([]);
  });
  it("defines every attribute the entities use, and nothing twice", () => {
    const ctx = contextDocument()["@context"];
    for (const term of ["id", "type", "Property", "Relationship", "GeoProperty", "value", "object", "observedAt", "unitCode", "location", "averageVehicleSpeed", "scope"]) expect(ctx[term], term).toBeDefined();
    expect(ctx.scope).toBe(`${CITY_NS}scope`);
  });
});
