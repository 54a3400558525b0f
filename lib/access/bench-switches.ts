import type { ReadBasis } from "./check-read";

/**
 * Switches for scripts/bench-access.ts only, to measure what the access check and access
 * logging cost. Nothing else may turn them off: a console with either off is insecure.
 * With the check off, checkRead answers `fixed(datasetId)` (the basis the check would have
 * given, computed once by the benchmark) without reading the database.
 */
export const accessSwitches: { check: boolean; log: boolean; fixed: ((datasetId: string) => ReadBasis) | null } = { check: true, log: true, fixed: null };

/** Turns the access check and/or access logging off in this process. For benchmarks only. */
export function unsafeSetAccessSwitchesForBenchmark(s: { check: boolean; log: boolean; fixed?: (datasetId: string) => ReadBasis }): void {
  accessSwitches.check = s.check;
  accessSwitches.log = s.log;
  accessSwitches.fixed = s.fixed ?? null;
}
