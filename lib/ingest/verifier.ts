import crypto, { type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";

/** One signature to check: the device's current public key (32 bytes), the message and the signature. */
export type VerifyItem = { device: string; key: Uint8Array; message: Uint8Array; signature: Uint8Array };

/** Checks Ed25519 signatures, in order; resolves 1 for a valid signature and 0 otherwise. */
export interface Verifier {
  verify(items: readonly VerifyItem[]): Promise<Uint8Array>;
  /** Worker threads in use; 0 means verification runs on the calling thread. */
  readonly threads: number;
  close(): Promise<void>;
}

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

type Sodium = { crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean };
let sodiumLoaded: Sodium | null | undefined;
/** libsodium through sodium-native (prebuilt binaries in its npm package), or null where it cannot load. */
export function sodiumNative(): Sodium | null {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    // Loaded at run time from node_modules (a native addon), out of the bundler's sight.
    const name = ["sodium", "native"].join("-");
    const s = createRequire(path.join(process.cwd(), "package.json"))(name) as Sodium;
    sodiumLoaded = typeof s.crypto_sign_verify_detached === "function" ? s : null;
  } catch {
    sodiumLoaded = null;
  }
  return sodiumLoaded;
}

/**
 * Ed25519 verification on the calling thread: libsodium when it loads (about twice
 * node:crypto's rate here), else node:crypto with each device's KeyObject made once
 * (creating one from SPKI costs more than a verification). A wrong-length key or signature,
 * or a key that is not a valid point, never verifies and never throws.
 */
export function ed25519Check(): (device: string, key: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean {
  const cache = new Map<string, { key: Buffer; obj: KeyObject | null }>();
  const sodium = sodiumNative();
  return (device, key, message, signature) => {
    if (key.length !== 32 || signature.length !== 64) return false;
    if (sodium) {
      try {
        return sodium.crypto_sign_verify_detached(signature, message, key);
      } catch {
        return false;
      }
    }
    let hit = cache.get(device);
    if (!hit || !hit.key.equals(key)) {
      let obj: KeyObject | null = null;
      try {
        obj = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key]), format: "der", type: "spki" });
      } catch {
        obj = null;
      }
      if (cache.size >= 500_000) cache.clear();
      hit = { key: Buffer.from(key), obj };
      cache.set(device, hit);
    }
    if (!hit.obj) return false;
    try {
      return crypto.verify(null, message, hit.obj, signature);
    } catch {
      return false;
    }
  };
}

/** Verification on the calling thread behind the Verifier interface (tests, tools). */
export function inlineVerifier(): Verifier {
  const check = ed25519Check();
  return {
    threads: 0,
    async verify(items) {
      const out = new Uint8Array(items.length);
      items.forEach((it, i) => (out[i] = check(it.device, it.key, it.message, it.signature) ? 1 : 0));
      return out;
    },
    async close() {},
  };
}
