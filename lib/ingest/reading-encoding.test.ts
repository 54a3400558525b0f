import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeEntry, type ReadingEntry } from "../ledger/entries";
import {
  envelopeBytes,
  envelopeJson,
  fastEnvelopeJson,
  fastReadingEntryJson,
  readingEntryBytes,
  readingEntryJson,
  readingEntryOf,
  referenceEnvelopeJson,
  referenceReadingEntryJson,
  type Envelope,
  type ReadingEntryFields,
} from "./reading-encoding";
import { hasControlChars } from "./values-schema";

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const anyText = fc.string({ unit: "binary", maxLength: 12 }); // includes lone surrogates
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 5e-324, 1e21, 1e-7, 2 ** 53, 123456789012345680000, 0.1 + 0.2));
const anyNum = fc.oneof(num, fc.constantFrom(Number.NaN, Infinity, -Infinity));
const envelope: fc.Arbitrary<Envelope> = fc.record({
  device: fc.oneof(text, anyText),
  dataset: text,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  observedAt: fc.date({ min: new Date(0), max: new Date(253402300799000), noInvalidDate: true }).map((d) => d.toISOString()),
  location: fc.tuple(num, num),
  values: fc.dictionary(fc.oneof(text, anyText), fc.oneof(anyNum, text, anyText, fc.boolean()), { maxKeys: 6 }),
});
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
/** The reference's answer: its text, or the error it refuses with. */
const outcome = (f: () => string): string | Error => {
  try {
    return f();
  } catch (e) {
    return e as Error;
  }
};

describe("the reading encoder: its fast path against the reference (the general RFC 8785 implementation)", () => {
  it("writes an envelope's bytes exactly as the reference does, or refuses what it refuses", () => {
    let fast = 0;
    fc.assert(
      fc.property(envelope, (e) => {
        const want = outcome(() => referenceEnvelopeJson(e));
        const got = fastEnvelopeJson(e);
        if (got !== null) {
          fast++;
          expect(got).toBe(want);
        }
        if (want instanceof Error) {
          expect(() => envelopeJson(e)).toThrow();
          expect(() => envelopeBytes(e)).toThrow();
        } else {
          expect(envelopeJson(e)).toBe(want);
          expect(envelopeBytes(e)).toEqual(utf8(want));
        }
      }),
      { numRuns: 1500 },
    );
    // The fast path is taken for most envelopes (about 70 % of these), not declined into the reference.
    expect(fast).toBeGreaterThan(500);
  });

  it("takes the fast path for plain envelopes and leaves nothing out of them", () => {
    const e: Envelope = { device: "trf-000001", dataset: "traffic.flow", seq: 7, observedAt: "2026-05-01T08:00:00.000Z", location: [121.4, 37.45], values: { speedKmh: 31.5, ok: true, note: "烟台 ✓" } };
    expect(fastEnvelopeJson(e)).toBe('{"dataset":"traffic.flow","device":"trf-000001","location":[121.4,37.45],"observedAt":"2026-05-01T08:00:00.000Z","seq":7,"values":{"note":"烟台 ✓","ok":true,"speedKmh":31.5}}');
    // Members an envelope may carry besides the six signed ones are not signed.
    expect(envelopeJson({ ...e, signature: "x" } as Envelope)).toBe(fastEnvelopeJson(e));
    expect(() => envelopeJson({ ...e, device: "d\uD800" })).toThrow();
    expect(() => envelopeJson({ ...e, values: { v: Infinity } })).toThrow();
  });

  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const sig = fc.uint8Array({ minLength: 64, maxLength: 64 });
  const id = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => !hasControlChars(s));
  const stored: fc.Arbitrary<ReadingEntryFields> = fc.record({
    device: fc.oneof(id, anyText),
    dataset: id,
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    observedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    payloadHash: hash,
    signature: sig,
    gateway: fc.option(fc.record({ device: fc.oneof(id, anyText), batchRoot: hash, signature: sig })),
  });

  it("writes a stored reading's reading.v1 entry exactly as the reference (and encodeEntry) does", () => {
    fc.assert(
      fc.property(stored, (r) => {
        const entry = readingEntryOf(r);
        const want = outcome(() => referenceReadingEntryJson(entry));
        if (want instanceof Error) {
          expect(() => readingEntryBytes(r)).toThrow();
          return;
        }
        expect(readingEntryBytes(r)).toEqual(utf8(want));
        expect(readingEntryJson(entry)).toBe(want);
        const fast = fastReadingEntryJson(entry);
        if (fast !== null) expect(fast).toBe(want);
        if (!hasControlChars(r.device) && !hasControlChars(r.gateway?.device ?? "") && r.device.length > 0) {
          let encoded: Uint8Array | null = null;
          try {
            encoded = encodeEntry(entry);
          } catch {
            encoded = null; // a value the entry schema refuses
          }
          if (encoded) expect(readingEntryBytes(r)).toEqual(encoded);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("declines an entry of another shape into the reference", () => {
    const entry: ReadingEntry = readingEntryOf({ device: "d", dataset: "x", seq: 1, observedAt: "2026-01-01T00:00:00.000Z", payloadHash: new Uint8Array(32), signature: new Uint8Array(64) });
    expect(fastReadingEntryJson(entry)).toBe(referenceReadingEntryJson(entry));
    const extra = { ...entry, note: "x" } as unknown as ReadingEntry;
    expect(fastReadingEntryJson(extra)).toBeNull();
    expect(readingEntryJson(extra)).toBe(referenceReadingEntryJson(extra));
  });
});
