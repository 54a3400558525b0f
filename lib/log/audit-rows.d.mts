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
/** A device_key row as the audit reads it. */
export type DeviceKeyRow = { device: string; fromLeaf: number; untilLeaf: number | null; retiredBy: string | null; publicKey: Uint8Array };
/** packDeviceKeys' output: the key history in typed arrays, for worker threads. */
export type PackedDeviceKeys = { device: string[]; fromLeaf: Float64Array; untilLeaf: Float64Array; flags: Uint8Array; publicKeys: Uint8Array };
/** Device keys by device, newest first (opaque: use the functions below). */
export type DeviceKeyring = { readonly byDevice: Map<string, unknown[]> };
export function packDeviceKeys(rows: readonly DeviceKeyRow[]): PackedDeviceKeys;
export function deviceKeyring(packed: PackedDeviceKeys | null): DeviceKeyring;
export function setDeviceKeys(ring: DeviceKeyring, device: string, rows: readonly DeviceKeyRow[]): void;
/** Does the device's Ed25519 signature over `message` verify under a key it held for a reading at `leaf`? */
export function deviceSignatureOk(ring: DeviceKeyring | null, device: string, leaf: number, viaGateway: boolean, message: Uint8Array, signature: Uint8Array | null): boolean;
/** null when deviceSignatureOk holds, else what is wrong with the signature. */
export function deviceSignatureProblem(ring: DeviceKeyring | null, device: string, leaf: number, viaGateway: boolean, message: Uint8Array, signature: Uint8Array | null): string | null;
/** Which Ed25519 verifier the signature checks use in this process. */
export function ed25519Implementation(): "libsodium" | "node:crypto";
export function verifyRange(job: RangeJob, ring?: DeviceKeyring | null): RangeResult;
export function isoFromMs(ms: number): string;
export function canonicalJsonbObject(text: string): string | null;
