/**
 * Traffic on a road segment over time: demand follows a daily rhythm (morning and evening
 * peaks on weekdays, a broad midday hump at weekends, quiet nights) with smooth noise; speed
 * falls with the volume/capacity ratio (BPR-style) and with nearby accidents; occupancy
 * follows density and queues.
 */
import { hashUnit, valueNoise1D, type RoadClass, type RoadSegment } from "../city";
import type { LocalTime } from "./local-time";

/** Per-segment parameters, derived from the segment and the seed. */
export interface TrafficParams {
  freeFlowKmh: number;
  capacityVehH: number;
  lanes: number;
  /** Volume/capacity ratio at the weekday morning peak. */
  peakRatio: number;
  /** Weights of the morning and evening peaks (tidal flow: one is stronger). */
  am: number;
  pm: number;
  noiseSeed: number;
}

/** Traffic values of a reading. */
export interface TrafficValues {
  speedKmh: number;
  flowVehH: number;
  occupancy: number;
}

const BASE_PEAK_RATIO: Readonly<Record<RoadClass, number>> = { expressway: 0.8, arterial: 0.85, collector: 0.7, local: 0.5 };

/** BPR-style speed reduction for urban roads: alpha 0.6, beta 3. */
const BPR_ALPHA = 0.6;
const BPR_BETA = 3;
/** Effective vehicle length plus detector, km: density × this = occupancy. */
const EFFECTIVE_LENGTH_KM = 0.0075;

/** Derives a segment's traffic parameters; sensors and cameras on one segment share them. */
export function trafficParams(seg: RoadSegment, seedHash: number, segIndex: number, urbanity: number): TrafficParams {
  const u = (k: number) => hashUnit(seedHash, segIndex, k);
  // Log-normal-ish spread of busyness, busier in urban districts.
  const spread = Math.exp(0.25 * (u(1) + u(2) + u(3) - 1.5) * 2);
  const am = 0.75 + 0.5 * u(4);
  return {
    freeFlowKmh: seg.freeFlowKmh,
    capacityVehH: seg.capacityVehH,
    lanes: seg.lanes,
    peakRatio: BASE_PEAK_RATIO[seg.class] * (0.75 + 0.35 * urbanity) * spread,
    am,
    pm: 2 - am,
    noiseSeed: Math.floor(u(5) * 4294967296),
  };
}

const g = (x: number, mu: number, sigma: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** Demand relative to the weekday morning peak (about 1 at 8:00 on a weekday, 0.07 at 3:00). */
export function demandProfile(hour: number, weekend: boolean, am = 1, pm = 1): number {
  if (weekend) {
    const day = sig((hour - 8.5) / 0.8) * sig((22.5 - hour) / 1.0);
    return 0.07 + 0.55 * day + 0.15 * g(hour, 15, 2.5);
  }
  const day = sig((hour - 6.3) / 0.6) * sig((21.5 - hour) / 1.0);
  return 0.07 + 0.46 * day + 0.5 * am * g(hour, 8, 0.75) + 0.48 * pm * g(hour, 18, 0.9);
}

/**
 * Traffic on a segment at an instant. `impact` (0..1) is the congestion caused by incidents
 * nearby: it slows traffic, reduces throughput and raises occupancy.
 */
export function trafficValues(p: TrafficParams, ms: number, lt: LocalTime, dayFactor: number, impact: number): TrafficValues {
  const noise = 1 + 0.07 * valueNoise1D(p.noiseSeed, ms / 300_000) + 0.05 * valueNoise1D(p.noiseSeed ^ 0x5bd1e995, ms / 1_800_000);
  const demandRatio = Math.max(0, p.peakRatio * demandProfile(lt.hour, lt.weekend, p.am, p.pm) * dayFactor * noise);
  const x = Math.min(demandRatio, 1.5);
  const a = Math.max(0, Math.min(1, impact));
  const speedFactor = (1 / (1 + BPR_ALPHA * x ** BPR_BETA)) * (1 - 0.85 * a) * (0.97 + 0.03 * valueNoise1D(p.noiseSeed ^ 0x27d4eb2f, ms / 120_000));
  const speedKmh = Math.max(0, Math.min(p.freeFlowKmh, p.freeFlowKmh * speedFactor));
  const flow = Math.min(demandRatio, 1.1) * p.capacityVehH * (1 - 0.6 * a);
  const flowVehH = Math.max(0, Math.min(1.2 * p.capacityVehH, Math.round(flow)));
  const density = flowVehH / Math.max(speedKmh, 2) / p.lanes;
  const occupancy = Math.max(0, Math.min(1, density * EFFECTIVE_LENGTH_KM + 0.55 * a + 0.25 * Math.max(0, x - 0.9)));
  return {
    speedKmh: Math.round(speedKmh * 10) / 10,
    flowVehH,
    occupancy: Math.round(occupancy * 1000) / 1000,
  };
}
