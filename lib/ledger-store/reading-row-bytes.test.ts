import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson } from "../ledger/canonical-json";
import { readingEntryOf, referenceEnvelopeJson, referenceReadingEntryJson, type Envelope, type ReadingEntryFields } from "../ingest/reading-encoding";
import { canonicalJsonbObject, isoFromMs, locateReadingRow, newReadingRowFields, writeEnvelope, writeReadingEntry, bytesNeeded } from "./reading-row-bytes";
import { copyBinary, jsonbText, readingRow } from "./testing/copy-rows";
import { hasControlChars } from "../ingest/values-schema";

// The audit's byte-level path of the reading encoder, against the reference encoder: a
// random reading, stored as its reading row in binary COPY, must give the bytes of the
// reference's envelope and reading.v1 entry, or be declined (then audit.ts checks it).
describe("the reading encoder's byte-level path (reading rows in binary COPY)", () => {
  // What ingest stores: ids without control characters, whole-millisecond times from 1970,
  // finite coordinates, flat values (any strings and numbers, as jsonb prints them).
  const id = fc.oneof({ arbitrary: fc.stringMatching(/^[a-z]{2,5}[-.][0-9a-z]{1,8}$/), weight: 4 }, fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }), fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((s) => !hasControlChars(s)));
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    { arbitrary: fc.integer(), weight: 3 },
    { arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }).map((x) => Math.round(x * 1000) / 1000), weight: 3 },
    { arbitrary: fc.string({ unit: "grapheme", maxLength: 10 }), weight: 3 },
    { arbitrary: fc.boolean(), weight: 2 },
  );
  const key = fc.oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,11}$/), fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }));
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const reading: fc.Arbitrary<Envelope & ReadingEntryFields> = fc.record({
    device: id,
    dataset: id,
    seq: fc.oneof(fc.integer({ min: 1, max: 100000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    observedAt: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 9.9e12 }), weight: 9 }, fc.integer({ min: 0, max: 253402300799999 })).map((ms) => new Date(ms).toISOString()),
    location: fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
    values: fc.dictionary(key, value, { maxKeys: 5 }),
    payloadHash: hash,
    signature: fc.uint8Array({ minLength: 0, maxLength: 70 }),
    gateway: fc.option(fc.record({ device: id, batchRoot: fc.uint8Array({ minLength: 0, maxLength: 40 }), signature: fc.uint8Array({ minLength: 0, maxLength: 70 }) })),
  });
  const bytesOf = (text: string) => Buffer.from(text, "utf8");

  it("writes the reference's envelope and entry bytes for any stored reading, or declines it", () => {
    const fields = newReadingRowFields();
    let envelopes = 0;
    let entries = 0;
    let runs = 0;
    fc.assert(
      fc.property(reading, (r) => {
        runs++;
        const copy = copyBinary([readingRow(r, 5, 1005)]);
        // Times past 2^53 µs after 2000 (from about 2285 on) are declined here already.
        if (!locateReadingRow(copy, 19, fields)) return;
        const out = new Uint8Array(bytesNeeded(fields));
        const envelopeEnd = writeEnvelope(out, copy, fields);
        if (envelopeEnd >= 0) {
          envelopes++;
          expect(Buffer.from(out.subarray(0, envelopeEnd))).toEqual(bytesOf(referenceEnvelopeJson(r)));
        }
        const entryEnd = writeReadingEntry(out, copy, fields);
        if (entryEnd >= 0) {
          entries++;
          expect(Buffer.from(out.subarray(0, entryEnd))).toEqual(bytesOf(referenceReadingEntryJson(readingEntryOf(r))));
        }
      }),
      { numRuns: 3000 },
    );
    // Declining is for what is not of the plain shape (non-ASCII ids, numbers jsonb spells
    // otherwise), not the common case.
    // (about a fifth and a half of these hostile readings; every plain one: the next test)
    expect(envelopes).toBeGreaterThan(runs / 10);
    expect(entries).toBeGreaterThan(runs / 3);
  });

  it("takes the plain shape ingest stores without declining", () => {
    const fields = newReadingRowFields();
    fc.assert(
      fc.property(
        fc.record({
          device: fc.stringMatching(/^trf-[0-9]{6}$/),
          dataset: fc.constantFrom("traffic.flow", "energy.load", "safety.alarm"),
          seq: fc.integer({ min: 1, max: 10_000_000 }),
          observedAt: fc.integer({ min: 1.7e12, max: 1.9e12 }).map((ms) => new Date(ms).toISOString()),
          location: fc.tuple(fc.integer({ min: -1800000, max: 1800000 }).map((x) => x / 1e4), fc.integer({ min: -900000, max: 900000 }).map((x) => x / 1e4)),
          values: fc.record({ speedKmh: fc.integer({ min: 0, max: 2000 }).map((x) => x / 10), segmentId: fc.stringMatching(/^seg-[0-9]{1,4}$/), ok: fc.boolean(), note: fc.constantFrom("烟台 ✓", "") }),
          payloadHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
          gateway: fc.option(fc.record({ device: fc.stringMatching(/^gw-[0-9]{6}$/), batchRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }), signature: fc.uint8Array({ minLength: 64, maxLength: 64 }) })),
        }),
        (r) => {
          const copy = copyBinary([readingRow(r, 5, 1005)]);
          expect(locateReadingRow(copy, 19, fields)).toBe(true);
          const out = new Uint8Array(bytesNeeded(fields));
          const envelopeEnd = writeEnvelope(out, copy, fields);
          expect(Buffer.from(out.subarray(0, envelopeEnd)).toString("utf8")).toBe(referenceEnvelopeJson(r));
          const entryEnd = writeReadingEntry(out, copy, fields);
          expect(Buffer.from(out.subarray(0, entryEnd)).toString("utf8")).toBe(referenceReadingEntryJson(readingEntryOf(r)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("declines a row that is not of a reading's shape", () => {
    const fields = newReadingRowFields();
    const r = { device: "trf-000001", dataset: "traffic.flow", seq: 1, observedAt: "2026-01-01T00:00:00.000Z", location: [1, 2] as [number, number], values: {}, payloadHash: new Uint8Array(32), signature: new Uint8Array(64) };
    const row = readingRow(r, 5, 1005);
    const located = (fs: typeof row) => locateReadingRow(copyBinary([fs]), 19, fields);
    expect(located(row)).toBe(true);
    expect(located(row.slice(0, 13))).toBe(false); // a field missing
    expect(located(row.map((f, i) => (i === 4 ? null : f)))).toBe(false); // seq NULL
    expect(located(row.map((f, i) => (i === 5 ? { t: "ts", v: Date.parse(r.observedAt) + 0.001 } : f)))).toBe(false); // not whole milliseconds
    expect(located(row.map((f, i) => (i === 5 ? { t: "ts", v: -1 } : f)))).toBe(false); // before 1970
    expect(located(row.map((f, i) => (i === 10 ? null : f)))).toBe(false); // no signature
  });
});

describe("canonicalJsonbObject", () => {
  // eslint-disable-next-line no-control-regex -- strings jsonb would print with escapes
  const plainString = fc.string({ unit: "grapheme" }).filter((s) => !/["\\\u0000-\u001f]/.test(s));
  const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), plainString, fc.boolean(), fc.constant(null));

  it("writes the canonical JSON of what JSON.parse reads, or declines", () => {
    fc.assert(
      fc.property(fc.dictionary(plainString, value, { maxKeys: 8 }), (values) => {
        const text = jsonbText(values);
        const fast = canonicalJsonbObject(text);
        if (fast !== null) expect(fast).toBe(canonicalJson(JSON.parse(text)));
      }),
      { numRuns: 3000 },
    );
  });

  it("declines number spellings that ES would write differently", () => {
    for (const t of ["1.50", "1e5", "1E5", "-0", "0.0000001", "00", "1.", ".5", "12345678901234567", "1234567890123456789012", "0.10000000000000001", "+1"]) {
      const fast = canonicalJsonbObject(`{"v": ${t}}`);
      const parsed = (() => {
        try {
          return canonicalJson(JSON.parse(`{"v": ${t}}`));
        } catch {
          return null;
        }
      })();
      expect(fast === null || fast === parsed, t).toBe(true);
      expect(fast, t).toBeNull();
    }
  });

  it("accepts only number texts that ES Number::toString writes back unchanged", () => {
    const texts = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.tuple(fc.double({ min: -1e22, max: 1e22, noNaN: true }), fc.integer({ min: 0, max: 20 })).map(([d, n]) => d.toFixed(n)),
      fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 })).map(([d, n]) => d.toPrecision(n)),
      fc.stringMatching(/^-?[0-9]{1,22}(\.[0-9]{1,22})?$/),
    );
    fc.assert(
      fc.property(texts, (t) => {
        const fast = canonicalJsonbObject(`{"v": ${t}}`);
        if (fast !== null) expect(fast).toBe(`{"v":${JSON.stringify(Number(t))}}`);
      }),
      { numRuns: 5000 },
    );
  });

  it("declines nesting, null, escapes and malformed text", () => {
    for (const t of [`{"a": {"b": 1}}`, `{"a": [1]}`, `{"a": null}`, `{"a\\"b": 1}`, `{"a": "x\\ny"}`, `{"a":1}`, `{"a": 1,"b": 2}`, `[1]`, `{"a": 1, "a": 2}`, `{"a": tru}`]) {
      expect(canonicalJsonbObject(t), t).toBeNull();
    }
    expect(canonicalJsonbObject(`{}`)).toBe("{}");
    expect(canonicalJsonbObject(`{"b": "x, y}", "a": true}`)).toBe(`{"a":true,"b":"x, y}"}`);
  });
});

describe("isoFromMs", () => {
  it("equals Date.prototype.toISOString", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, 1, 999, 86_399_999, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5]) {
      expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => isoFromMs(Number.NaN)).toThrow();
  });
});

