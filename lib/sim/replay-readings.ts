/**
 * replayReadings: plays recorded traffic readings into a running console as their sensors
 * would have sent them: each sensor a registered device with its own key, each row a reading
 * signed by it, posted through the console's ingest API (POST /api/ingest/batch) at a chosen
 * multiple of the recorded pace. The ledger, provenance and map see them as any device's
 * readings; each keeps its recorded place and, signed in values.recordedAt, its recorded time.
 */
import { GridIndex, makeProjection, type CityModel, type XY } from "../city";
import { signEnvelope } from "../ingest/envelope";
import type { ConsoleSession } from "./console-session";
import { ensureDevicesRegistered, type DeviceKeyFile } from "./recorded-devices";
import { postIngest, sleep } from "./post-ingest";
import type { BadRow, ReplayRow } from "./replay-csv";

/** How far from a road of the city model a reading without a segment column may be. */
export const SNAP_RADIUS_M = 150;
/** Most readings one POST carries. */
const POST_READINGS = 500;

/** The nearest road segment (by its polyline's vertices) within SNAP_RADIUS_M of a point, or null. */
export function segmentSnapper(city: CityModel): (lonLat: [number, number]) => string | null {
  const proj = makeProjection(city.center);
  const points: XY[] = [];
  const segOf: string[] = [];
  for (const s of city.network.segments) {
    for (const p of s.geometry) {
      points.push(proj.toXY(p));
      segOf.push(s.id);
    }
  }
  const grid = new GridIndex(points, 250);
  return (lonLat) => {
    const [x, y] = proj.toXY(lonLat);
    const i = grid.nearest(x, y, SNAP_RADIUS_M);
    return i < 0 ? null : segOf[i];
  };
}

export type ReplayOptions = {
  session: ConsoleSession;
  keys: DeviceKeyFile;
  rows: readonly ReplayRow[];
  city: CityModel;
  /** Recorded seconds played per wall-clock second; Infinity sends as fast as the console takes them. */
  speed: number;
  /** Prepended to each sensor's id to make its device id (default "rec-"). */
  idPrefix?: string;
  departmentId?: string;
  datasetId?: string;
  /**
   * "now" (default): each reading is observed when it is played, and carries the time it was
   * recorded in values.recordedAt (signed with the rest), so the day plays live on the map and
   * devices registered today may send it. "recorded": observedAt is the recorded time (the
   * console refuses readings dated before their device's registration, so this suits devices
   * registered before the recording).
   */
  time?: "now" | "recorded";
  log?: (line: string) => void;
};

export type ReplayReport = {
  /** Devices registered by this run. */
  registered: string[];
  sent: number;
  /** Readings stored now. */
  accepted: number;
  /** Readings the console already held (a run repeated, or a resend after a lost answer). */
  duplicates: number;
  /** Rows not stored, with their line numbers and why (refused by the console or unusable here). */
  refused: BadRow[];
};

/**
 * Replays the rows (sorted by time). Each sensor becomes device `<idPrefix><sensor>` of the
 * traffic department's traffic.flow dataset, registered at its first row's place when the
 * console does not know it yet. A reading's seq is its observed time in epoch milliseconds
 * (at least one above the device's previous), so with time "recorded" a second run of the
 * same file sends the same readings and the console acknowledges them as duplicates. The first
 * row is sent at once; each later one when (its time − the first's) / speed has passed.
 */
