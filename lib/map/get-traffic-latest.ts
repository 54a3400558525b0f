import type { Viewer } from "../access/viewer";
import { accessInfo, checkRead, requireRawScope } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { scopeConditions } from "../access/scope-sql";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import { inBbox, trafficIndex } from "./traffic-index";

const DEFAULT_WINDOW_MS = 15 * 60_000;

/** The latest reading of each traffic sensor in the window, with its speed ratio to free flow. */
export async function getTrafficLatest(opts: { viewer: Viewer; bbox?: [number, number, number, number]; since?: string }) {
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, "traffic.flow");
  requireRawScope(basis, "the live traffic view");
  const since = opts.since ? new Date(opts.since) : new Date(Date.now() - DEFAULT_WINDOW_MS);
  const params: unknown[] = [since.toISOString()];
  const scoped = scopeConditions(basis, params, "reading").map((c) => ` AND ${c}`).join("");
  const rows = await db.sql.query<{
    device_id: string;
    observed_at: Date;
    speed: number;
    flow: number;
    occupancy: number;
    leaf_index: number;
  }>(
    `SELECT DISTINCT ON (device_id) device_id, observed_at,
            (payload->>'speedKmh')::float8 AS speed, (payload->>'flowVehH')::float8 AS flow,
            (payload->>'occupancy')::float8 AS occupancy, leaf_index
       FROM reading
      WHERE dataset_id = 'traffic.flow' AND observed_at >= $1${scoped}
      ORDER BY device_id, observed_at DESC`,
    params,
  );
  const { byId } = trafficIndex(getCity());
  const readings = [];
  for (const r of rows) {
    const s = byId.get(r.device_id);
    if (!s || !inBbox(s.position, opts.bbox)) continue;
    readings.push({
      device: r.device_id,
      speed: r.speed,
      ratio: Math.round((r.speed / s.freeFlowKmh) * 1000) / 1000,
      flow: r.flow,
      occupancy: r.occupancy,
      observedAt: new Date(r.observed_at).toISOString(),
      leafIndex: Number(r.leaf_index),
    });
  }
  await recordRead(db.sql, opts.viewer, basis, { action: "traffic.latest", count: readings.length, from: since });
  return { readings, access: accessInfo(basis) };
}
