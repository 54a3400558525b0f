import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import { getBus, type MapUpdate, type TrafficUpdate } from "../runtime/bus";
import { layerAccess } from "./access-notes";
import { watchMapUpdates } from "./live-poller";

const HEARTBEAT_MS = 15_000;

/** Stream event names per dataset (traffic comes from ingest's own announcement). */
const EVENT_OF: Record<string, string> = { "energy.load": "energy", "safety.incidents": "incidents", "safety.cameras": "cameras" };
const DATASETS = ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras"];

/**
 * A server-sent event stream of live map updates the viewer may see: `traffic` batches
 * ({device, segment, speed, ratio, observedAt}) as ingest stores them, and `energy`,
 * `incidents` and `cameras` batches ({dataset, key, device, observedAt, leafIndex,
 * location, values}) as the map's rollup folds them in (about once a second while someone
 * watches). Only datasets the viewer may read raw are sent, and every read is recorded as
 * an access event. The first event, `access`, carries the access check's notes per
 * dataset; access is checked again at every heartbeat. Refused (403) when the viewer may
 * read none of the map's datasets raw. Ends when the client goes away (signal) and never
 * keeps a listener after that.
 */
export async function openLiveStream(opts: { viewer: Viewer; signal: AbortSignal }): Promise<ReadableStream<Uint8Array>> {
  const db = await getDb();
  // Live events carry per-device values: only datasets the viewer may read raw are sent.
  let access = await layerAccess(db.sql, opts.viewer, DATASETS, { require: true });
  for (const d of DATASETS) if (access.can(d)) await access.record(db.sql, d, { action: "stream", count: null, from: new Date() });
  const bus = getBus();
  const enc = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const onTraffic = (batch: TrafficUpdate[]) => {
        if (access.can("traffic.flow")) send(`event: traffic\ndata: ${JSON.stringify(batch)}\n\n`);
      };
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
      // Access is checked again at every heartbeat: a revoked grant stops that dataset's
      // events at once, and the stream ends when nothing is left to send.
      const heartbeat = setInterval(() => {
        layerAccess(db.sql, opts.viewer, DATASETS).then(
          (a) => {
            const changed = DATASETS.some((d) => a.can(d) !== access.can(d));
            access = a;
            if (!DATASETS.some((d) => a.can(d))) return close();
            if (changed) send(`event: access\ndata: ${JSON.stringify(a.notes)}\n\n`);
            send(`: keep-alive\n\n`);
          },
          () => close(),
        );
      }, HEARTBEAT_MS);
      bus.on("traffic", onTraffic);
      bus.on("map-readings", onMap);
      const release = watchMapUpdates(db.sql, getCity(), (e) => console.error(`map live updates: ${e.message}`));
      cleanup = () => {
        clearInterval(heartbeat);
        bus.off("traffic", onTraffic);
        bus.off("map-readings", onMap);
        release();
      };
      opts.signal.addEventListener("abort", close);
      send(`retry: 3000\n: connected\n\n`);
      send(`event: access\ndata: ${JSON.stringify(access.notes)}\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
}
