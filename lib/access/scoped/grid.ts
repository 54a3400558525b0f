import type { Scope } from "../check-read";
import { AGGREGATE_BUCKET_S, ANON_LOCATION_STEP_DEG, ANON_TIME_STEP_S } from "../scope-sql";
import { loadConfig } from "../../config";

/**
 * The grid a scope answers on. Anonymized and aggregated answers never describe anything
 * finer than their grid: locations are coarsened to `locationDeg` and times to `timeS`
 * before any filter or grouping, and the request's own filters (bbox, time window) are
 * widened to whole cells of the grid, so a tiny bbox or a 1 ms window cannot single out one
 * reading. Raw answers have no grid (null).
 */
export type ScopeGrid = { locationDeg: number; timeS: number } | null;

export function gridOf(scope: Scope): ScopeGrid {
  if (scope === "anonymized") return { locationDeg: ANON_LOCATION_STEP_DEG, timeS: ANON_TIME_STEP_S };
  if (scope === "aggregated") return { locationDeg: ANON_LOCATION_STEP_DEG, timeS: AGGREGATE_BUCKET_S };
  return null;
}

/** The smallest number of distinct devices an aggregate may cover (k); smaller groups are suppressed. */
export function minGroupDevices(): number {
  return loadConfig().ACCESS_MIN_GROUP_DEVICES;
}

/** A time window widened to whole steps of `stepS` seconds (from down, until up). */
export function snapWindow(from: Date, until: Date, stepS: number): { from: Date; until: Date } {
  const ms = stepS * 1000;
  const f = Math.floor(from.getTime() / ms) * ms;
  let u = Math.ceil(until.getTime() / ms) * ms;
  if (u <= f) u = f + ms;
  return { from: new Date(f), until: new Date(u) };
}

/** The grid coordinate a value coarsens to (what anonymized answers show). */
export const snapCoord = (v: number, stepDeg: number) => Math.round(Math.round(v / stepDeg) * stepDeg * 1e6) / 1e6;

/**
 * A bbox widened to the grid: the smallest box of whole grid cells (cells centred on
 * multiples of the step, as coarsened locations are) that holds it. Filters then compare
 * coarsened locations with it, so the answer is the same for every bbox inside those cells.
 */
export function snapBbox(b: readonly [number, number, number, number], stepDeg: number): [number, number, number, number] {
  return [snapCoord(b[0], stepDeg), snapCoord(b[1], stepDeg), snapCoord(b[2], stepDeg), snapCoord(b[3], stepDeg)];
}

/** What an answer tells the client about its grid: where its filters were widened to. */
export type GridInfo = {
  locationDeg: number;
  timeSeconds: number;
  from: string;
  until: string;
  bbox?: [number, number, number, number];
  minGroupDevices?: number;
};

