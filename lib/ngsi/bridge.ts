/**
 * The NGSI-LD bridge (`npm run ngsi:bridge`): entities from a department's broker (paged
 * GET /ngsi-ld/v1/entities) or a file become readings of the console, each signed by its
 * source device's key (kept in a local key file, the device registered on the console when
 * new) and forwarded in batches signed by a registered edge gateway of the department, through
 * the console's ingest API.
 */
import fs from "node:fs";
import type { CityModel } from "../city/types";
import { DATASETS } from "../city/datasets";
import { signEnvelope, type SignedEnvelope } from "../ingest/envelope";
import { signGatewayBatch } from "../ingest/gateway";
import type { ConsoleSession } from "../sim/console-session";
import { postIngest } from "../sim/post-ingest";
import { ensureDevicesRegistered, type DeviceKeyFile, type GatewayKey } from "../sim/recorded-devices";
import { segmentSnapper, SNAP_RADIUS_M } from "../sim/replay-readings";
import { BRIDGED_TYPES, deviceIdOfEntity, readingOfEntity, type EntityReading } from "./entity-readings";

/** A source that cannot be read (the CLI exits 2). */
export class BridgeSourceError extends Error {}

/** Readings per gateway batch. */
const BATCH = 500;

/**
 * Reads the entities of a file: a JSON array (what GET /ngsi-ld/v1/entities answers), one
 * entity object, or NDJSON (an entity a line).
 */
