import { describe, expect, it } from "vitest";
import { encodeEntry } from "../ledger/entries";
import { readingEntries, readingEntry, type AcceptedReading } from "./store-readings";

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
