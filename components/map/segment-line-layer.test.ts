import { describe, expect, it } from "vitest";
import { segmentLines } from "./segment-line-layer";

describe("segmentLines", () => {
  it("repeats each segment's values for its 4 vertices and keeps the expanded arrays per input array", () => {
    const source = { value: Float64Array.of(1, 2, 0, 3, 4, 0), size: 3 };
    const color = { value: Uint8Array.of(10, 20, 30, 40, 50, 60, 70, 80), size: 4, normalized: true };
    const d = segmentLines({ length: 2, attributes: { getSourcePosition: source, getColor: color } });
    expect(d.length).toBe(8);
    const s = d.attributes.getSourcePosition.value;
    expect(s).toBeInstanceOf(Float64Array);
    expect([...s.subarray(0, 6)]).toEqual([1, 2, 0, 1, 2, 0]);
    expect([...s.subarray(9, 15)]).toEqual([1, 2, 0, 3, 4, 0]);
    expect([...d.attributes.getColor.value.subarray(12, 20)]).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(d.attributes.getColor.normalized).toBe(true);
    // The same geometry gives the same objects (deck.gl's dataComparator keeps the buffers).
    expect(segmentLines({ length: 2, attributes: { getSourcePosition: source } }).attributes.getSourcePosition).toBe(d.attributes.getSourcePosition);
  });
});
