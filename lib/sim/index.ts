/**
 * lib/sim: a simulator of a city's devices. Readings are a pure function of the city, a seed
 * and the time, so tests and benchmarks are reproducible; `tick` adds a stateful stream.
 * Pure TypeScript: runs in Node and in the browser.
 */
export * from "./types";
export { createSimulator } from "./simulator";
export { PHYSICAL_RANGES, checkPhysicalRanges, createDeviceLimitCheck, type FieldRange } from "./physical-ranges";
export { localTime, type LocalTime } from "./local-time";
export { demandProfile, trafficValues, trafficParams, type TrafficParams, type TrafficValues } from "./traffic-model";
export { loadProfile, solarClearSky, windPowerCurve } from "./energy-model";
export { CONGESTION_RADIUS_M, INCIDENT_BUCKET_MS, MAX_INCIDENT_MS, RESOLVED_VISIBLE_MS } from "./incidents";
export {
  BACKFILL_DATASETS, BACKFILL_MAX_SLOTS_PER_TICK, BACKFILL_STEP_MS, BackfillQueue, backfillProgress, planBackfill, setBackfillProgress,
  type BackfillDevice, type BackfillPlan, type BackfillProgress,
} from "./backfill";
