// The devices' signing keys as the audit verifies readings with them (on the main thread and
// in its worker threads, lib/ledger-store/audit-worker.ts).
//
// A reading's `signature` is the device's Ed25519 signature over the canonical envelope
// bytes (lib/ingest/reading-encoding.ts envelopeBytes: RFC 8785 JSON of device, dataset,
// location, observedAt, seq, values), the very bytes whose SHA-256 is the payload hash. The
// keys come from the device key history (device_key), whose validity is an interval of
// leaves, not of time: a key is put in by the device.v1 entry at valid_from_leaf and retired
// (rotated out or revoked) by the one at valid_until_leaf. Leaves are the console's own
// order and on the ledger; observedAt is only what the device claims. So a key may sign a
// reading sequenced at leaf L when valid_from_leaf < L and:
//  - L < valid_until_leaf (or the key is still current): the key the device held at L. For
//    readings sent directly this is the only one: intake verifies with the current key and
//    commit refuses a reading whose key was rotated or revoked in flight (lib/ingest/commit.ts);
//  - or, for a reading a gateway carried, any earlier key not retired by revocation: the
//    gateway vouches for its devices' signatures and intake checks only a sample of them,
//    so a reading signed just before its device's key was rotated, and carried after, is
//    stored (check-message.ts); it is still the device's own signature. A revoked device's
//    readings are refused whatever they carry, so a revoked key never signs a stored one.
// audit-state.ts checks device_key against the device.v1 entries, so these keys are the
// ledger's (a key row added behind the ledger's back is named there).
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { Buffer } from "node:buffer";

/** A device_key row as the audit reads it. */
export type DeviceKeyRow = { device: string; fromLeaf: number; untilLeaf: number | null; retiredBy: string | null; publicKey: Uint8Array };

/** packDeviceKeys' output: the key history in typed arrays, for worker threads. */
export type PackedDeviceKeys = { device: string[]; fromLeaf: Float64Array; untilLeaf: Float64Array; flags: Uint8Array; publicKeys: Uint8Array };

/** One key of a device, with its verifier once made. */
type DeviceKey = {
  fromLeaf: number;
  /** Infinity while current. */
  untilLeaf: number;
  revoked: boolean;
  /** The 32-byte public key; null when the stored one is of another length. */
  publicKey: Uint8Array | null;
  /** node:crypto's key, made on first use (null: unusable). */
  keyObject: KeyObject | null | undefined;
};

/** Device keys by device, newest first. */
export type DeviceKeyring = { readonly byDevice: Map<string, DeviceKey[]> };

const FLAG_REVOKED = 1;
const FLAG_UNUSABLE = 2;

/**
 * The device key history in a form that crosses to worker threads cheaply: per key its
 * device, valid_from_leaf, valid_until_leaf (-1 while current), whether revocation retired
 * it, and its 32-byte public key (keys of another length are marked unusable).
 */
export function packDeviceKeys(rows: readonly DeviceKeyRow[]): PackedDeviceKeys {
  const n = rows.length;
  const packed: PackedDeviceKeys = { device: new Array<string>(n), fromLeaf: new Float64Array(n), untilLeaf: new Float64Array(n), flags: new Uint8Array(n), publicKeys: new Uint8Array(32 * n) };
  rows.forEach((row, i) => {
    packed.device[i] = row.device;
    packed.fromLeaf[i] = Number(row.fromLeaf);
    packed.untilLeaf[i] = row.untilLeaf === null || row.untilLeaf === undefined ? -1 : Number(row.untilLeaf);
    const usable = row.publicKey instanceof Uint8Array && row.publicKey.length === 32;
    packed.flags[i] = (row.retiredBy === "revoke" ? FLAG_REVOKED : 0) | (usable ? 0 : FLAG_UNUSABLE);
    if (usable) packed.publicKeys.set(row.publicKey, 32 * i);
  });
  return packed;
}

/** The keys of packDeviceKeys by device, newest first; each key's verifier made on first use and kept. */
export function deviceKeyring(packed: PackedDeviceKeys | null): DeviceKeyring {
  const byDevice = new Map<string, DeviceKey[]>();
  const n = packed ? packed.device.length : 0;
  for (let i = 0; i < n; i++) {
    const p = packed!;
    const key: DeviceKey = {
      fromLeaf: p.fromLeaf[i],
      untilLeaf: p.untilLeaf[i] < 0 ? Infinity : p.untilLeaf[i],
      revoked: (p.flags[i] & FLAG_REVOKED) !== 0,
      publicKey: (p.flags[i] & FLAG_UNUSABLE) !== 0 ? null : p.publicKeys.slice(32 * i, 32 * i + 32),
      keyObject: undefined,
    };
    const list = byDevice.get(p.device[i]);
    if (list) list.push(key);
    else byDevice.set(p.device[i], [key]);
  }
  for (const list of byDevice.values()) list.sort((a, b) => b.fromLeaf - a.fromLeaf);
  return { byDevice };
}

