import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeEntry } from "../ledger/entries";
import { ByteWriter } from "../db/copy-rows";
import { prepareReadingRows, readingEntries, readingEntry, writeReadingRows, type AcceptedReading } from "./store-readings";

const base: AcceptedReading = {
  device: "trf-000001",
  dataset: "traffic.flow",
  seq: 1_790_000_000_000_123,
  observedAt: "2026-05-01T08:00:00.000Z",
  location: [121.45, 37.46],
  values: { speedKmh: 1 },
  payloadHash: new Uint8Array(32).map((_, i) => i * 7),
  signature: new Uint8Array(64).map((_, i) => 255 - i),
};

describe("reading.v1 entries", () => {
  it("the intake's fast encoding gives the same bytes as encodeEntry, with and without a gateway", () => {
    const samples: AcceptedReading[] = [
      base,
      { ...base, device: "设备-😀", dataset: "energy.load", seq: 1 },
      { ...base, gateway: { device: "gw-traffic-zhifu", batchRoot: new Uint8Array(32).fill(9), signature: new Uint8Array(64).fill(3) } },
    ];
    const fast = readingEntries(samples, { checked: true });
    const slow = readingEntries(samples);
    samples.forEach((r, i) => {
      expect(fast[i].bytes).toEqual(encodeEntry(readingEntry(r)));
      expect(slow[i].bytes).toEqual(fast[i].bytes);
      expect(fast[i].refId).toBe(`${r.device}:${r.seq}`);
    });
    expect(new TextDecoder().decode(fast[2].bytes)).toContain('"gateway":{"batchRoot":"0909');
  });
});

describe("a reading's rows written in place (writeReadingRows, the check workers' way)", () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  it("writes the bytes prepareReadingRows makes: entry, leaf COPY text, reading COPY text", () => {
    const samples: AcceptedReading[] = [
      base,
      { ...base, device: "设备-😀", dataset: "energy.load", seq: 1, location: [-0.000001, 1e-7] },
      { ...base, gateway: { device: "gw-traffic-zhifu", batchRoot: new Uint8Array(32).fill(9), signature: new Uint8Array(64).fill(3) } },
      // COPY escapes and JSON escapes; values in insertion order (the payload column's text is JSON.stringify's)
      { ...base, device: 'a\tb\\c"d\ne', values: { z: "tab\there", a: 'quo"te\\', "é": true, n: -0.5, big: 1e21 } },
      // the largest seq, and a gateway id with a line separator (JSON leaves U+2028 as it is)
      { ...base, seq: 2 ** 53 - 1, gateway: { device: "gw\u2028x", batchRoot: new Uint8Array(32), signature: new Uint8Array(64) } },
      { ...base, values: { long: "x".repeat(5000) } },
    ];
    // A small writer, so that it grows while the rows are written.
    const w = new ByteWriter(16);
    const ends = [0, 0, 0, 0, 0, 0];
    const written: { entry: string; leaf: string; reading: string }[] = [];
    for (const r of samples) {
      const at = w.at;
      expect(writeReadingRows(w, r, ends)).toBe("reading.v1");
      written.push({ entry: hex(w.buf.subarray(at, ends[0])), leaf: hex(w.buf.subarray(ends[0], ends[1])), reading: hex(w.buf.subarray(ends[1], ends[2])) });
      // no opening: its three segments are empty
      expect(ends.slice(2)).toEqual([w.at, w.at, w.at, w.at]);
    }
    // Views taken after the last write: the writer's buffer moved as it grew.
    let at = 0;
    samples.forEach((r, i) => {
      const p = prepareReadingRows(r);
      expect(p.entry.kind).toBe("reading.v1");
      expect(written[i]).toEqual({ entry: hex(p.entry.bytes), leaf: hex(p.entry.copy!), reading: hex(p.readingCopy) });
      at += p.entry.bytes.length + p.entry.copy!.length + p.readingCopy.length;
    });
    expect(w.at).toBe(at);
  });

  it("writes a restricted dataset's reading sealed, as prepareReadingRows does: commitment entry, leaf and reading COPY text, the opening's salt, entry and COPY text", () => {
    const samples: AcceptedReading[] = [
      { ...base, dataset: "safety.cameras", device: "cam-0001" },
      { ...base, dataset: "safety.incidents", gateway: { device: "gw-safety-0", batchRoot: new Uint8Array(32).fill(9), signature: new Uint8Array(64).fill(3) } },
      // not in the catalogue: treated as restricted
      { ...base, dataset: "no.such", device: 'a\tb\\c"d', values: { long: "x".repeat(5000) } },
    ];
    const w = new ByteWriter(16);
    const ends = [0, 0, 0, 0, 0, 0];
    const olds = samples.map((r) => prepareReadingRows(r));
    const written = samples.map((r, i) => {
      const at = w.at;
      // The same salt as the old path drew, so that the bytes can be compared.
      expect(writeReadingRows(w, r, ends, olds[i].entry.opening!.salt)).toBe("commitment.v1");
      expect(ends[5]).toBe(w.at);
      return [at, ...ends.slice(0, 6)];
    });
    samples.forEach((_, i) => {
      const [at, e0, e1, e2, e3, e4, e5] = written[i];
      const seg = (a: number, b: number) => hex(w.buf.subarray(a, b));
      const p = olds[i];
      expect(p.entry.kind).toBe("commitment.v1");
      expect({ entry: seg(at, e0), leaf: seg(e0, e1), reading: seg(e1, e2), salt: seg(e2, e3), inner: seg(e3, e4), opening: seg(e4, e5) }).toEqual({
        entry: hex(p.entry.bytes),
        leaf: hex(p.entry.copy!),
        reading: hex(p.readingCopy),
        salt: hex(p.entry.opening!.salt),
        inner: hex(p.entry.opening!.entry),
        opening: hex(p.entry.opening!.copy!),
      });
    });
  });

  it("seals each restricted reading under a fresh salt of its own, and the commitment opens to its reading.v1 entry", () => {
    const r: AcceptedReading = { ...base, dataset: "safety.cameras", device: "cam-0001" };
    const w = new ByteWriter(16);
    const ends = [0, 0, 0, 0, 0, 0];
    const opened = [0, 1].map(() => {
      const at = w.at;
      writeReadingRows(w, r, ends);
      const entry = Buffer.from(w.buf.subarray(at, ends[0])).toString("utf8");
      const salt = Buffer.from(w.buf.subarray(ends[2], ends[3]));
      const inner = Buffer.from(w.buf.subarray(ends[3], ends[4]));
      return { commitment: (JSON.parse(entry) as { commitment: string }).commitment, salt, inner };
    });
    expect(opened[0].salt.length).toBe(32);
    expect(opened[0].salt.equals(opened[1].salt)).toBe(false);
    for (const o of opened) {
      expect(o.inner).toEqual(Buffer.from(encodeEntry(readingEntry(r))));
      expect(crypto.hash("sha256", Buffer.concat([o.salt, o.inner]), "hex")).toBe(o.commitment);
    }
  });
});
