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
    const ends = [0, 0, 0];
    const written: { entry: string; leaf: string; reading: string }[] = [];
    for (const r of samples) {
      const at = w.at;
      expect(writeReadingRows(w, r, ends)).toBe(true);
      written.push({ entry: hex(w.buf.subarray(at, ends[0])), leaf: hex(w.buf.subarray(ends[0], ends[1])), reading: hex(w.buf.subarray(ends[1], ends[2])) });
      expect(ends[2]).toBe(w.at);
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

  it("leaves a restricted dataset's reading (sealed under a fresh salt) to prepareReadingRows", () => {
    const w = new ByteWriter(16);
    expect(writeReadingRows(w, { ...base, dataset: "safety.cameras" }, [0, 0, 0])).toBe(false);
    expect(w.at).toBe(0);
  });
});
