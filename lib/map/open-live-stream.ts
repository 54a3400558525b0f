import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import { getBus, type GrantChange, type MapUpdate, type TrafficUpdate } from "../runtime/bus";
import { scopeMapUpdates, scopeTrafficUpdates } from "../access/scoped/map-live";
import { layerAccess, type LayerAccess } from "./access-notes";
import { watchMapUpdates } from "./live-poller";

const HEARTBEAT_MS = 15_000;
/** The longest a timer waits for a grant's end or a data window's edge (setTimeout's limit is about 24 days). */
const MAX_TIMER_MS = 6 * 3_600_000;

/** Stream event names per dataset (traffic comes from ingest's own announcement). */
const EVENT_OF: Record<string, string> = { "energy.load": "energy", "safety.incidents": "incidents", "safety.cameras": "cameras" };
const DATASETS = ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras"];

/** The next moment the viewer's access changes by itself: a grant's end or a data window's edge. */
export function nextAccessEdge(access: Pick<LayerAccess, "basis">, now: number): number | null {
  let next: number | null = null;
  for (const d of DATASETS) {
    const b = access.basis(d);
    if (!b) continue;
    for (const t of [b.validUntil, b.window.from, b.window.until]) {
      const ms = t ? Date.parse(t) : Number.NaN;
      if (Number.isFinite(ms) && ms > now && (next === null || ms < next)) next = ms;
    }
  }
  return next;
}

/**
 * A server-sent event stream of live map updates the viewer may see: `traffic` batches
 * ({device, segment, speed, ratio, observedAt}) as ingest stores them, and `energy`,
 * `incidents` and `cameras` batches ({dataset, key, device, observedAt, leafIndex,
 * location, values}) as the map's rollup folds them in (about once a second while someone
 * watches). Per-device events go only for datasets held raw, each through the basis's terms
 * (lib/access/scoped/map-live: area, data window, fields); datasets held anonymized or
 * aggregated get `cells` events naming the dataset, so the client reloads its cells. Every
 * read is recorded as an access event. The first event, `access`, carries the access
 * check's notes; access is checked again at once when a grant changes (the bus's `grants`
 * event), when a grant ends or a data window opens or closes, and at every heartbeat, and a
 * changed answer is sent as `access`. Refused (403) for a guest who may read nothing. Ends
 * when the client goes away (signal) and never keeps a listener after that.
 */
export async function openLiveStream(opts: { viewer: Viewer; signal: AbortSignal }): Promise<ReadableStream<Uint8Array>> {
  const db = await getDb();
  // A signed-in viewer keeps the stream even with nothing readable: a grant may arrive.
  let access = await layerAccess(db.sql, opts.viewer, DATASETS, { require: opts.viewer.kind !== "user" });
  for (const d of DATASETS) if (access.basis(d)) await access.record(db.sql, d, { action: "stream", count: null, from: new Date() });
  const department = opts.viewer.kind === "user" ? opts.viewer.departmentId : null;
  const bus = getBus();
  const enc = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = () => {
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const onTraffic = (batch: TrafficUpdate[]) => {
        const b = access.basis("traffic.flow");
        if (!b) return;
        if (b.scope !== "raw") return void send(`event: cells\ndata: ${JSON.stringify({ datasets: ["traffic.flow"] })}\n\n`);
        const list = scopeTrafficUpdates(b, batch);
        if (list.length) send(`event: traffic\ndata: ${JSON.stringify(list)}\n\n`);
      };
      const onMap = (batch: MapUpdate[]) => {
        const cells = new Set<string>();
        for (const [dataset, ev] of Object.entries(EVENT_OF)) {
          const b = access.basis(dataset);
          if (!b) continue;
          if (b.scope !== "raw") {
            if (batch.some((u) => u.dataset === dataset)) cells.add(dataset);
            continue;
          }
          const list = scopeMapUpdates(b, batch);
          if (list.length) send(`event: ${ev}\ndata: ${JSON.stringify(list)}\n\n`);
        }
        if (cells.size) send(`event: cells\ndata: ${JSON.stringify({ datasets: [...cells] })}\n\n`);
      };
      // Access is checked again when it may have changed; a changed answer goes to the client.
      let checking: Promise<void> | null = null;
      let again = false;
      let edgeTimer: ReturnType<typeof setTimeout> | null = null;
      const armEdge = () => {
        if (edgeTimer) clearTimeout(edgeTimer);
        const next = nextAccessEdge(access, Date.now());
        edgeTimer = next === null ? null : setTimeout(() => void recheck(), Math.min(MAX_TIMER_MS, next - Date.now() + 50));
      };
      const recheck = (): Promise<void> => {
        if (checking) {
          again = true;
          return checking;
        }
        checking = layerAccess(db.sql, opts.viewer, DATASETS)
          .then(async (a) => {
            const changed = JSON.stringify(a.notes) !== JSON.stringify(access.notes);
            for (const d of DATASETS) if (a.basis(d) && !access.basis(d)) await a.record(db.sql, d, { action: "stream", count: null, from: new Date() });
            access = a;
            if (changed) send(`event: access\ndata: ${JSON.stringify(a.notes)}\n\n`);
            armEdge();
          })
          .catch(() => close())
          .finally(() => {
            checking = null;
            if (again && !closed) {
              again = false;
              void recheck();
            }
          });
        return checking;
      };
      const onGrant = (g: GrantChange) => {
        if (department !== null && g.granteeDepartmentId === department && DATASETS.includes(g.datasetId)) void recheck();
      };
      const heartbeat = setInterval(() => {
        void recheck().then(() => send(`: keep-alive\n\n`));
      }, HEARTBEAT_MS);
      bus.on("traffic", onTraffic);
      bus.on("map-readings", onMap);
      bus.on("grants", onGrant);
      const release = watchMapUpdates(db.sql, getCity(), (e) => console.error(`map live updates: ${e.message}`));
      cleanup = () => {
        clearInterval(heartbeat);
        if (edgeTimer) clearTimeout(edgeTimer);
        bus.off("traffic", onTraffic);
        bus.off("map-readings", onMap);
        bus.off("grants", onGrant);
        release();
      };
      opts.signal.addEventListener("abort", close);
      armEdge();
      send(`retry: 3000\n: connected\n\n`);
      send(`event: access\ndata: ${JSON.stringify(access.notes)}\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
}
