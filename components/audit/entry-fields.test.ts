import { describe, expect, it } from "vitest";
import { entryFields, entryHeadline } from "./entry-fields";

describe("a ledger entry's fields for people", () => {
  it("puts what and who first, keeps every field, and writes lists and objects readably", () => {
    const grant = { kind: "grant.v2", validUntil: "2026-12-06T00:00:00Z", scope: "aggregated", to: "emergency", from: "traffic", action: "approve", grant: "grt_1", dataset: "traffic.flow", fields: ["speedKmh", "flowVph"], area: { lon: 121.4, lat: 37.5, radiusM: 500 } };
    const f = entryFields(grant);
    expect(f.map((x) => x.key)).toEqual(["action", "grant", "from", "to", "dataset", "scope", "fields", "validUntil", "area"]);
    expect(f.find((x) => x.key === "fields")!.value).toBe("speedKmh, flowVph");
    expect(f.find((x) => x.key === "area")!.value).toBe('{"lon":121.4,"lat":37.5,"radiusM":500}');
    expect(entryHeadline(grant).map((x) => x.key)).toEqual(["action", "grant", "from", "to", "dataset"]);
  });

  it("shows a reading's device and dataset, and a commitment only as its commitment", () => {
    expect(entryHeadline({ kind: "reading.v1", dataset: "traffic.flow", device: "trf-000001", seq: 4, observedAt: "x", payloadHash: "ab", signature: "cd" }).map((x) => x.key)).toEqual(["device", "dataset"]);
    expect(entryFields({ kind: "commitment.v1", commitment: "ff" })).toEqual([{ key: "commitment", value: "ff" }]);
  });
});
