import { describe, expect, it } from "vitest";
import { CHUNK_MS, chunkOf, prefetchOrder } from "./use-map-data";

describe("replay chunks fetched ahead", () => {
  const H = 3_600_000;
  const to = Date.UTC(2026, 11, 4, 20, 35);
  const from = to - 24 * H;

  it("covers every chunk of the window but the moment's own, the next one first, then outwards", () => {
    const t = Date.UTC(2026, 11, 4, 9, 10);
    const own = Math.floor(t / CHUNK_MS) * CHUNK_MS;
    const order = prefetchOrder(t, from, to);
    expect(order).not.toContain(own);
    expect(order.slice(0, 4)).toEqual([own + CHUNK_MS, own - CHUNK_MS, own + 2 * CHUNK_MS, own - 2 * CHUNK_MS]);
    const all = new Set<number>();
    for (let s = Math.floor(from / CHUNK_MS) * CHUNK_MS; s < to; s += CHUNK_MS) all.add(s);
    expect(new Set([...order, own])).toEqual(all);
    expect(order.length).toBe(all.size - 1);
  });

  it("asks for the window's clipped edges as chunkOf does", () => {
    const order = prefetchOrder(to - 60_000, from, to);
    const [a] = chunkOf(order[order.length - 1], from, to);
    expect(Date.parse(a)).toBe(from);
  });
});
