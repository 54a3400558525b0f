import type { Sql } from "../db/sql";
import type { CityModel } from "../city/types";
import {
  BACKFILL_DATASETS, BackfillQueue, backfillProgress, createSimulator, planBackfill, setBackfillProgress,
  type BackfillDevice, type BackfillProgress,
} from "../sim";
import type { SimBackfillSource } from "./sim-loop";

/**
 * Opens the backfill of the simulated city (SIM_BACKFILL_HOURS): reads, per device, when it
 * was registered and its earliest stored reading inside the window (one index probe each on
 * reading (device_id, observed_at)), plans the missing 5-minute slots (lib/sim/backfill.ts)
 * and returns the source the simulator loop sends them from, keeping the progress the
 * official sees (GET /api/health `backfill`) current. Null when there is nothing to send.
 */
export async function openSimBackfill(opts: { sql: Sql; city: CityModel; seed: string; hours: number; now?: number; log: (m: string) => void }): Promise<SimBackfillSource | null> {
  const now = opts.now ?? Date.now();
  const windowStart = new Date(now - opts.hours * 3_600_000);
  const rows = await opts.sql.query<{ id: string; dataset_id: string; created_at: Date | string; earliest: Date | string | null }>(
    `SELECT d.id, d.dataset_id, d.created_at,
            (SELECT min(r.observed_at) FROM reading r WHERE r.device_id = d.id AND r.observed_at >= $1) AS earliest
       FROM device d
      WHERE d.dataset_id = ANY($2::text[]) AND d.status = 'active' AND d.public_key IS NOT NULL`,
    [windowStart, BACKFILL_DATASETS],
  );
  const devices: BackfillDevice[] = rows.map((r) => ({
    id: r.id,
    datasetId: r.dataset_id,
    registeredAt: new Date(r.created_at).getTime(),
    ...(r.earliest ? { earliest: new Date(r.earliest).getTime() } : {}),
  }));
  const plan = planBackfill({ devices, hours: opts.hours, now });
  const base: BackfillProgress = {
    state: plan.total ? "running" : "done",
    hours: opts.hours,
    total: plan.total,
    sent: 0,
    from: new Date(plan.from).toISOString(),
    to: new Date(plan.to).toISOString(),
    reachedBack: null,
  };
  setBackfillProgress(base);
  if (!plan.total) {
    opts.log(`backfill: the last ${opts.hours} h are already stored`);
    return null;
  }
  const t0 = Date.now();
  opts.log(`backfill: ${plan.total.toLocaleString("en-US")} readings of ${plan.ranges.size} devices, ${plan.slots.length} five-minute slots from ${base.from}`);
  const sim = createSimulator({ city: opts.city, seed: opts.seed });
  const queue = new BackfillQueue(plan, (t) => sim.readingsAt(t, { datasets: BACKFILL_DATASETS }));
  let logged = false;
  const update = () => {
    const done = queue.done && queue.sentCount >= plan.total;
    const reached = queue.reachedBack;
    setBackfillProgress({ ...base, state: done ? "done" : "running", sent: Math.min(queue.sentCount, plan.total), reachedBack: reached === null ? null : new Date(reached).toISOString() });
    if (done && !logged) {
      logged = true;
      const s = (Date.now() - t0) / 1000;
      opts.log(`backfill: ${queue.sentCount.toLocaleString("en-US")} readings sent in ${s.toFixed(0)} s (${Math.round(queue.sentCount / Math.max(s, 0.001))}/s)`);
    }
  };
  return {
    get done() {
      return queue.done;
    },
    take: (slots) => queue.take(slots),
    putBack: (r) => queue.putBack(r),
    sent: (r) => {
      queue.sent(r);
      update();
    },
    tick: update,
  };
}

/** The progress as the health endpoint reports it. */
export function simBackfillProgress(): BackfillProgress {
  return backfillProgress();
}
