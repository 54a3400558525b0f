/**
 * Switches for scripts/bench-access.ts only, to measure what the access check and access
 * logging cost. Nothing else may turn them off: a console with either off is insecure.
 */
export const accessSwitches = { check: true, log: true };

/** Turns the access check and/or access logging off in this process. For benchmarks only. */
export function unsafeSetAccessSwitchesForBenchmark(s: { check: boolean; log: boolean }): void {
  accessSwitches.check = s.check;
  accessSwitches.log = s.log;
}
