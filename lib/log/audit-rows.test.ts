import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson } from "../ledger/canonical-json";
import { encodeEntry } from "../ledger/entries";
import { appendLeafHashes, compactRangeRoot, EMPTY_COMPACT_RANGE } from "../ledger/compact-range";
import { readingEntry, type AcceptedReading } from "../ingest/store-readings";
import { nodeSha256 } from "./node-hasher";
import { canonicalJsonbObject, isoFromMs, verifyRange } from "./audit-rows.mjs";

// jsonb's text form of a flat object: keys by length then bytes, `"k": v` joined by ", ".
function jsonbText(values: Record<string, unknown>, num: (n: number) => string = (n) => JSON.stringify(n)): string {
  const keys = Object.keys(values).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${typeof values[k] === "number" ? num(values[k] as number) : JSON.stringify(values[k])}`).join(", ")}}`;
}

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

// Rows as the audit's SELECTs print them (audit.ts), built from readings as ingest stores them.
type Row = { index: number; ledger: string; reading: string; entryHash: Uint8Array };
function rowsOf(rs: AcceptedReading[], from = 0): Row[] {
  return rs.map((r, i) => {
    const index = from + i;
    const entry = encodeEntry(readingEntry(r));
    const entryHash = crypto.createHash("sha256").update(Buffer.concat([Buffer.from([0]), entry])).digest();
    const g = r.gateway;
    return {
      index,
      entryHash: new Uint8Array(entryHash),
      ledger: `${index}\treading.v1\t\t${entryHash.toString("hex")}\tt\t${r.device}:${r.seq}`,
      reading: [
        index, 1000 + index, r.dataset, r.device, r.seq, Date.parse(r.observedAt), r.location[0], r.location[1], jsonbText(r.values),
        Buffer.from(r.payloadHash).toString("hex"), Buffer.from(r.signature).toString("base64"),
        g ? g.device : "", g ? Buffer.from(g.batchRoot).toString("hex") : "", g ? Buffer.from(g.signature).toString("base64") : "",
      ].join("\t"),
    };
  });
}
function reading(seq: number, gateway = false): AcceptedReading {
  const envelope = {
    device: `trf-${String(seq % 7).padStart(6, "0")}`,
    dataset: "traffic.flow",
    seq,
    observedAt: new Date(1_790_000_000_000 + seq * 1001).toISOString(),
    location: [121.4 + seq / 1e5, 37.45] as [number, number],
    values: { segmentId: `seg-${seq % 7}`, speedKmh: 30 + (seq % 17) * 1.5, flowVehH: 400 + seq, occupancy: 0.125, note: "烟台 ✓", ok: seq % 2 === 0 },
  };
  const payloadHash = new Uint8Array(crypto.createHash("sha256").update(canonicalJson(envelope)).digest());
  return {
    ...envelope,
    payloadHash,
    signature: new Uint8Array(crypto.randomBytes(64)),
    ...(gateway ? { gateway: { device: "gw-000001", batchRoot: new Uint8Array(crypto.randomBytes(32)), signature: new Uint8Array(crypto.randomBytes(64)) } } : {}),
  };
}
const job = (rows: Row[], from: number, chunk: number, cuts: number[] = []) => ({
  from,
  chunk,
  ledger: rows.map((r) => r.ledger + "\n").join(""),
  reading: rows.map((r) => r.reading + "\n").join(""),
  cuts,
});

