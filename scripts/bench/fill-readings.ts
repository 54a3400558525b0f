// Fills a console's database with `n` readings spread over the `hours` before now, as the
// intake would have stored them (readings with their ledger leaves, in groups of 5,000), the
// log integrating and the map's rollup folding as it goes: the steady state of a console that
// has run that long. Signatures are random bytes (nothing here verifies them); for bench:start.
import crypto from "node:crypto";
import type { CityModel, Device } from "../../lib/city/types";
import type { Db } from "../../lib/db/client";
import { appendEntries } from "../../lib/ledger-store/append-entries";
import { integrate } from "../../lib/ledger-store/integrate";
import { insertReadings, prepareReadingRows, type AcceptedReading } from "../../lib/ingest/store-readings";
import { refreshRollup } from "../../lib/map/rollup";
import { ensureReadingPartitions } from "../../lib/ingest/reading-partitions";
import type { ReadingValues } from "../../lib/ingest/reading-encoding";

function valuesFor(d: Device, i: number): ReadingValues {
  switch (d.datasetId) {
    case "traffic.flow":
      return { segmentId: (d as { segmentId?: string }).segmentId ?? "s", speedKmh: 20 + (i % 80), flowVehH: 100 + (i % 1000), occupancy: (i % 90) / 100 };
    case "energy.load":
      return d.kind === "feeder-meter" ? { meter: "feeder", loadMw: (i % 30) + 0.5, utilisation: (i % 100) / 100, voltageKv: 10.2 } : { meter: "production", source: "solar", productionMw: i % 50, capacityFactor: (i % 100) / 100 };
    case "safety.cameras":
      return { online: true, vehiclesPerMin: i % 100, pedestriansPerMin: i % 50, alert: "none" };
    default:
      return { incidentId: `inc-${d.id}-${i % 5}`, type: "accident", severity: 1 + (i % 3), status: i % 7 ? "reported" : "resolved", segmentId: "s", lanesBlocked: 1 };
  }
}

/** Stores n readings of the city's devices over the last `hours`; calls progress now and then. */
export async function fillReadings(db: Db, city: CityModel, n: number, opts: { hours: number; progress?: (done: number) => void; /** The last this many readings are left for the console to integrate and fold (catch-up at its start). */ behind?: number }): Promise<void> {
  const devices = city.devices.filter((d) => d.datasetId !== "reports.citizen");
  const now = Date.now();
  await ensureReadingPartitions(db.sql, { daysBack: Math.ceil(opts.hours / 24) + 1 });
  const [{ seq0 }] = await db.sql.query<{ seq0: number }>(`SELECT coalesce(max(last_seq), 0)::int8 AS seq0 FROM device`);
  const GROUP = 5000;
  const perDevice = Math.ceil(n / devices.length);
  const stepMs = (opts.hours * 3_600_000) / perDevice;
  for (let s = 0; s < n; s += GROUP) {
    const group: AcceptedReading[] = [];
    for (let i = s; i < Math.min(n, s + GROUP); i++) {
      const d = devices[i % devices.length];
      const k = Math.floor(i / devices.length);
      const r: AcceptedReading = {
        device: d.id, dataset: d.datasetId, seq: Number(seq0) + k + 1, observedAt: new Date(now - opts.hours * 3_600_000 + k * stepMs).toISOString(),
        location: d.location, values: valuesFor(d, k), payloadHash: crypto.randomBytes(32), signature: crypto.randomBytes(64),
      };
      r.prepared = prepareReadingRows(r);
      group.push(r);
    }
    await db.sql.transaction(async (tx) => {
      const first = await appendEntries(tx, group.map((r) => r.prepared!.entry));
      await insertReadings(tx, group, first);
    });
    const caughtUp = s + GROUP <= n - (opts.behind ?? 0);
    if (caughtUp && ((s / GROUP) % 20 === 19 || s + GROUP >= n - (opts.behind ?? 0))) {
      while (await integrate(db.sql, async () => {})) {
        /* up to the leaves stored */
      }
      await refreshRollup(db.sql, city);
    }
    if ((s / GROUP) % 20 === 19 || s + GROUP >= n) opts.progress?.(Math.min(n, s + GROUP));
  }
  await db.sql.query(`UPDATE device SET last_seq = $1 WHERE dataset_id <> 'reports.citizen' AND last_seq < $1`, [Number(seq0) + perDevice + 1]);
}
