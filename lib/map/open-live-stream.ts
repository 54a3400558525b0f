import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import { getBus, type MapUpdate, type TrafficUpdate } from "../runtime/bus";
import { layerAccess } from "./access-notes";
import { watchMapUpdates } from "./live-poller";

const HEARTBEAT_MS = 15_000;

/** Stream event names per dataset (traffic comes from ingest's own announcement). */
const EVENT_OF: Record<string, string> = { "energy.load": "energy", "safety.incidents": "incidents", "safety.cameras": "cameras" };

/**
 * A server-sent event stream of live map updates the viewer may see: `traffic` batches
 * ({device, segment, speed, ratio, observedAt}) as ingest stores them, and `energy`,
 * `incidents` and `cameras` batches ({dataset, key, device, observedAt, leafIndex,
 * location, values}) as the map's rollup folds them in (about once a second while someone
 * watches). The first event, `access`, carries the access check's notes per dataset.
 * Refused (403) when the viewer may read none of the map's datasets. Ends when the client
 * goes away (signal) and never keeps a listener after that.
 */
export async function openLiveStream(opts: { viewer: Viewer; signal: AbortSignal }): Promise<ReadableStream<Uint8Array>> {
  const db = await getDb();
  const access = await layerAccess(db.sql, opts.viewer, ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras"], { require: true });
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
      const onMap = (batch: MapUpdate[]) => {
        const by = new Map<string, MapUpdate[]>();
        for (const u of batch) {
          const ev = EVENT_OF[u.dataset];
          if (!ev || !access.can(u.dataset)) continue;
          const list = by.get(ev) ?? [];
          list.push(u);
          by.set(ev, list);
        }
        for (const [ev, list] of by) send(`event: ${ev}\ndata: ${JSON.stringify(list)}\n\n`);
      };
      const heartbeat = setInterval(() => send(`: keep-alive\n\n`), HEARTBEAT_MS);
      if (access.can("traffic.flow")) bus.on("traffic", onTraffic);
      bus.on("map-readings", onMap);
      const release = watchMapUpdates(db.sql, getCity(), (e) => console.error(`map live updates: ${e.message}`));
      cleanup = () => {
        clearInterval(heartbeat);
        bus.off("traffic", onTraffic);
        bus.off("map-readings", onMap);
        release();
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
      send(`event: access\ndata: ${JSON.stringify(access.notes)}\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
}
