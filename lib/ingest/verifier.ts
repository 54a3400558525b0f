import crypto, { type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

type Sodium = {
  crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean;
  /** sk: the 64-byte secret key (seed and public key) crypto_sign_seed_keypair makes. */
  crypto_sign_detached(sig: Uint8Array, msg: Uint8Array, sk: Uint8Array): void;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
};
let sodiumLoaded: Sodium | null | undefined;
/** libsodium through sodium-native (prebuilt binaries in its npm package), or null where it cannot load. */
export function sodiumNative(): Sodium | null {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    // Loaded at run time from node_modules (a native addon), out of the bundler's sight.
    const name = ["sodium", "native"].join("-");
    const s = createRequire(path.join(process.cwd(), "package.json"))(name) as Sodium;
    sodiumLoaded = typeof s.crypto_sign_verify_detached === "function" && typeof s.crypto_sign_detached === "function" && typeof s.crypto_sign_seed_keypair === "function" ? s : null;
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
