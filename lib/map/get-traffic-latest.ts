import type { Viewer } from "../access/viewer";
import { accessInfo, checkRead, requireRawScope } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { scopedLatestRows } from "../access/scoped/map-latest";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import { inBbox } from "./traffic-index";
import { trafficSet } from "./registry-sensors";

const DEFAULT_WINDOW_MS = 15 * 60_000;

/**
 * The latest reading of each traffic sensor in the window, with its speed ratio to free flow,
 * as the viewer's raw basis allows (area, data window, fields: a withheld value is null).
 */
export async function getTrafficLatest(opts: { viewer: Viewer; bbox?: [number, number, number, number]; since?: string }) {
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, "traffic.flow");
  requireRawScope(basis, "the live traffic view");
  const since = opts.since ? new Date(opts.since) : new Date(Date.now() - DEFAULT_WINDOW_MS);
  const { byId } = await trafficSet(db.sql, getCity());
  // Readings observed at or after `since`: the window starts a millisecond before it.
  const rows = await scopedLatestRows(db.sql, basis, { from: new Date(since.getTime() - 1), to: new Date(Date.now() + 5 * 60_000) }, { live: false });
  const opt = (v: unknown) => (v === undefined || v === null ? null : Number(v));
  const readings = [];
  for (const r of rows) {
    const s = byId.get(r.device_id);
    if (!s || !inBbox(s.position, opts.bbox)) continue;
    const speed = opt(r.payload.speedKmh);
    readings.push({
      device: r.device_id,
      speed,
      ratio: speed === null ? null : Math.round((speed / s.freeFlowKmh) * 1000) / 1000,
      flow: opt(r.payload.flowVehH),
      occupancy: opt(r.payload.occupancy),
      observedAt: r.observed_at.toISOString(),
      leafIndex: r.leaf_index,
    });
  }
  await recordRead(db.sql, opts.viewer, basis, { action: "traffic.latest", count: readings.length, from: since });
  return { readings, access: accessInfo(basis) };
}