/** Replaces one device's keys in a keyring (audit.ts reads them again before naming a reading). */
export function setDeviceKeys(ring: DeviceKeyring, device: string, rows: readonly DeviceKeyRow[]): void {
  const fresh = deviceKeyring(packDeviceKeys(rows)).byDevice.get(device);
  if (fresh) ring.byDevice.set(device, fresh);
  else ring.byDevice.delete(device);
}

type Sodium = { crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean };

// libsodium (sodium-native) when it loads, as the intake verifies (lib/ingest/verifier.ts):
// about twice node:crypto's rate, and the same verifier intake accepted the readings with.
// Taken at run time from the project's node_modules, out of any bundler's sight.
let sodiumLoaded: Sodium | null | undefined;
function sodium(): Sodium | null {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    const { createRequire } = process.getBuiltinModule("node:module");
    const loaded = createRequire(`${process.cwd()}/package.json`)(["sodium", "native"].join("-")) as Partial<Sodium>;
    sodiumLoaded = typeof loaded.crypto_sign_verify_detached === "function" ? (loaded as Sodium) : null;
  } catch {
    sodiumLoaded = null;
  }
  return sodiumLoaded;
}
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** Which Ed25519 verifier the signature checks use in this process. */
export function ed25519Implementation(): "libsodium" | "node:crypto" {
  return sodium() ? "libsodium" : "node:crypto";
}

/** Ed25519 verification under one keyring key; never throws. node:crypto's KeyObject is made once per key. */
function verifiesUnder(key: DeviceKey, message: Uint8Array, signature: Uint8Array | null): boolean {
  if (key.publicKey === null || signature === null || signature.length !== 64) return false;
  const s = sodium();
  if (s) {
    try {
      return s.crypto_sign_verify_detached(signature, message, key.publicKey);
    } catch {
      return false;
    }
  }
  if (key.keyObject === undefined) {
    try {
      key.keyObject = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, key.publicKey]), format: "der", type: "spki" });
    } catch {
      key.keyObject = null;
    }
  }
  if (key.keyObject === null) return false;
  try {
    return verify(null, message, key.keyObject, signature);
  } catch {
    return false;
  }
}

/** May `key` sign a reading sequenced at `leaf` (see the rule above)? */
function mayHaveSigned(key: DeviceKey, leaf: number, viaGateway: boolean): boolean {
  return key.fromLeaf < leaf && (leaf < key.untilLeaf || (viaGateway && !key.revoked));
}

/**
 * True when `signature` over `message` (the canonical envelope bytes) verifies under a key
 * device `device` held for a reading at leaf `leaf` (`viaGateway`: a gateway carried it).
 */
export function deviceSignatureOk(ring: DeviceKeyring | null, device: string, leaf: number, viaGateway: boolean, message: Uint8Array, signature: Uint8Array | null): boolean {
  const keys = ring?.byDevice.get(device);
  if (!keys) return false;
  for (const key of keys) if (mayHaveSigned(key, leaf, viaGateway) && verifiesUnder(key, message, signature)) return true;
  return false;
}

/** As deviceSignatureOk, but says why not (null: the signature is fine). */
export function deviceSignatureProblem(ring: DeviceKeyring | null, device: string, leaf: number, viaGateway: boolean, message: Uint8Array, signature: Uint8Array | null): string | null {
  if (deviceSignatureOk(ring, device, leaf, viaGateway, message, signature)) return null;
  const keys = ring?.byDevice.get(device) ?? [];
  if (signature === null) return "the reading has no signature";
  if (signature.length !== 64) return `the signature is ${signature.length} bytes, not an Ed25519 signature (64)`;
  if (keys.length === 0) return `device ${device} has no key in the device key history (device_key): its signature cannot be verified`;
  const other = keys.find((key) => verifiesUnder(key, message, signature));
  if (other) {
    if (!(other.fromLeaf < leaf)) return `the signature verifies only under a key device ${device} was given at leaf ${other.fromLeaf}, after this reading (leaf ${leaf})`;
    const why = viaGateway ? "" : "; a reading sent directly must be signed with the key its device held when it was sequenced";
    return `the signature verifies only under a key device ${device} had until it was ${other.revoked ? "revoked" : "rotated out"} at leaf ${other.untilLeaf}, before this reading was sequenced (leaf ${leaf})${why}`;
  }
  return `the device's signature does not verify under any key device ${device} has had (${keys.length} in its key history)`;
}
