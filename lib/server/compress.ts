import type http from "node:http";
import { Duplex } from "node:stream";
import zlib from "node:zlib";
import compression from "compression";

/**
 * The console's response compression, in place of Next.js's own (`compress: false` in
 * next.config.js), which runs the same middleware with zlib's defaults.
 *
 * zlib compresses on libuv's pool and hands its output back in pieces of `chunkSize` bytes,
 * each a callback on the console's one thread. With the default 16 kB, the 24 h traffic
 * replay of a size-10 city (11.1 MB of JSON, 6.0 MB compressed) came back in about 370 turns
 * of an event loop busy with live ingest and PGlite, and took 13.6–41 s to arrive while its
 * handler had answered in 1.5–2.4 s (1.5–3.2 s for the same request uncompressed). Pieces of
 * 1 MB make that a handful of turns.
 *
 * Browsers accept Brotli, which the middleware prefers. On that body Brotli took 62 ms at
 * quality 1 against 356 ms at the middleware's default 4 (6.25 against 5.99 MB), and gzip
 * 273 ms at level 1 (6.16 MB) against 552 ms at zlib's default 6; on MapLibre's script
 * Brotli 1 gave 316 kB in 6 ms. CPU, not the network, is what a console on two cores runs
 * short of, so both run at their fastest level.
 *
 * The live event stream keeps small pieces: each event is flushed on its own, and a stream
 * stays open for as long as a map is, so it should not hold a megabyte.
 */
const fast = { level: 1, brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } } };
const whole = compression({ ...fast, chunkSize: 1 << 20, brotli: { ...fast.brotli, chunkSize: 1 << 20 } });
const streamed = compression(fast);

/** Paths whose responses are long-lived streams of small flushed events. */
const isEventStream = (url: string | undefined) => url === "/api/stream" || !!url?.startsWith("/api/stream?");

export function compressResponse(req: http.IncomingMessage, res: http.ServerResponse): void {
  (isEventStream(req.url) ? streamed : whole)(req as never, res as never, () => {});
  // A client that goes away before the end leaves the middleware's zlib stream open, and
  // it leaks (Next.js's router releases it the same way, release-compression-stream.js):
  // the middleware's `on("drain")` returns its zlib stream.
  res.once("close", () => {
    if (res.writableFinished) return;
    const noop = () => {};
    const stream = res.on("drain", noop) as unknown;
    if (stream === res || !(stream instanceof Duplex)) {
      res.off("drain", noop);
      return;
    }
    stream.destroy();
  });
}
