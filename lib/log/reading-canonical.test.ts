import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson } from "../ledger/canonical-json";
import { canonicalEnvelope, canonicalReadingEntry } from "./reading-canonical";

const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.string(), fc.string({ unit: "grapheme" }), fc.boolean());
const envelope = fc.record({
  device: fc.string({ unit: "grapheme", minLength: 1 }),
  dataset: fc.string({ minLength: 1 }),
  seq: fc.nat(),
  observedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  location: fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
  values: fc.dictionary(fc.string({ unit: "grapheme" }), value),
});

describe("specialised canonical JSON of readings", () => {
  it("equals the generic RFC 8785 canonicalisation for any envelope", () => {
    fc.assert(
      fc.property(envelope, (e) => {
        expect(canonicalEnvelope(e)).toBe(canonicalJson(e));
      }),
      { numRuns: 2000 },
    );
  });

  it("handles the numeric edge cases of RFC 8785 like the generic path", () => {
    for (const n of [0, -0, 1e21, 1e-7, 123456789012345680000, 5e-324, -1.7976931348623157e308, 0.1 + 0.2]) {
      const e = { device: "d", dataset: "x", seq: 1, observedAt: "2026-01-01T00:00:00.000Z", location: [n, 0] as [number, number], values: { v: n } };
      expect(canonicalEnvelope(e)).toBe(canonicalJson(e));
    }
  });

  it("refuses what the generic path refuses (lone surrogates, non-finite numbers)", () => {
    const e = { device: "d\uD800", dataset: "x", seq: 1, observedAt: "t", location: [0, 0] as [number, number], values: {} };
    expect(() => canonicalEnvelope(e)).toThrow();
    expect(() => canonicalEnvelope({ ...e, device: "d", values: { v: Infinity } })).toThrow();
  });

  it("equals the generic canonicalisation for reading.v1 entries, with and without a gateway", () => {
    fc.assert(
      fc.property(
        fc.record({ dataset: fc.string(), device: fc.string({ unit: "grapheme" }), seq: fc.nat(), observedAt: fc.string(), payloadHash: fc.string({ unit: fc.constantFrom(..."0123456789abcdef") }), signature: fc.base64String() }),
        fc.option(fc.record({ device: fc.string(), batchRoot: fc.string({ unit: fc.constantFrom(..."0123456789abcdef") }), signature: fc.base64String() }), { nil: undefined }),
        (base, gateway) => {
          const entry = { kind: "reading.v1" as const, ...base, ...(gateway ? { gateway } : {}) };
          expect(canonicalReadingEntry(entry)).toBe(canonicalJson(entry));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
