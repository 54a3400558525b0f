import crypto from "node:crypto";
import { encodeEntry } from "../ledger/entries";
import type { NewEntry } from "../ledger-store/append-entries";
import { AppError } from "../errors";
import { fromBase64, toBase64 as b64 } from "../ledger/encoding";
import { sodiumNative } from "../ingest/verifier";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The device.v1 ledger entry of a registry change, ready for appendEntries. */
export function deviceEntry(e: {
  action: "register" | "rotate" | "revoke" | "quarantine" | "release";
  device: string;
  department: string;
  dataset: string;
  publicKey: Uint8Array;
  reason?: string | null;
  at: Date;
}): NewEntry {
  return {
    kind: "device.v1",
    bytes: encodeEntry({
      kind: "device.v1",
      action: e.action,
      device: e.device,
      department: e.department,
      dataset: e.dataset,
      publicKey: b64(e.publicKey),
      ...(e.reason ? { reason: e.reason } : {}),
      at: e.at.toISOString(),
    }),
    refTable: "device",
    refId: e.device,
  };
}

/** Throws a 400 unless `key` is a 32-byte Ed25519 public key that is a valid curve point. */
export function requireEd25519PublicKey(device: string, key: Uint8Array): void {
  if (key.length !== 32) throw new AppError("validation", `public key of ${device} must be 32 bytes, got ${key.length}`);
  try {
    crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key]), format: "der", type: "spki" });
  } catch {
    throw new AppError("validation", `public key of ${device} is not a valid Ed25519 point`);
  }
  if (isSmallOrderPoint(key)) {
    throw new AppError("validation", `public key of ${device} is a small-order point (such as the identity): anyone could forge its signatures`);
  }
}

/**
 * The encodings of Ed25519's eight small-order points (the identity, the point of order 2, two
 * of order 4 and four of order 8; with and without the sign bit where it changes the bytes).
 * A signature "by" such a key can be made without any secret.
 */
const SMALL_ORDER = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];

/** Is this public key a small-order point? libsodium decides when it loads (it also refuses non-canonical forms); else the list above. */
export function isSmallOrderPoint(key: Uint8Array): boolean {
  const s = sodiumNative() as { crypto_core_ed25519_is_valid_point?: (p: Buffer) => boolean } | null;
  const hex = Buffer.from(key).toString("hex");
  if (SMALL_ORDER.includes(hex)) return true;
  return s?.crypto_core_ed25519_is_valid_point ? !s.crypto_core_ed25519_is_valid_point(Buffer.from(key)) : false;
}

/** Decodes a public key given as base64 (400 naming the device otherwise). */
export function decodePublicKey(device: string, b64text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64(b64text.trim());
  } catch (e) {
    throw new AppError("validation", `publicKey of ${device} must be base64: ${(e as Error).message}`);
  }
  requireEd25519PublicKey(device, key);
  return key;
}

/** Fingerprint shown in the console: the first 16 hex digits of SHA-256 of the raw key. */
export function keyFingerprint(key: Uint8Array | null): string | null {
  return key ? crypto.createHash("sha256").update(key).digest("hex").slice(0, 16) : null;
}
