import { randomUUID } from "node:crypto";
import type { Sql } from "../db/sql";
import type { Bus, MapUpdateEvent } from "../events/bus";
import type { Leadership } from "../cluster/leader";
import { viewerOfPrincipal } from "../access/api-keys";
import { ENTITY_TYPES, keyValues, normalized, urn, type EntityType } from "./entities";
import { filterEntities, type EntityFilter } from "./query-entities";
import { parseGeoQuery, parseQ } from "./query";
import { readEntities, recordEntityReads } from "./read-entities";
import { bodyOf, type SubscriptionRow } from "./subscriptions";
import { CONTEXT_PATH } from "./context";

/** The cluster role whose holder alone sends notifications (lib/cluster/leader.ts). */
export const NOTIFY_ROLE = "ngsi-notify";
/** Backoff after the n-th failure in a row: 1 s, 2 s, 4 s … at most 5 minutes. */
export const retryDelayMs = (n: number) => Math.min(300_000, 1000 * 2 ** Math.max(0, n - 1));
const TIMEOUT_MS = 5000;

/** Dataset of a map update → the entity type it changes and that entity's id. */
const TYPE_OF: Record<string, Exclude<EntityType, "Device">> = {
  "traffic.flow": "TrafficFlowObserved", "safety.incidents": "Alert", "energy.load": "ACMeasurement", "safety.cameras": "Camera",
};
/** Reading fields → the attributes they change (watchedAttributes are matched against these). */
const ATTRS_OF: Record<string, string> = {
  speedKmh: "averageVehicleSpeed", flowVehH: "intensity", occupancy: "occupancy", segmentId: "refRoadSegment",
  loadMw: "totalActivePower", utilisation: "utilisation", voltageKv: "voltageKv",
  online: "on", vehiclesPerMin: "vehiclesPerMin", pedestriansPerMin: "pedestriansPerMin", alert: "videoAlert",
  type: "incidentType", severity: "severity", status: "incidentStatus", startedAt: "dateIssued", endedAt: "validTo", lanesBlocked: "lanesBlocked",
};

type Change = { type: EntityType; attrs: Set<string> };

/** The entities a map update changed, with the attributes each changed (dateObserved and location always). */
export function changesOf(ev: MapUpdateEvent): Map<string, Change> {
  const out = new Map<string, Change>();
  for (const u of ev.updates) {
    const type = TYPE_OF[u.dataset];
    if (!type) continue;
    const id = urn(type, type === "Alert" ? u.key : u.device);
    const c = out.get(id) ?? { type, attrs: new Set(["dateObserved", "location"]) };
    for (const k of Object.keys(u.values)) c.attrs.add(ATTRS_OF[k] ?? k);
    out.set(id, c);
    // The device that sent it reported a value.
    out.set(urn("Device", u.device), { type: "Device", attrs: new Set(["dateLastValueReported"]) });
  }
  return out;
}

/** Whether a change concerns a subscription (entities by type and id; watchedAttributes). */
export function concerns(sub: ReturnType<typeof bodyOf>, id: string, c: Change): boolean {
  if (sub.entities && !sub.entities.some((e) => e.type === c.type && (!e.id || e.id === id))) return false;
  if (sub.watchedAttributes && !sub.watchedAttributes.some((a) => c.attrs.has(a))) return false;
  return true;
}

export type Notifier = { stop(): Promise<void>; /** Runs one round now (tests). */ tick(): Promise<void> };

/**
 * Sends NGSI-LD notifications. Every process hears each `map-update` on the bus (lib/events/bus.ts),
 * but only the holder of NOTIFY_ROLE queues its changes, so each is notified by exactly one
 * process. Every `intervalMs` the holder sends, per subscription with queued entities whose
 * throttling period and retry backoff have passed, one Notification with the entities as the
 * subscription's maker may read them now (the same access check and scoped read as a request;
 * q and geoQ applied; the read is in the access log as ngsi.notify). A failed POST (network
 * error, timeout, non-2xx) is counted, shown in the subscription (notification.status failed,
 * timesFailed, lastFailure, lastFailureReason) and retried with the current state after
 * 1 s, 2 s, 4 s … (at most 5 minutes). Queued changes live in the holder's memory: a new
 * holder starts with an empty queue.
 */
