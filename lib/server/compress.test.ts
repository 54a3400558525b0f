import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressResponse } from "./compress";

// The console's compression (lib/server/compress.ts) in front of a handler, as server.ts puts
// it in front of Next.js: a large JSON body comes back compressed as the client accepts it,
// whole, and in a few large pieces; the event stream is flushed event by event.

// Random bytes as base64, as replay frames are: they compress to about three quarters.
const big = JSON.stringify({ data: randomBytes(3_000_000).toString("base64") });
let server: http.Server;
let base = "";
/** Writes to the socket of the last response, and their bytes. */
let socketWrites = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    compressResponse(req, res);
    if (req.url?.startsWith("/api/stream")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: one\n\n");
      (res as unknown as { flush(): void }).flush();
      setTimeout(() => res.end("data: two\n\n"), 200);
      return;
    }
    const socket = res.socket!;
    const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socketWrites = 0;
    socket.write = ((...a: unknown[]) => {
      socketWrites++;
      return write(...a);
    }) as typeof socket.write;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(big);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The raw response: its encoding, its body and how many pieces it arrived in. */
function get(path: string, acceptEncoding?: string): Promise<{ encoding: string | undefined; body: Buffer; pieces: number; firstAt: number; endAt: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // A socket of its own each time (no keep-alive), so that socketWrites counts this response alone.
    http.get(`${base}${path}`, { agent: false, headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} }, (res) => {
      const parts: Buffer[] = [];
      let firstAt = -1;
      res.on("data", (d: Buffer) => {
        if (firstAt < 0) firstAt = performance.now() - t0;
        parts.push(d);
      });
      res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(parts), pieces: parts.length, firstAt, endAt: performance.now() - t0 }));
    }).on("error", reject);
  });
}

describe("compressResponse", () => {
  it("sends a browser Brotli, a client that asks for gzip gzip, and one that asks for neither the body as it is", async () => {
    const br = await get("/x", "gzip, deflate, br, zstd");
    expect(br.encoding).toBe("br");
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(big);
    const gz = await get("/x", "gzip");
    expect(gz.encoding).toBe("gzip");
    expect(zlib.gunzipSync(gz.body).toString()).toBe(big);
    const plain = await get("/x", "identity");
    expect(plain.encoding).toBeUndefined();
    expect(plain.body.toString()).toBe(big);
  });

  it("hands a large body to the socket in pieces of a megabyte, not zlib's 16 kB", async () => {
    // Each piece zlib hands back is a turn of the server's event loop, written to the socket
    // on its own; the compressed body is several megabytes, so 16 kB pieces would be hundreds.
    const gz = await get("/x", "gzip");
    expect(gz.body.length).toBeGreaterThan(2 << 20);
    // A chunked piece is four writes (its length, CRLF, the bytes, CRLF): about 13 for the
    // three pieces of a megabyte here, against some 700 for pieces of 16 kB.
    const most = (bytes: number) => 4 * (Math.ceil(bytes / (1 << 20)) + 1) + 2;
    expect(socketWrites).toBeGreaterThan(0);
    expect(socketWrites).toBeLessThanOrEqual(most(gz.body.length));
    const br = await get("/x", "br");
    expect(socketWrites).toBeLessThanOrEqual(most(br.body.length));
  });

  it("flushes each event of the live stream as it is written", async () => {
    const res = await get("/api/stream", "gzip, br");
    expect(res.encoding).toBe("br");
    expect(res.pieces).toBeGreaterThanOrEqual(2);
    // The first event arrived before the stream ended, 200 ms later.
    expect(res.endAt - res.firstAt).toBeGreaterThan(150);
    expect(zlib.brotliDecompressSync(res.body).toString()).toBe("data: one\n\ndata: two\n\n");
  });
});