describe("verifyRange", () => {
  const rows = rowsOf(Array.from({ length: 64 }, (_, i) => reading(i, i % 3 === 0)));

  it("passes untouched readings, gateway-batched ones included, and hashes their part of the tree", () => {
    const r = verifyRange(job(rows.slice(32, 64), 32, 32, [40, 45, 64, 99]));
    expect(r.deferred).toEqual([]);
    expect(r).toMatchObject({ n: 32, firstIndex: 32, gapAt: null, readings: 32 });
    expect(Buffer.from(r.hashes)).toEqual(Buffer.concat(rows.slice(32).map((x) => x.entryHash)));
    // The cuts are the perfect subtrees of [32, s): with those of [0, 32) they give the roots.
    const base = appendLeafHashes(nodeSha256, EMPTY_COMPACT_RANGE, rows.slice(0, 32).map((x) => x.entryHash));
    expect(r.cuts.map((c) => c.size)).toEqual([40, 45, 64]);
    for (const c of r.cuts) {
      const hashes = [...base.hashes, ...Array.from({ length: c.hashes.length / 32 }, (_, i) => c.hashes.subarray(32 * i, 32 * i + 32))];
      const want = compactRangeRoot(nodeSha256, appendLeafHashes(nodeSha256, EMPTY_COMPACT_RANGE, rows.slice(0, c.size).map((x) => x.entryHash)));
      const root = hashes.reduceRight((h, left) => nodeSha256(Buffer.concat([Buffer.from([1]), left, h])));
      expect(Buffer.from(root).toString("hex"), `size ${c.size}`).toBe(Buffer.from(want).toString("hex"));
    }
  });

  // Each change a tamperer could make to a reading row or leaf row: the fast path must hand
  // the row back to audit.ts (which names it), never pass it.
  const field = (line: string, i: number, f: (v: string) => string) => line.split("\t").map((v, k) => (k === i ? f(v) : v)).join("\t");
  const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
  const tampers: [string, (r: Row) => Row][] = [
    ["a payload number", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace(/"occupancy": 0\.125/, '"occupancy": 0.126')) })],
    ["a payload number turned string", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace(/"occupancy": 0\.125/, '"occupancy": "0.125"')) })],
    ["a payload boolean", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace(/"ok": (true|false)/, (_, b) => `"ok": ${b === "true" ? "false" : "true"}`)) })],
    ["a payload key", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace('"note"', '"nota"')) })],
    ["a payload string", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace("烟台", "烟臺")) })],
    ["an added payload value", (r) => ({ ...r, reading: field(r.reading, 8, (p) => p.replace(/^\{/, '{"x": 1, ')) })],
    ["the observation time by 1 ms", (r) => ({ ...r, reading: field(r.reading, 5, (t) => String(Number(t) + 1)) })],
    ["the longitude", (r) => ({ ...r, reading: field(r.reading, 6, (t) => String(Number(t) + 1e-9)) })],
    ["the latitude", (r) => ({ ...r, reading: field(r.reading, 7, (t) => String(Number(t) + 1e-9)) })],
    ["the device", (r) => ({ ...r, reading: field(r.reading, 3, (d) => d.replace(/.$/, "9")) })],
    ["the dataset", (r) => ({ ...r, reading: field(r.reading, 2, () => "traffic.speed") })],
    ["the sequence number", (r) => ({ ...r, reading: field(r.reading, 4, (s) => String(Number(s) + 1)) })],
    ["the payload hash", (r) => ({ ...r, reading: field(r.reading, 9, flip) })],
    ["the signature", (r) => ({ ...r, reading: field(r.reading, 10, (s) => (s[0] === "A" ? "B" : "A") + s.slice(1)) })],
    ["the gateway signature", (r) => ({ ...r, reading: field(r.reading, 13, (s) => (s[0] === "A" ? "B" : "A") + s.slice(1)) })],
    ["the gateway batch root", (r) => ({ ...r, reading: field(r.reading, 12, flip) })],
    ["the gateway device", (r) => ({ ...r, reading: field(r.reading, 11, () => "gw-000002") })],
    ["a dropped gateway", (r) => ({ ...r, reading: field(field(field(r.reading, 11, () => ""), 12, () => ""), 13, () => "") })],
    ["the stored leaf hash", (r) => ({ ...r, ledger: field(r.ledger, 4, () => "f") })],
    ["the stored entry", (r) => ({ ...r, ledger: field(r.ledger, 3, flip) })],
    ["the kind", (r) => ({ ...r, ledger: field(r.ledger, 1, () => "device.v1") })],
    ["an escaped field", (r) => ({ ...r, reading: field(r.reading, 3, (d) => d + "\\t") })],
  ];
  it.each(tampers)("hands back a reading row with %s changed", (_what, tamper) => {
    const victim = 3; // a gateway-batched reading (index % 3 === 0)
    const changed = rows.slice(0, 8).map((r, i) => (i === victim ? tamper(r) : r));
    const r = verifyRange(job(changed, 0, 8));
    expect(r.deferred.map((d) => d.index)).toEqual([victim]);
    expect(r.n).toBe(8);
  });

  it("hands back a leaf whose reading row is missing, and sets aside a second reading row of one leaf", () => {
    const missing = verifyRange({ ...job(rows.slice(0, 8), 0, 8), reading: rows.slice(0, 8).filter((x) => x.index !== 5).map((x) => x.reading + "\n").join("") });
    expect(missing.deferred.map((d) => [d.index, d.reading])).toEqual([[5, null]]);
    const twice = verifyRange({ ...job(rows.slice(0, 8), 0, 8), reading: rows.slice(0, 8).flatMap((x) => (x.index === 2 ? [x.reading, x.reading] : [x.reading])).map((l) => l + "\n").join("") });
    expect(twice.deferred).toEqual([]);
    expect(twice.extra).toEqual([rows[2].reading]);
  });

  it("takes rows in any order", () => {
    const shuffled = [...rows.slice(0, 16)].sort(() => Math.random() - 0.5);
    const r = verifyRange({ ...job(shuffled, 0, 16), reading: [...shuffled].reverse().map((x) => x.reading + "\n").join("") });
    expect(r).toMatchObject({ n: 16, deferred: [], extra: [], extraLeaves: [] });
    expect(Buffer.from(r.hashes)).toEqual(Buffer.concat(rows.slice(0, 16).map((x) => x.entryHash)));
    const dup = verifyRange(job([...rows.slice(0, 8), rows[4]], 0, 8));
    expect(dup.extraLeaves).toEqual([rows[4].ledger]);
  });

  it("stops at a gap and says where the rows resume", () => {
    const r = verifyRange(job([...rows.slice(0, 5), ...rows.slice(6, 8)], 0, 8));
    expect(r).toMatchObject({ n: 5, firstIndex: 0, gapAt: 6 });
    expect(r.hashes.length).toBe(5 * 32);
    expect(verifyRange(job(rows.slice(2, 8), 0, 8))).toMatchObject({ n: 0, firstIndex: 2, gapAt: 2 });
    expect(verifyRange(job([], 8, 8))).toMatchObject({ n: 0, firstIndex: null, gapAt: null });
  });
});