export function readEntityFile(file: string): unknown[] {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(fs.readFileSync(file));
  } catch (e) {
    throw new BridgeSourceError(`${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? "not UTF-8 text"}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v : [v];
  } catch {
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    try {
      return lines.map((l) => JSON.parse(l) as unknown);
    } catch (e) {
      throw new BridgeSourceError(`${file} is neither a JSON array of entities nor NDJSON: ${(e as Error).message}`);
    }
  }
}

/** The entities URL of a broker: the URL itself when it names …/ngsi-ld/v1/entities, else that path under it. */
export function entitiesUrl(from: string, types: readonly string[], pageSize: number): URL {
  const u = new URL(from);
  if (!/\/ngsi-ld\/v1\/entities\/?$/.test(u.pathname)) u.pathname = u.pathname.replace(/\/+$/, "") + "/ngsi-ld/v1/entities";
  if (!u.searchParams.has("type")) u.searchParams.set("type", types.join(","));
  u.searchParams.set("limit", String(pageSize));
  return u;
}

/**
 * Pages through GET /ngsi-ld/v1/entities of a broker: follows the Link rel="next" header when
 * the broker gives one, else offset paging until a short page. `headers` go with each request
 * (e.g. the broker's API key).
 */
export async function fetchBrokerEntities(from: string, opts: { types?: readonly string[]; pageSize?: number; headers?: Record<string, string>; maxPages?: number } = {}): Promise<unknown[]> {
  const pageSize = opts.pageSize ?? 100;
  let url: URL | null = entitiesUrl(from, opts.types ?? Object.keys(BRIDGED_TYPES), pageSize);
  const out: unknown[] = [];
  for (let page = 0; url && page < (opts.maxPages ?? 10_000); page++) {
    if (!url.searchParams.has("offset")) url.searchParams.set("offset", "0");
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: "application/json", ...opts.headers } });
    } catch (e) {
      throw new BridgeSourceError(`GET ${url.href}: ${(e as Error).message}${(e as { cause?: { code?: string } }).cause?.code ? ` (${(e as { cause: { code: string } }).cause.code})` : ""}`);
    }
    const text = await res.text();
    if (res.status !== 200) {
      let detail = text.slice(0, 200);
      try {
        const p = JSON.parse(text) as { title?: string; detail?: string };
        detail = [p.title, p.detail].filter(Boolean).join(": ") || detail;
      } catch {
        // not ProblemDetails
      }
      throw new BridgeSourceError(`GET ${url.href}: ${res.status} ${detail}`);
    }
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      throw new BridgeSourceError(`GET ${url.href}: the answer is not JSON`);
    }
    if (!Array.isArray(items)) throw new BridgeSourceError(`GET ${url.href}: the answer is not an array of entities`);
    out.push(...(items as unknown[]));
    const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(res.headers.get("link") ?? "");
    if (next) url = new URL(next[1], url);
    else if (items.length < pageSize) url = null;
    else {
      const u: URL = new URL(url);
      u.searchParams.set("offset", String(Number(u.searchParams.get("offset") ?? 0) + items.length));
      url = u;
    }
  }
  return out;
}

export type BridgeOptions = {
  session: ConsoleSession;
  gateway: GatewayKey;
  keys: DeviceKeyFile;
  entities: readonly unknown[];
  city: CityModel;
  /** Prepended to the entity id (without urn:ngsi-ld:) to make its device id (default "ngsi-"). */
  idPrefix?: string;
  log?: (line: string) => void;
};

export type BridgeReport = {
  entities: number;
  registered: string[];
  accepted: number;
  duplicates: number;
  /** Entities not forwarded or refused by the console: which (id, or #index in the source) and why. */
  notStored: { entity: string; reason: string }[];
};

/**
 * Forwards the entities once. A reading's seq is its observation time in epoch milliseconds,
 * so an entity read again unchanged (a broker polled twice) is acknowledged as already held.
 */
export async function bridgeEntities(o: BridgeOptions): Promise<BridgeReport> {
  const prefix = o.idPrefix ?? "ngsi-";
  const log = o.log ?? (() => {});
  const report: BridgeReport = { entities: o.entities.length, registered: [], accepted: 0, duplicates: 0, notStored: [] };
  const snap = segmentSnapper(o.city);
  const ownerOf = new Map<string, string>(DATASETS.map((d) => [d.id, d.departmentId]));
  const mapped: (EntityReading & { device: string; segment: string })[] = [];
  o.entities.forEach((raw, i) => {
    const r = readingOfEntity(raw);
    if ("skip" in r) {
      report.notStored.push({ entity: r.entityId ?? `#${i}`, reason: r.skip });
      return;
    }
    const e = r.reading;
    if (ownerOf.get(e.datasetId) !== o.gateway.departmentId) {
      report.notStored.push({ entity: e.entityId, reason: `${e.datasetId} belongs to department ${ownerOf.get(e.datasetId)}, and gateway ${o.gateway.id} forwards department ${o.gateway.departmentId}'s datasets` });
      return;
    }
    const device = deviceIdOfEntity(e.entityId, prefix);
    if (!device) {
      report.notStored.push({ entity: e.entityId, reason: "its id does not make a device id (letters, digits, . _ : - only, at most 128)" });
      return;
    }
    const segment = e.segmentId ?? snap(e.location);
    if (!segment) {
      report.notStored.push({ entity: e.entityId, reason: `no refRoadSegment and no road of the city model within ${SNAP_RADIUS_M} m` });
      return;
    }
    mapped.push({ ...e, device, segment });
  });

  const firstOf = new Map<string, (typeof mapped)[number]>();
  for (const m of mapped) if (!firstOf.has(m.device)) firstOf.set(m.device, m);
  const { ready, registered, unusable } = await ensureDevicesRegistered(
    o.session,
    o.keys,
    [...firstOf.values()].map((m) => ({ id: m.device, departmentId: o.gateway.departmentId, datasetId: m.datasetId, kind: "traffic-sensor", location: m.location, segmentId: m.segment, reason: `NGSI-LD entity ${m.entityId} via gateway ${o.gateway.id}` })),
  );
  report.registered = registered;
  if (registered.length) log(`registered ${registered.length} device(s): ${registered.slice(0, 5).join(", ")}${registered.length > 5 ? ", …" : ""}`);

  const signed: { entity: string; reading: SignedEnvelope }[] = [];
  for (const m of mapped) {
    const signer = ready.get(m.device);
    if (!signer) {
      report.notStored.push({ entity: m.entityId, reason: `device ${m.device} cannot be used: ${unusable.get(m.device) ?? "not registered"}` });
      continue;
    }
    const seq = Date.parse(m.observedAt);
    signed.push({ entity: m.entityId, reading: signEnvelope({ device: m.device, dataset: m.datasetId, seq, observedAt: m.observedAt, location: m.location, values: { segmentId: m.segment, ...m.values } }, signer.sign) });
  }
  for (let i = 0; i < signed.length; i += BATCH) {
    const chunk = signed.slice(i, i + BATCH);
    const outs = await postIngest(o.session, { batch: signGatewayBatch(o.gateway.id, chunk.map((c) => c.reading), o.gateway.signer.sign) });
    outs.forEach((out, k) => {
      if (out.status === "accepted") {
        if (out.duplicate) report.duplicates++;
        else report.accepted++;
      } else report.notStored.push({ entity: chunk[k].entity, reason: `refused by the console (${out.reason}): ${out.message}` });
    });
    log(`forwarded ${Math.min(i + BATCH, signed.length)}/${signed.length} through gateway ${o.gateway.id}: stored ${report.accepted}, already held ${report.duplicates}`);
  }
  return report;
}
