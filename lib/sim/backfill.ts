/**
 * Backfill: the history a city's devices would have reported before the console first ran,
 * planned as a pure function of the devices, the time and what is already stored, and handed
 * out in chunks for the simulator loop to sign and send through the real intake.
 *
 * Resolution: one reading per device per 5 minutes (the map rollup's bucket). The default
 * city (CITY_SIZE 1: 2,061 devices, of which 2,034 report periodically) over the default
 * 24 hours is 2,034 × 288 = 585,792 readings, i.e. ledger leaves; live reporting (every
 * device every 30 s) adds that many every 2.4 hours, so the backfill is about a tenth of a
 * day's ledger. On this 2-core machine the embedded PGlite intake stores 5,600 (MQTT) to
 * 7,500 (gateway batches) signed readings/s when it does nothing else (README, Measured
 * figures); the loop feeds it at most BACKFILL_MAX_SLOTS_PER_TICK five-minute slots per tick
 * and only while the intake keeps up, so at the default 3 s tick that is at most
 * 4 × 2,034 / 3 s ≈ 2,700 readings/s, and the 24 hours take at least 288 / 4 × 3 s = 3.6
 * minutes, in practice 5–15 (see README, "History from the first minute").
 *
 * Which readings: every periodic dataset (traffic detectors, cameras, energy meters) at each
 * 5-minute slot of [now − hours, the device's first stored reading), not before the device
 * was registered. Incidents are not backfilled: dispatch terminals report an incident when
 * it changes, and the linkage rules act on every incident reading they see.
 *
 * What was backfilled is read back from the readings themselves (no separate marker): slots
 * are sent newest first, so after a restart a device's earliest stored reading is the oldest
 * slot it already sent and the plan continues below it; nothing is sent twice.
 */
import type { DatasetId } from "../city";
import type { SimReading } from "./types";

/** One reading per device per this many milliseconds. */
export const BACKFILL_STEP_MS = 5 * 60_000;
/** Datasets that report periodically, and so are backfilled. */
export const BACKFILL_DATASETS: readonly DatasetId[] = ["traffic.flow", "safety.cameras", "energy.load"];
/** Most 5-minute slots one simulator tick sends (about 2,000 readings each in the default city). */
export const BACKFILL_MAX_SLOTS_PER_TICK = 4;

export type BackfillDevice = {
  id: string;
  datasetId: string;
  /** When the device was registered (ms): no reading is dated before it. */
  registeredAt?: number;
  /** Its earliest stored reading at or after the window's start (ms), if any. */
  earliest?: number;
};

export type BackfillPlan = {
  /** The window: first slot (inclusive) and end (exclusive), ms. */
  from: number;
  to: number;
  /** Slots to send, newest first (ms, multiples of BACKFILL_STEP_MS). */
  slots: number[];
  /** Per device, the slots it still needs: [first, end) in ms. */
  ranges: Map<string, [number, number]>;
  /** Readings the plan sends in all. */
  total: number;
};

/**
 * Plans the backfill of `hours` before `now`. Requires hours ≥ 0 and a finite `now`.
 * A device's slots are the multiples of the step in [max(from, registeredAt), min(earliest, now)),
 * with from = now − hours rounded up to a whole step.
 */
export function planBackfill(opts: { devices: readonly BackfillDevice[]; hours: number; now: number }): BackfillPlan {
  const { hours, now } = opts;
  if (!(hours >= 0) || !Number.isFinite(hours)) throw new RangeError(`planBackfill: hours must be a finite number ≥ 0, got ${hours}`);
  if (!Number.isFinite(now)) throw new RangeError(`planBackfill: now must be finite, got ${now}`);
  const step = BACKFILL_STEP_MS;
  const from = Math.ceil((now - hours * 3_600_000) / step) * step;
  const ranges = new Map<string, [number, number]>();
  let total = 0;
  let newest = -Infinity;
  let oldest = Infinity;
  for (const d of opts.devices) {
    if (!BACKFILL_DATASETS.includes(d.datasetId as DatasetId)) continue;
    const first = Math.max(from, Math.ceil((d.registeredAt ?? -Infinity) / step) * step);
    const end = Math.min(d.earliest ?? now, now);
    if (first >= end) continue;
    const n = Math.ceil((end - first) / step);
    ranges.set(d.id, [first, end]);
    total += n;
    oldest = Math.min(oldest, first);
    newest = Math.max(newest, first + (n - 1) * step);
  }
  const slots: number[] = [];
  for (let t = newest; t >= oldest; t -= step) slots.push(t);
  return { from, to: now, slots, ranges, total };
}

/** What the official sees of the backfill (GET /api/health `backfill`). */
export type BackfillProgress = {
  state: "off" | "waiting" | "running" | "done";
  /** Hours asked for (SIM_BACKFILL_HOURS). */
  hours: number;
  /** Readings planned at this start, and sent so far (acknowledged by the intake). */
  total: number;
  sent: number;
  /** The window being filled (ISO), and the oldest slot sent so far. */
  from: string | null;
  to: string | null;
  reachedBack: string | null;
};

const PROGRESS_KEY = Symbol.for("city-brain.sim-backfill-progress");

/** The process's backfill progress (shared by the runtime and the route bundles through globalThis). */
export function backfillProgress(): BackfillProgress {
  const g = globalThis as { [PROGRESS_KEY]?: BackfillProgress };
  return (g[PROGRESS_KEY] ??= { state: "off", hours: 0, total: 0, sent: 0, from: null, to: null, reachedBack: null });
}

export function setBackfillProgress(p: BackfillProgress): void {
  (globalThis as { [PROGRESS_KEY]?: BackfillProgress })[PROGRESS_KEY] = p;
}

/**
 * Hands out a plan's readings slot by slot, newest first: `take(slots)` computes the next
 * slots' readings (with `readingsAt`, the simulator's pure function of time) and keeps those of
 * devices whose range holds the slot. Readings that could not be sent are given back with
 * `putBack` and go out first next time; `sent` counts acknowledged ones.
 */
export class BackfillQueue {
  private next = 0;
  private returned: SimReading[] = [];
  private acked = 0;
  private oldestSent: number | null = null;

  constructor(
    readonly plan: BackfillPlan,
    private readonly readingsAt: (t: Date) => SimReading[],
  ) {}

  get done(): boolean {
    return this.next >= this.plan.slots.length && this.returned.length === 0;
  }
  get sentCount(): number {
    return this.acked;
  }
  get reachedBack(): number | null {
    return this.oldestSent;
  }

  /** The readings of the next `slots` slots (and any given back), in sending order. */
  take(slots: number): SimReading[] {
    const out = this.returned;
    this.returned = [];
    for (let k = 0; k < slots && this.next < this.plan.slots.length; k++, this.next++) {
      const t = this.plan.slots[this.next];
      for (const r of this.readingsAt(new Date(t))) {
        const range = this.plan.ranges.get(r.device);
        if (range && t >= range[0] && t < range[1]) out.push(r);
      }
    }
    return out;
  }

  putBack(readings: readonly SimReading[]): void {
    this.returned.push(...readings);
  }

  sent(readings: readonly SimReading[]): void {
    this.acked += readings.length;
    for (const r of readings) {
      const t = Date.parse(r.observedAt);
      if (this.oldestSent === null || t < this.oldestSent) this.oldestSent = t;
    }
  }
}
