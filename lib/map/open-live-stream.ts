import type { Viewer } from "../access/viewer";
import { checkRead, requireRawScope } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { getDb } from "../db/client";
import { getBus, type TrafficUpdate } from "../runtime/bus";

const HEARTBEAT_MS = 15_000;

/**
 * A server-sent event stream of live traffic updates for a viewer allowed to read them.
 * Ends when the client goes away (signal) and never keeps a listener after that.
 */
export async function openLiveStream(opts: { viewer: Viewer; signal: AbortSignal }): Promise<ReadableStream<Uint8Array>> {
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, "traffic.flow");
  requireRawScope(basis, "the live traffic stream");
  await recordRead(db.sql, opts.viewer, basis, { action: "stream", count: null, from: new Date() });
  const bus = getBus();
  const enc = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const onTraffic = (batch: TrafficUpdate[]) => send(`event: traffic\ndata: ${JSON.stringify(batch)}\n\n`);
      // Access is checked again at every heartbeat: a revoked grant ends the stream.
      const heartbeat = setInterval(() => {
        checkRead(db.sql, opts.viewer, "traffic.flow").then(
          () => send(`: keep-alive\n\n`),
          () => {
            cleanup();
            try {
              controller.close();
            } catch {
              /* already closed */
            }
          },
        );
      }, HEARTBEAT_MS);
      bus.on("traffic", onTraffic);
      cleanup = () => {
        clearInterval(heartbeat);
        bus.off("traffic", onTraffic);
      };
      opts.signal.addEventListener("abort", () => {
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
      send(`retry: 3000\n: connected\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
}
