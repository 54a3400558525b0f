import { describe, expect, it } from "vitest";
import { readBodyLimited } from "./ingest-http";

const req = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/ingest/readings", { method: "POST", body, headers, duplex: "half" } as RequestInit);

function chunked(n: number, size: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i++ >= n) return c.close();
      c.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
}

describe("readBodyLimited", () => {
  it("reads a body within the limit", async () => {
    const r = await readBodyLimited(req('{"a":1}'), 100);
    expect(r).toMatchObject({ over: false, size: 7 });
    expect(new TextDecoder().decode(r.bytes)).toBe('{"a":1}');
  });
  it("refuses by Content-Length without reading, and stops a stream past the limit", async () => {
    const declared = await readBodyLimited(req("x".repeat(50), { "content-length": "5000" }), 100);
    expect(declared).toMatchObject({ over: true, size: 5000 });
    const streamed = await readBodyLimited(req(chunked(1000, 64)), 1000);
    expect(streamed.over).toBe(true);
    expect(streamed.bytes.length).toBe(1000);
    expect(streamed.size).toBeLessThan(1000 * 64);
  });
});
