import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../ledger/canonical-json";
import { encodeEntry } from "../ledger/entries";
import { appendLeafHashes, compactRangeRoot, EMPTY_COMPACT_RANGE } from "../ledger/compact-range";
import { readingEntry, type AcceptedReading } from "../ingest/store-readings";
import { nodeSha256 } from "./node-hasher";
import { deviceKeyring, deviceSignatureProblem, packDeviceKeys, type DeviceKeyRow } from "./device-keyring";
import { verifyRange } from "./verify-range";
import { copyBinary, readingRow, type Field } from "./testing/copy-rows";


// Rows as the audit's SELECTs give them (audit.ts), in binary COPY, built from readings as ingest stores them.
// member: a gateway reading's batch as the audit packs it (root, byte length, its one hash).
type Row = { index: number; ledger: Field[]; reading: Field[]; entry: Uint8Array; entryHash: Uint8Array; member: Buffer | null };
const leafHashOf = (entry: Uint8Array) => new Uint8Array(crypto.createHash("sha256").update(Buffer.concat([Buffer.from([0]), entry])).digest());
function rowsOf(rs: AcceptedReading[], from = 0): Row[] {
  return rs.map((r, i) => {
    const index = from + i;
    const entry = encodeEntry(readingEntry(r));
    const entryHash = leafHashOf(entry);
    return {
      index,
      entry,
      entryHash,
      ledger: [{ t: "i8", v: index }, { t: "text", v: "reading.v1" }, { t: "bytes", v: entry }, { t: "bytes", v: entryHash }],
      reading: readingRow(r, index, 1000 + index),
      member: r.gateway ? Buffer.concat([r.gateway.batchRoot, Buffer.from([0, 0, 0, 32]), r.payloadHash]) : null,
    };
  });
}
// Rows as stored since migration 20261207050000: no payload hash and no entry (both derived from the row).
const derivedRowsOf = (rs: AcceptedReading[], from = 0): Row[] =>
  rowsOf(rs, from).map((r) => ({ ...r, ledger: r.ledger.map((f, i) => (i === 2 ? null : f)), reading: r.reading.map((f, i) => (i === 9 ? null : f)) }));
// The devices' keys (as device_key holds them: each put in at a leaf before the readings) and
// the keyring the fast path verifies their signatures with.
const pair = () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  return { publicKey: new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(12)), sign: (m: Uint8Array) => new Uint8Array(crypto.sign(null, m, privateKey)) };
};
const DEVICES = Array.from({ length: 7 }, (_, i) => `trf-${String(i).padStart(6, "0")}`);
const deviceKeys = new Map(DEVICES.map((d) => [d, pair()]));
const keyRows: DeviceKeyRow[] = DEVICES.map((device) => ({ device, fromLeaf: -1, untilLeaf: null, retiredBy: null, publicKey: deviceKeys.get(device)!.publicKey }));
const ring = deviceKeyring(packDeviceKeys(keyRows));

function reading(seq: number, gateway = false, sign?: (m: Uint8Array) => Uint8Array, values?: Record<string, number | string | boolean>): AcceptedReading {
  const envelope = {
    device: `trf-${String(seq % 7).padStart(6, "0")}`,
    dataset: "traffic.flow",
    seq,
    observedAt: new Date(1_790_000_000_000 + seq * 1001).toISOString(),
    location: [121.4 + seq / 1e5, 37.45] as [number, number],
    values: values ?? { segmentId: `seg-${seq % 7}`, speedKmh: 30 + (seq % 17) * 1.5, flowVehH: 400 + seq, occupancy: 0.125, note: "烟台 ✓", ok: seq % 2 === 0 },
  };
  const bytes = Buffer.from(canonicalJson(envelope), "utf8");
  const payloadHash = new Uint8Array(crypto.createHash("sha256").update(bytes).digest());
  return {
    ...envelope,
    payloadHash,
    signature: (sign ?? deviceKeys.get(envelope.device)!.sign)(bytes),
    ...(gateway ? { gateway: { device: "gw-000001", batchRoot: new Uint8Array(crypto.randomBytes(32)), signature: new Uint8Array(crypto.randomBytes(64)) } } : {}),
  };
}
const job = (rows: Row[], from: number, chunk: number, cuts: number[] = []) => ({
  from,
  chunk,
  ledger: copyBinary(rows.map((r) => r.ledger)),
  reading: copyBinary(rows.map((r) => r.reading)),
  cuts,
  batches: Buffer.concat(rows.flatMap((r) => (r.member ? [r.member] : []))),
});

