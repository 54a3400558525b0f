import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import { getBus, type GrantChange, type MapUpdate, type MapUpdateEvent } from "../events/bus";
import { scopeMapUpdates, scopeTrafficUpdates, type TrafficUpdate } from "../access/scoped/map-live";
import type { LiveMapUpdate, LiveReading } from "../api/map-specs";
import { mapModel } from "./map-features";
import { layerAccess, type LayerAccess } from "./access-notes";
import { segmentsOf, trafficSet, trafficSetNow } from "./registry-sensors";
import type { Sql } from "../db/sql";

const HEARTBEAT_MS = 15_000;
/** The longest a timer waits for a grant's end or a data window's edge (setTimeout's limit is about 24 days). */
const MAX_TIMER_MS = 6 * 3_600_000;

/** The map-update event's key per dataset held raw (traffic has its own, see below). */
const KEY_OF: Record<string, "energy" | "incidents" | "cameras"> = { "energy.load": "energy", "safety.incidents": "incidents", "safety.cameras": "cameras" };
const DATASETS = ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras", "reports.citizen"];

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
 * A server-sent event stream of live map updates the viewer may see: one `map-update` event
 * per commit (the bus's map-update, from whichever console process committed it; see
 * LiveMapUpdate) carrying every layer's changed values: `traffic` ({device, segment, speed,
 * ratio, observedAt}) and `energy`, `incidents` and `cameras` ({dataset, key, device,
 * observedAt, leafIndex, location, values}), which the browser patches in place. Per-device
 * values go only for datasets held raw, each through the basis's terms
 * (lib/access/scoped/map-live: area, data window, fields); datasets held anonymized or
 * aggregated are named in `cells`, so the client reloads its cells. Every read is recorded
 * as an access event. The first event, `access`, carries the access check's notes; access
 * is checked again at once when a grant changes (the bus's `grants` event), when a grant
 * ends or a data window opens or closes, and at every heartbeat, and a changed answer is
 * sent as `access`. Refused (403) for a guest who may read nothing. Ends when the client
 * goes away (signal) and never keeps a listener after that.
 */
/** Traffic readings of a map update as the map draws them: speed and its ratio to the segment's free flow. */
function trafficUpdates(updates: readonly MapUpdate[], sql: Sql): TrafficUpdate[] {
  const city = getCity();
  const byId = trafficSetNow(city).byId;
  const out: TrafficUpdate[] = [];
  let unknown = false;
  for (const u of updates) {
    if (u.dataset !== "traffic.flow") continue;
    const speed = Number(u.values.speedKmh ?? u.values.speed);
    let s: { segment: string; freeFlowKmh: number } | undefined = byId.get(u.device);
    if (!s) {
      unknown = true;
      // Placed by this very fold (lib/map/rollup.ts): on the segment its reading names.
      const seg = typeof u.values.segmentId === "string" ? segmentsOf(city).get(u.values.segmentId) : undefined;
      s = seg && { segment: seg.id, freeFlowKmh: seg.freeFlowKmh };
    }
    if (!s || !Number.isFinite(speed)) continue;
    out.push({ device: u.device, segment: s.segment, speed, ratio: Math.round((speed / s.freeFlowKmh) * 1000) / 1000, observedAt: u.observedAt });
  }
  // A registered device the rollup has just placed on a segment: this process reads the sensors
  // again, and the browser, seeing a device its features lack, fetches them again.
  if (unknown) void trafficSet(sql, city).catch(() => {});
  return out;
}

/** A feeder reading with the cells its load is spread over (the browser patches their loads by the change). */
function withCellShares(u: MapUpdate): LiveReading {
  if (u.values.meter !== "feeder" || u.values.loadMw === undefined) return u;
  const m = mapModel(getCity());
  const fi = m.feederByMeter.get(u.device);
  if (fi === undefined) return u;
  const shares = m.feederCells.get(m.energy.feeders.ids[fi]) ?? [];
  return { ...u, cellShares: shares.map(([c, share]) => [m.energy.cells.ids[c], share]) };
}

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
      const onMap = (ev: MapUpdateEvent) => {
        const out: LiveMapUpdate = {};
        const cells = new Set<string>();
        for (const dataset of DATASETS) {
          const b = access.basis(dataset);
          if (!b) continue;
          if (b.scope !== "raw") {
            if (ev.updates.some((u) => u.dataset === dataset)) cells.add(dataset);
            continue;
          }
          if (dataset === "traffic.flow") {
            const list = scopeTrafficUpdates(b, trafficUpdates(ev.updates, db.sql));
            if (list.length) out.traffic = list;
            continue;
          }
          // reports.citizen changes reach the map as `reload` (onCitizen below), not as readings.
          if (!KEY_OF[dataset]) continue;
          const list = scopeMapUpdates(b, ev.updates);
          if (list.length) out[KEY_OF[dataset]] = dataset === "energy.load" ? list.map(withCellShares) : list;
        }
        if (cells.size) out.cells = [...cells];
        if (Object.keys(out).length) send(`event: map-update\ndata: ${JSON.stringify(out)}\n\n`);
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
      // A citizen report joined or left the safety layer's incidents (a safety category: viewers
      // of raw incidents fetch that layer again, whose answer applies reports.citizen's own
      // access check) or the citizen-reports layer (any other: viewers who may read
      // reports.citizen fetch it again).
      const onCitizen = (e: { safety: boolean }) => {
        const reload: LiveMapUpdate["reload"] = e.safety
          ? access.basis("safety.incidents")?.scope === "raw" ? ["safety"] : []
          : access.basis("reports.citizen") ? ["citizen"] : [];
        if (reload.length) send(`event: map-update\ndata: ${JSON.stringify({ reload } satisfies LiveMapUpdate)}\n\n`);
      };
      const onGrant = (g: GrantChange) => {
        if (department !== null && g.granteeDepartmentId === department && DATASETS.includes(g.datasetId)) void recheck();
      };
      const heartbeat = setInterval(() => {
        void recheck().then(() => send(`: keep-alive\n\n`));
      }, HEARTBEAT_MS);
      bus.on("map-update", onMap);
      bus.on("grants", onGrant);
      bus.on("citizen-incidents", onCitizen);
      cleanup = () => {
        clearInterval(heartbeat);
        if (edgeTimer) clearTimeout(edgeTimer);
        bus.off("map-update", onMap);
        bus.off("grants", onGrant);
        bus.off("citizen-incidents", onCitizen);
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