export async function replayReadings(o: ReplayOptions): Promise<ReplayReport> {
  const prefix = o.idPrefix ?? "rec-";
  const departmentId = o.departmentId ?? "traffic";
  const datasetId = o.datasetId ?? "traffic.flow";
  const log = o.log ?? (() => {});
  const timeMode = o.time ?? "now";
  const report: ReplayReport = { registered: [], sent: 0, accepted: 0, duplicates: 0, refused: [] };

  const snap = segmentSnapper(o.city);
  const placed: (ReplayRow & { segmentId: string })[] = [];
  for (const r of o.rows) {
    const segmentId = r.segment ?? snap(r.location);
    if (segmentId) placed.push({ ...r, segmentId });
    else report.refused.push({ line: r.line, reason: `no road of the city model within ${SNAP_RADIUS_M} m of (${r.location[1]}, ${r.location[0]}); give a segment column or replay onto the city the feed was recorded in` });
  }

  const firstOf = new Map<string, ReplayRow & { segmentId: string }>();
  for (const r of placed) if (!firstOf.has(r.sensor)) firstOf.set(r.sensor, r);
  const { ready, registered, unusable } = await ensureDevicesRegistered(
    o.session,
    o.keys,
    [...firstOf.values()].map((r) => ({ id: prefix + r.sensor, departmentId, datasetId, kind: "traffic-sensor", location: r.location, segmentId: r.segmentId, reason: "recorded sensor (readings:replay)" })),
  );
  report.registered = registered;
  if (registered.length) log(`registered ${registered.length} device(s): ${registered.slice(0, 5).join(", ")}${registered.length > 5 ? ", …" : ""}`);
  for (const [id, why] of unusable) log(`device ${id} cannot be used: ${why}`);

  const toSend: { line: number; at: number; device: string; sign: (m: Uint8Array) => Uint8Array; location: [number, number]; values: Record<string, string | number>; recordedAt: string }[] = [];
  for (const r of placed) {
    const id = prefix + r.sensor;
    const signer = ready.get(id);
    if (!signer) {
      report.refused.push({ line: r.line, reason: `device ${id} cannot be used: ${unusable.get(id) ?? "not registered"}` });
      continue;
    }
    const values: Record<string, string | number> = { segmentId: r.segmentId, speedKmh: r.speedKmh };
    if (r.flowVehH !== undefined) values.flowVehH = r.flowVehH;
    if (r.occupancy !== undefined) values.occupancy = r.occupancy;
    toSend.push({ line: r.line, at: Date.parse(r.observedAt), device: id, sign: signer.sign, location: r.location, values, recordedAt: r.observedAt });
  }

  const lastSeq = new Map<string, number>();
  const t0 = performance.now();
  const first = toSend[0]?.at ?? 0;
  for (let i = 0; i < toSend.length; ) {
    const due = first + (Number.isFinite(o.speed) ? (performance.now() - t0) * o.speed : Infinity);
    if (toSend[i].at > due) {
      await sleep(Math.min(1000, (toSend[i].at - due) / o.speed));
      continue;
    }
    const chunk: typeof toSend = [];
    while (i < toSend.length && chunk.length < POST_READINGS && toSend[i].at <= due) chunk.push(toSend[i++]);
    const playedAt = Date.now();
    const lines = chunk.map((c) => {
      let observedAt = c.recordedAt, seq = c.at, values = c.values;
      if (timeMode === "now") {
        observedAt = new Date(playedAt).toISOString();
        seq = Math.max((lastSeq.get(c.device) ?? 0) + 1, playedAt);
        lastSeq.set(c.device, seq);
        values = { ...c.values, recordedAt: c.recordedAt };
      }
      return JSON.stringify(signEnvelope({ device: c.device, dataset: datasetId, seq, observedAt, location: c.location, values }, c.sign));
    });
    const outs = await postIngest(o.session, { ndjson: lines });
    report.sent += chunk.length;
    outs.forEach((out, k) => {
      if (out.status === "accepted") {
        if (out.duplicate) report.duplicates++;
        else report.accepted++;
      } else report.refused.push({ line: chunk[k].line, reason: `refused by the console (${out.reason}): ${out.message}` });
    });
    log(`recorded ${chunk[chunk.length - 1].recordedAt}  sent ${report.sent}/${toSend.length}  stored ${report.accepted}  already held ${report.duplicates}  refused ${report.refused.length}`);
  }
  report.refused.sort((a, b) => a.line - b.line);
  return report;
}
