import { describe, expect, it } from "vitest";
import { batchesTopic, parseTopic, readingsTopic } from "./topics";

describe("intake topics", () => {
  it("round-trips readings and batch topics", () => {
    expect(parseTopic(readingsTopic("traffic", "traffic.flow"))).toEqual({ kind: "readings", department: "traffic", dataset: "traffic.flow" });
    expect(parseTopic(batchesTopic("energy"))).toEqual({ kind: "batches", department: "energy" });
  });
  it("rejects anything else", () => {
    for (const t of ["city/traffic/traffic.flow", "city//x/readings", "town/a/b/readings", "city/a/b/readings/x", "city/a/gateway/readings", "city/a/b/batches", ""]) {
      expect(parseTopic(t), t).toBeNull();
    }
  });
});
