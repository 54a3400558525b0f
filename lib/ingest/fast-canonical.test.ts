import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { encodeEntry } from "../ledger/entries";
import { fastEnvelopeBytes, fastReadingEntryBytes } from "./fast-canonical";
import { readingEntry, type AcceptedReading } from "./store-readings";
import type { Envelope } from "./envelope";
import { hasControlChars } from "./values-schema";

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const anyText = fc.string({ unit: "binary", maxLength: 12 }); // includes lone surrogates
const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 5e-324, 1e21, 1e-7, 2 ** 53));
const envelope = fc.record({
  device: text,
  dataset: text,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  observedAt: fc.date({ min: new Date(0), max: new Date(253402300799000), noInvalidDate: true }).map((d) => d.toISOString()),
  location: fc.tuple(num, num),
  values: fc.dictionary(fc.oneof(text, anyText), fc.oneof(num, text, anyText, fc.boolean()), { maxKeys: 6 }),
});

describe("fast canonical JSON", () => {
  it("gives the same bytes as the general RFC 8785 implementation, or refuses the same inputs", () => {
    fc.assert(
      fc.property(envelope, (e) => {
        const env = e as Envelope;
        let want: Uint8Array | Error;
        try {
          want = canonicalJsonBytes({ device: env.device, dataset: env.dataset, seq: env.seq, observedAt: env.observedAt, location: env.location, values: env.values });
        } catch (err) {
          want = err as Error;
        }
        if (want instanceof Error) expect(() => fastEnvelopeBytes(env)).toThrow();
        else expect(fastEnvelopeBytes(env)).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  it("writes reading.v1 entries exactly as encodeEntry does", () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const sig = fc.uint8Array({ minLength: 64, maxLength: 64 });
    const id = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => !hasControlChars(s));
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), hash, sig, fc.option(fc.record({ device: id, batchRoot: hash, signature: sig })), (device, dataset, seq, payloadHash, signature, gateway) => {
        const r: AcceptedReading = { device, dataset, seq, observedAt: "2026-05-01T08:00:00.000Z", location: [0, 0], values: {}, payloadHash, signature, gateway };
        expect(fastReadingEntryBytes(r)).toEqual(encodeEntry(readingEntry(r)));
      }),
      { numRuns: 2000 },
    );
  });
});