export function startNgsiNotifier(opts: { sql: Sql; bus: Bus; leadership: Leadership; log: (m: string) => void; intervalMs?: number; fetch?: typeof fetch; origin?: string }): Notifier {
  const { sql, bus, leadership, log } = opts;
  const send = opts.fetch ?? fetch;
  let pending = new Map<string, Change>();
  const queued = new Map<string, Set<string>>();
  const onUpdate = (ev: MapUpdateEvent) => {
    if (!leadership.holds(NOTIFY_ROLE)) return;
    for (const [id, c] of changesOf(ev)) {
      const cur = pending.get(id);
      if (cur) for (const a of c.attrs) cur.attrs.add(a);
      else pending.set(id, c);
    }
  };
  bus.on("map-update", onUpdate);

  async function notifyOne(r: SubscriptionRow, ids: Set<string>, now: Date): Promise<void> {
    const b = bodyOf(r);
    const viewer = await viewerOfPrincipal(sql, r.principal);
    const types = [...new Set(b.entities?.map((e) => e.type) ?? ENTITY_TYPES)].filter((t): t is EntityType => (ENTITY_TYPES as readonly string[]).includes(t));
    const filter: EntityFilter = {
      types,
      ids,
      q: b.q !== undefined ? parseQ(b.q) : null,
      geo: b.geoQ ? parseGeoQuery({ ...b.geoQ, coordinates: typeof b.geoQ.coordinates === "string" ? b.geoQ.coordinates : JSON.stringify(b.geoQ.coordinates) }) : null,
      attrs: null,
    };
    const { entities, bases } = await readEntities(sql, viewer, types, now);
    const data = filterEntities(entities, filter);
    queued.delete(r.id);
    if (!data.length) return;
    await recordEntityReads(sql, viewer, bases, data, "ngsi.notify", now);
    const show = b.notification.format === "keyValues" ? keyValues : normalized;
    const ld = b.notification.endpoint.accept === "application/ld+json";
    const payload = {
      id: `urn:ngsi-ld:Notification:${randomUUID()}`,
      type: "Notification",
      subscriptionId: r.id,
      notifiedAt: now.toISOString(),
      data: data.map((e) => show(e, b.notification.attributes?.length ? b.notification.attributes : null)),
      ...(ld && opts.origin ? { "@context": `${opts.origin}${CONTEXT_PATH}` } : {}),
    };
    let failure: string | null = null;
    try {
      const res = await send(b.notification.endpoint.uri, {
        method: "POST",
        headers: { "content-type": ld ? "application/ld+json" : "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) failure = `endpoint answered ${res.status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      failure = `endpoint unreachable: ${err.cause?.code ?? err.name ?? "error"}`;
    }
    if (failure === null) {
      await sql.query(
        `UPDATE ngsi_subscription SET times_sent = times_sent + 1, consecutive_failures = 0, last_notification = $2, last_success = $2, next_retry_at = NULL WHERE id = $1`,
        [r.id, now.toISOString()],
      );
      return;
    }
    queued.set(r.id, new Set([...(queued.get(r.id) ?? []), ...ids]));
    const n = r.consecutive_failures + 1;
    await sql.query(
      `UPDATE ngsi_subscription SET times_failed = times_failed + 1, consecutive_failures = $3, last_notification = $2, last_failure = $2,
              last_failure_reason = $4, next_retry_at = $5 WHERE id = $1`,
      [r.id, now.toISOString(), n, failure, new Date(now.getTime() + retryDelayMs(n)).toISOString()],
    );
    log(`ngsi-ld: notification of ${r.id} failed (${failure}); retry ${n} in ${retryDelayMs(n) / 1000} s`);
  }

  let term = 0;
  async function tick(t = term): Promise<void> {
    if (t !== term) {
      // A new term: another process may have held the role; what it queued is its own.
      term = t;
      queued.clear();
    }
    const changes = pending;
    pending = new Map();
    const subs = await sql.query<SubscriptionRow>(`SELECT * FROM ngsi_subscription WHERE status = 'active' ORDER BY id`);
    const now = new Date();
    for (const r of subs) {
      const b = bodyOf(r);
      for (const [id, c] of changes) {
        if (!concerns(b, id, c)) continue;
        const q = queued.get(r.id) ?? new Set<string>();
        q.add(id);
        queued.set(r.id, q);
      }
      const ids = queued.get(r.id);
      if (!ids?.size) continue;
      if (r.next_retry_at && new Date(r.next_retry_at) > now) continue;
      if (b.throttling && r.last_notification && new Date(r.last_notification).getTime() + b.throttling * 1000 > now.getTime()) continue;
      try {
        await notifyOne(r, ids, now);
      } catch (e) {
        log(`ngsi-ld: notification of ${r.id} not sent: ${(e as Error).message}`);
      }
    }
  }

  const stopJob = leadership.every(NOTIFY_ROLE, opts.intervalMs ?? 500, (t) => tick(t), (e) => log(`ngsi-ld notifier failed: ${e.message}`));
  return {
    async stop() {
      bus.off("map-update", onUpdate);
      await stopJob();
    },
    tick: () => tick(term),
  };
}
