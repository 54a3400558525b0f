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
/** A ledger row as the audit's binary COPY gives it (NULL fields null). */
export type LedgerRow = { index: number | null; kind: string | null; entry: Uint8Array | null; leafHash: Uint8Array | null };
/** A reading row as the audit's binary COPY gives it (NULL fields null; no gateway: the three gateway fields null). */
export type ReadingRow = {
  index: number | null;
  id: string;
  dataset: string | null;
  device: string | null;
  seq: number | null;
  observedMs: number | null;
  lon: number | null;
  lat: number | null;
  /** jsonb's text (null when NULL or not jsonb's binary version 1). */
  payload: string | null;
  payloadHash: Uint8Array | null;
  signature: Uint8Array | null;
  gDevice: string | null;
  gRoot: Uint8Array | null;
  gSignature: Uint8Array | null;
};
export type RangeJob = { from: number; chunk: number; ledger: Uint8Array; reading: Uint8Array; cuts: number[] };
export type RangeResult = {
  from: number;
  n: number;
  firstIndex: number | null;
  gapAt: number | null;
  readings: number;
  hashes: Uint8Array;
  /** Roots of the range's full 256-leaf subtrees (empty unless `from` is a multiple of 256). */
  nodes8: Uint8Array;
  cuts: { size: number; hashes: Uint8Array }[];
  deferred: { index: number; ledger: LedgerRow; reading: ReadingRow | null }[];
  extra: ReadingRow[];
  extraLeaves: LedgerRow[];
};
export function verifyRange(job: RangeJob): RangeResult;
export function isoFromMs(ms: number): string;
export function canonicalJsonbObject(text: string): string | null;