describe("verifyRange", () => {
  const rows = rowsOf(Array.from({ length: 64 }, (_, i) => reading(i, i % 3 === 0)));

  it("passes untouched readings, gateway-batched ones included, and hashes their part of the tree", () => {
    const r = verifyRange(job(rows.slice(32, 64), 32, 32, [40, 45, 64, 99]), ring);
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
  const set = (fields: Field[], i: number, f: (v: Field) => Field) => fields.map((v, k) => (k === i ? f(v) : v));
  const onText = (f: (s: string) => string) => (v: Field) => ({ ...(v as { t: "text" | "jsonb"; v: string }), v: f((v as { v: string }).v) });
  const onNumber = (f: (n: number) => number) => (v: Field) => ({ ...(v as { t: "i8" | "f8" | "ts"; v: number }), v: f((v as { v: number }).v) });
  const flipByte = (at: number) => (v: Field) => {
    const b = new Uint8Array((v as { v: Uint8Array }).v);
    b[at < 0 ? b.length + at : at] ^= 1;
    return { t: "bytes" as const, v: b };
  };
  const payload = (f: (p: string) => string) => (r: Row) => ({ ...r, reading: set(r.reading, 8, onText(f)) });
  const tampers: [string, (r: Row) => Row][] = [
    ["a payload number", payload((p) => p.replace(/"occupancy": 0\.125/, '"occupancy": 0.126'))],
    ["a payload number turned string", payload((p) => p.replace(/"occupancy": 0\.125/, '"occupancy": "0.125"'))],
    ["a payload boolean", payload((p) => p.replace(/"ok": (true|false)/, (_, b) => `"ok": ${b === "true" ? "false" : "true"}`))],
    ["a payload key", payload((p) => p.replace('"note"', '"nota"'))],
    ["a payload string", payload((p) => p.replace("烟台", "烟臺"))],
    ["an added payload value", payload((p) => p.replace(/^\{/, '{"x": 1, '))],
    ["a payload value with an escape", payload((p) => p.replace("烟台", "烟\\n台"))],
    ["the payload's jsonb version byte", (r) => ({ ...r, reading: set(r.reading, 8, (v) => ({ t: "bytes", v: Buffer.concat([Buffer.from([2]), Buffer.from((v as { v: string }).v)]) })) })],
    ["the observation time by 1 ms", (r) => ({ ...r, reading: set(r.reading, 5, onNumber((t) => t + 1)) })],
    ["the observation time by 1 µs", (r) => ({ ...r, reading: set(r.reading, 5, onNumber((t) => t + 0.001)) })],
    ["the longitude", (r) => ({ ...r, reading: set(r.reading, 6, onNumber((t) => t + 1e-9)) })],
    ["the latitude", (r) => ({ ...r, reading: set(r.reading, 7, onNumber((t) => t + 1e-9)) })],
    ["the longitude to NaN", (r) => ({ ...r, reading: set(r.reading, 6, () => ({ t: "f8", v: Number.NaN })) })],
    ["the device", (r) => ({ ...r, reading: set(r.reading, 3, onText((d) => d.replace(/.$/, "9"))) })],
    ["the device with a quote", (r) => ({ ...r, reading: set(r.reading, 3, onText((d) => d + '"')) })],
    ["the device with a tab", (r) => ({ ...r, reading: set(r.reading, 3, onText((d) => d + "\t")) })],
    ["the dataset", (r) => ({ ...r, reading: set(r.reading, 2, () => ({ t: "text", v: "traffic.speed" })) })],
    ["the sequence number", (r) => ({ ...r, reading: set(r.reading, 4, onNumber((s) => s + 1)) })],
    ["the payload hash", (r) => ({ ...r, reading: set(r.reading, 9, flipByte(0)) })],
    ["the payload hash's last byte", (r) => ({ ...r, reading: set(r.reading, 9, flipByte(-1)) })],
    ["the signature", (r) => ({ ...r, reading: set(r.reading, 10, flipByte(0)) })],
    ["the signature's last byte", (r) => ({ ...r, reading: set(r.reading, 10, flipByte(-1)) })],
    ["the signature to NULL", (r) => ({ ...r, reading: set(r.reading, 10, () => null) })],
    ["an added gateway", (r) => ({ ...r, reading: set(set(set(r.reading, 11, () => ({ t: "text", v: "gw-000001" })), 12, () => ({ t: "bytes", v: new Uint8Array(32) })), 13, () => ({ t: "bytes", v: new Uint8Array(64) })) })],
    ["the gateway signature", (r) => ({ ...r, reading: set(r.reading, 13, flipByte(-1)) })],
    ["the gateway batch root", (r) => ({ ...r, reading: set(r.reading, 12, flipByte(0)) })],
    ["the gateway device", (r) => ({ ...r, reading: set(r.reading, 11, () => ({ t: "text", v: "gw-000002" })) })],
    ["a dropped gateway", (r) => ({ ...r, reading: set(set(set(r.reading, 11, () => null), 12, () => null), 13, () => null) })],
    ["the stored leaf hash", (r) => ({ ...r, ledger: set(r.ledger, 3, flipByte(0)) })],
    ["the stored leaf hash's last byte", (r) => ({ ...r, ledger: set(r.ledger, 3, flipByte(-1)) })],
    ["the stored entry", (r) => ({ ...r, ledger: set(r.ledger, 2, flipByte(20)) })],
    ["the stored entry's last byte", (r) => ({ ...r, ledger: set(r.ledger, 2, flipByte(-1)) })],
    ["a byte added to the stored entry", (r) => ({ ...r, ledger: set(r.ledger, 2, (v) => ({ t: "bytes", v: Buffer.concat([(v as { v: Uint8Array }).v, Buffer.from(" ")]) })) })],
    ["the kind", (r) => ({ ...r, ledger: set(r.ledger, 1, () => ({ t: "text", v: "device.v1" })) })],
  ];
  it.each(tampers)("hands back a reading row with %s changed", (_what, tamper) => {
    // 3 is gateway-batched (index % 3 === 0), 4 is not.
    for (const victim of _what.includes("added gateway") ? [4] : _what.includes("gateway") ? [3] : [3, 4]) {
      const changed = rows.slice(0, 8).map((r, i) => (i === victim ? tamper(r) : r));
      const r = verifyRange(job(changed, 0, 8), ring);
      expect(r.deferred.map((d) => d.index)).toEqual([victim]);
      expect(r.n).toBe(8);
      // The tree takes the hash of the entry as stored, whatever the row says.
      const entry = (changed[victim].ledger[2] as { v: Uint8Array }).v;
      expect(Buffer.from(r.hashes.subarray(32 * victim, 32 * victim + 32))).toEqual(Buffer.from(leafHashOf(entry)));
    }
  });

  it("hands back every single-byte change of a reading row or a ledger row", () => {
    const rowsOne = rows.slice(0, 8);
    const untouched = { ledger: copyBinary(rowsOne.map((r) => r.ledger)), reading: copyBinary(rowsOne.map((r) => r.reading)) };
    // Byte offsets of row 3 in each output (after the 19-byte header and rows 0..2).
    const start = (rs: Field[][]) => copyBinary(rs).length - 2;
    // Every byte past the field count and the leaf index (which slot the row), but the
    // reading row's id: it only names the row and is not part of what was signed or ledgered.
    const skip = { ledger: () => false, reading: (k: number) => k >= 14 && k < 26 };
    for (const which of ["ledger", "reading"] as const) {
      let tested = 0;
      const from = start(rowsOne.slice(0, 3).map((r) => r[which]));
      const to = start(rowsOne.slice(0, 4).map((r) => r[which]));
      for (let at = from + 14; at < to; at++) {
        if (skip[which](at - from)) continue;
        const bytes = new Uint8Array(untouched[which]);
        // Length fields (changing them re-frames the row) aside: change every value byte.
        bytes[at] ^= 0x01;
        let r;
        try {
          r = verifyRange({ from: 0, chunk: 8, cuts: [], ...untouched, [which]: bytes }, ring);
        } catch {
          continue; // a malformed output fails the audit (it says why)
        }
        expect(r.deferred.map((d) => d.index), `${which} byte ${at - from}`).toContain(3);
        tested++;
      }
      // Nearly every byte is a value byte (not a length field that breaks the framing).
      expect(tested, which).toBeGreaterThan(which === "ledger" ? 350 : 300);
    }
  });

  it("hands back a leaf whose reading row is missing, and sets aside a second reading row of one leaf", () => {
    const missing = verifyRange({ ...job(rows.slice(0, 8), 0, 8), reading: copyBinary(rows.slice(0, 8).filter((x) => x.index !== 5).map((x) => x.reading)) }, ring);
    expect(missing.deferred.map((d) => [d.index, d.reading])).toEqual([[5, null]]);
    const twice = verifyRange({ ...job(rows.slice(0, 8), 0, 8), reading: copyBinary(rows.slice(0, 8).flatMap((x) => (x.index === 2 ? [x.reading, x.reading] : [x.reading]))) }, ring);
    expect(twice.deferred).toEqual([]);
    expect(twice.extra.map((e) => [e.index, e.id])).toEqual([[2, "1002"]]);
  });

  it("takes rows in any order", () => {
    const shuffled = [...rows.slice(0, 16)].sort(() => Math.random() - 0.5);
    const r = verifyRange({ ...job(shuffled, 0, 16), reading: copyBinary([...shuffled].reverse().map((x) => x.reading)) }, ring);
    expect(r).toMatchObject({ n: 16, deferred: [], extra: [], extraLeaves: [] });
    expect(Buffer.from(r.hashes)).toEqual(Buffer.concat(rows.slice(0, 16).map((x) => x.entryHash)));
    const dup = verifyRange(job([...rows.slice(0, 8), rows[4]], 0, 8), ring);
    expect(dup.extraLeaves.map((l) => l.index)).toEqual([4]);
  });

  it("stops at a gap and says where the rows resume", () => {
    const r = verifyRange(job([...rows.slice(0, 5), ...rows.slice(6, 8)], 0, 8), ring);
    expect(r).toMatchObject({ n: 5, firstIndex: 0, gapAt: 6 });
    expect(r.hashes.length).toBe(5 * 32);
    expect(verifyRange(job(rows.slice(2, 8), 0, 8), ring)).toMatchObject({ n: 0, firstIndex: 2, gapAt: 2 });
    expect(verifyRange(job([], 8, 8), ring)).toMatchObject({ n: 0, firstIndex: null, gapAt: null });
  });

  it("decodes the rows it hands back as they are stored", () => {
    const r = verifyRange(job(rows.slice(0, 8).map((x, i) => (i === 3 ? { ...x, ledger: set(x.ledger, 3, flipByte(0)) } : x)), 0, 8), ring);
    const d = r.deferred[0];
    expect(d.ledger).toMatchObject({ index: 3, kind: "reading.v1" });
    expect(Buffer.from(d.ledger.entry!)).toEqual(Buffer.from(rows[3].entry));
    expect(d.reading).toMatchObject({ index: 3, id: "1003", dataset: "traffic.flow", seq: 3, observedMs: (rows[3].reading[5] as { v: number }).v, lon: (rows[3].reading[6] as { v: number }).v, gatewayDevice: "gw-000001" });
    expect(JSON.parse(d.reading!.payload!)).toEqual(JSON.parse((rows[3].reading[8] as { v: string }).v));
  });
});

describe("verifyRange on rows that store no payload hash (derived, migration 20261207050000)", () => {
  const rs = Array.from({ length: 8 }, (_, i) => reading(i + 1, i % 3 === 0));
  const rows = derivedRowsOf(rs);

  it("passes them, gateway-batched ones included, with the leaf hashes of their entries", () => {
    const r = verifyRange(job(rows, 0, 8), ring);
    expect(r.deferred).toEqual([]);
    expect(Buffer.from(r.hashes)).toEqual(Buffer.concat(rows.map((x) => x.entryHash)));
  });

  it("hands back a changed payload (its derived hash no longer the signed one) and a gateway reading whose hash is not among its batch's", () => {
    const changed = rows.map((x, i) => (i === 1 || i === 3 ? { ...x, reading: x.reading.map((f, k) => (k === 8 ? { t: "jsonb" as const, v: (f as { v: string }).v.replace('"occupancy": 0.125', '"occupancy": 0.5') } : f)) } : x));
    const r = verifyRange(job(changed, 0, 8), ring);
    expect(r.deferred.map((d) => d.index)).toEqual([1, 3]);
    expect(r.deferred[0].reading!.payloadHash).toBeNull();
    // The tree takes the hash the entry the changed row makes (the stored leaf hash no longer matches it).
    expect(Buffer.from(r.hashes.subarray(32, 64))).not.toEqual(Buffer.from(rows[1].entryHash));
    // Reading 0 and 6 came through a gateway: not in the batch's hashes, or no batches given.
    const strayed = verifyRange({ ...job(rows, 0, 8), batches: Buffer.concat(rows.flatMap((x, i) => (x.member && i !== 6 ? [x.member] : []))) }, ring);
    expect(strayed.deferred.map((d) => d.index)).toEqual([6]);
    expect(verifyRange({ ...job(rows, 0, 8), batches: undefined }, ring).deferred.map((d) => d.index)).toEqual([0, 3, 6]);
  });
});

describe("verifyRange and the devices' signatures", () => {
  const attacker = pair();
  const envelopeBytes = (r: AcceptedReading) =>
    Buffer.from(canonicalJson({ device: r.device, dataset: r.dataset, seq: r.seq, observedAt: r.observedAt, location: r.location, values: r.values }), "utf8");
  const handedBack = (rs: AcceptedReading[], keys: typeof ring | null, from = 0) => {
    const chunk = 2 ** Math.ceil(Math.log2(rs.length));
    return verifyRange(job(rowsOf(rs, from), from, chunk), keys).deferred.map((d) => d.index - from);
  };

  it("passes readings their devices signed, and hands back a forged signature, another key's, and the device's own over other values, carried by a gateway or not", () => {
    const elsewhere = reading(2, false, undefined, { segmentId: "seg-x", speedKmh: 1 });
    const rs = [
      reading(1), // fine
      { ...reading(2), signature: new Uint8Array(crypto.randomBytes(64)) }, // forged
      reading(3, false, attacker.sign), // another key
      reading(4, true), // fine, carried by a gateway
      { ...reading(2), signature: elsewhere.signature }, // the device's signature, of other values
      reading(5, true, attacker.sign), // carried by a gateway, another key
      reading(6), // fine
      { ...reading(8), signature: reading(1).signature }, // the device's signature of its other reading
    ];
    expect(handedBack(rs, ring)).toEqual([1, 2, 4, 5, 7]);
    // The tree still takes every leaf as stored.
    const r = verifyRange(job(rowsOf(rs), 0, 8), ring);
    expect(Buffer.from(r.hashes)).toEqual(Buffer.concat(rowsOf(rs).map((x) => x.entryHash)));
    // Without the keys, or for a device without any, no reading is fine.
    expect(handedBack(rs, null)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(handedBack([reading(1), reading(2)], deviceKeyring(packDeviceKeys(keyRows.filter((k) => k.device !== "trf-000002"))))).toEqual([1]);
    // A key of the wrong length never verifies.
    const short = keyRows.map((k) => (k.device === "trf-000001" ? { ...k, publicKey: k.publicKey.subarray(0, 31) } : k));
    expect(handedBack([reading(1), reading(2)], deviceKeyring(packDeviceKeys(short)))).toEqual([0]);
  });

  it("takes only a key the device held at the reading's leaf; a reading a gateway carried may have one rotated out before, never one revoked", () => {
    const dev = "trf-000001";
    const [k1, k2] = [pair(), pair()];
    const ringOf = (keys: Partial<DeviceKeyRow>[]) => deviceKeyring(packDeviceKeys(keys.map((k) => ({ device: dev, fromLeaf: 0, untilLeaf: null, retiredBy: null, publicKey: k1.publicKey, ...k }))));
    // k1 put in at leaf 0, retired at leaf 10 (rotated, or revoked and the device registered again); k2 from leaf 10.
    const rotated = ringOf([{ untilLeaf: 10, retiredBy: "rotate" }, { fromLeaf: 10, publicKey: k2.publicKey }]);
    const revoked = ringOf([{ untilLeaf: 10, retiredBy: "revoke" }, { fromLeaf: 10, publicKey: k2.publicKey }]);
    const fine = (keys: typeof ring, leaf: number, r: AcceptedReading) => handedBack([r], keys, leaf).length === 0;
    const direct = (k: typeof k1) => reading(1, false, k.sign);
    const carried = (k: typeof k1) => reading(1, true, k.sign);
    expect(fine(rotated, 5, direct(k1))).toBe(true);
    expect(fine(rotated, 9, direct(k1))).toBe(true);
    expect(fine(rotated, 12, direct(k1))).toBe(false);
    expect(fine(rotated, 12, carried(k1))).toBe(true);
    expect(fine(revoked, 12, carried(k1))).toBe(false);
    expect(fine(revoked, 5, carried(k1))).toBe(true);
    expect(fine(rotated, 12, direct(k2))).toBe(true);
    expect(fine(rotated, 10, direct(k2))).toBe(false);
    expect(fine(rotated, 5, direct(k2))).toBe(false);
    expect(fine(rotated, 5, carried(k2))).toBe(false);
    expect(fine(rotated, 12, direct(attacker))).toBe(false);
    expect(fine(rotated, 12, carried(attacker))).toBe(false);

    // What the full check in audit.ts says of each.
    const problem = (keys: typeof ring | null, leaf: number, r: AcceptedReading, signature: Uint8Array | null = r.signature) =>
      deviceSignatureProblem(keys, r.device, leaf, !!r.gateway, envelopeBytes(r), signature);
    expect(problem(rotated, 12, direct(k2))).toBeNull();
    expect(problem(rotated, 12, direct(k1))).toMatch(/verifies only under a key device trf-000001 had until it was rotated out at leaf 10, before this reading was sequenced \(leaf 12\); a reading sent directly/);
    expect(problem(revoked, 12, carried(k1))).toMatch(/until it was revoked at leaf 10/);
    expect(problem(rotated, 5, direct(k2))).toMatch(/verifies only under a key device trf-000001 was given at leaf 10, after this reading \(leaf 5\)/);
    expect(problem(rotated, 12, direct(attacker))).toBe("the device's signature does not verify under any key device trf-000001 has had (2 in its key history)");
    expect(problem(deviceKeyring(null), 12, direct(k1))).toMatch(/device trf-000001 has no key in the device key history/);
    expect(problem(rotated, 12, direct(k2), null)).toBe("the reading has no signature");
    expect(problem(rotated, 12, direct(k2), new Uint8Array(63))).toMatch(/63 bytes/);
  });

  it("verifies on worker threads with the keys each worker was given", async () => {
    const rs = [reading(1), reading(2, false, attacker.sign), reading(3, true), reading(4)];
    const { createAuditPool } = await import("./audit-pool");
    for (const keys of [packDeviceKeys(keyRows), null]) {
      const pool = createAuditPool({ threads: 1, keys });
      try {
        expect(pool.threads).toBe(1);
        const r = await pool.run(job(rowsOf(rs), 0, 4));
        expect(r.deferred.map((d) => d.index)).toEqual(keys ? [1] : [0, 1, 2, 3]);
      } finally {
        await pool.close();
      }
    }
  });
});
