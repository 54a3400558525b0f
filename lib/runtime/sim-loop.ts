import crypto from "node:crypto";
import type { Db } from "../db/client";
import type { CityModel } from "../city/types";
import { createSimulator } from "../sim";
import type { SimReading } from "../sim";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import { getBus, type TrafficUpdate } from "./bus";
import { trafficIndex } from "../map/traffic-index";
import type { DeviceSigner } from "./simulator-keys";

/** How often each device reports; devices are spread evenly over the period. */
const REPORT_PERIOD_MS = 30_000;

function phaseOf(id: string, slots: number): number {
  const h = crypto.createHash("sha256").update(id).digest();
  return h.readUInt32BE(0) % slots;
}

/**
 * Feeds the simulator's readings into the database on a timer and announces traffic
 * updates on the bus. Every tick stores the share of devices whose turn it is, so the map
 * changes continuously while each device reports once per period.
 */
export function startSimLoop(opts: {
  db: Db;
  city: CityModel;
  seed: string;
  intervalMs: number;
  signers: Map<string, DeviceSigner>;
  log: (m: string) => void;
}) {
  const sim = createSimulator({ city: opts.city, seed: opts.seed });
  const slots = Math.max(1, Math.round(REPORT_PERIOD_MS / opts.intervalMs));
  const phase = new Map<string, number>();
  const freeFlow = trafficIndex(opts.city).byId;
  let tick = 0;
  let first = true;
  let running: Promise<void> | null = null;
  let stopped = false;

  // Each device signs the canonical bytes of its envelope, as a real device does.
  const toAccepted = (r: SimReading): AcceptedReading | null => {
    const signer = opts.signers.get(r.device);
    if (!signer) return null;
    const seq = Date.parse(r.observedAt);
    const envelope = { device: r.device, dataset: r.dataset, seq, observedAt: r.observedAt, location: r.location, values: r.values };
    const bytes = canonicalJsonBytes(envelope);
    return {
      ...envelope,
      payloadHash: crypto.createHash("sha256").update(bytes).digest(),
      signature: signer.sign(bytes),
    };
  };

  const runOnce = async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const all = sim.readingsAt(now);
    // On the first tick every device reports, so the map has a full picture at once.
    const due = first
      ? all
      : all.filter((r) => {
          let p = phase.get(r.device);
          if (p === undefined) phase.set(r.device, (p = phaseOf(r.device, slots)));
          return p === tick % slots;
        });
    first = false;
    tick++;
    if (due.length === 0) return;
    const accepted = due.map(toAccepted).filter((r): r is AcceptedReading => r !== null);
    if (accepted.length === 0) return;
    await storeReadings(opts.db.sql, accepted);
    const traffic: TrafficUpdate[] = [];
    accepted.forEach((r) => {
      if (r.dataset !== "traffic.flow") return;
      const s = freeFlow.get(r.device);
      const speed = Number(r.values.speedKmh);
      if (!s || !Number.isFinite(speed)) return;
      traffic.push({ device: r.device, segment: s.segment, speed, ratio: Math.round((speed / s.freeFlowKmh) * 1000) / 1000, observedAt: r.observedAt });
    });
    if (traffic.length) getBus().emit("traffic", traffic);
  };

  const timer = setInterval(() => {
    if (running || stopped) return; // never overlap ticks: a slow database skips a beat instead
    running = runOnce()
      .catch((e) => opts.log(`simulator tick failed: ${(e as Error).message}`))
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
