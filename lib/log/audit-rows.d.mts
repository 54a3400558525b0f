// Types of audit-rows.mjs (plain JavaScript so that worker threads load it untranspiled).
export type ReadingValue = number | string | boolean;
export function fastCanonicalEnvelope(e: {
  device: string;
  dataset: string;
  seq: number;
  observedAt: string;
  location: readonly number[];
  values: unknown;
}): string | null;
export function fastCanonicalReadingEntry(e: {
  kind: string;
  dataset: string;
  device: string;
  seq: number;
  observedAt: string;
  payloadHash: string;
  signature: string;
  gateway?: { device: string; batchRoot: string; signature: string };
}): string | null;
export const LEDGER_COLUMNS: number;
export const READING_COLUMNS: number;
export type RangeJob = { from: number; chunk: number; ledger: string; reading: string; cuts: number[] };
export type RangeResult = {
  from: number;
  n: number;
  firstIndex: number | null;
  gapAt: number | null;
  readings: number;
  hashes: Uint8Array;
  cuts: { size: number; hashes: Uint8Array }[];
  deferred: { index: number; ledger: string; reading: string | null }[];
  extra: string[];
  extraLeaves: string[];
};
export function verifyRange(job: RangeJob): RangeResult;
export function isoFromMs(ms: number): string;
export function canonicalJsonbObject(text: string): string | null;
