// Node-only fast paths: SHA-256 and Ed25519 from node:crypto. Never import
// this file from code that runs in the browser; use sha256.ts and
// webCryptoEd25519 there. Same interfaces, so callers inject either.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { type Ed25519, ED25519_PKCS8_PREFIX, ED25519_SPKI_PREFIX, require32 } from "./ed25519";
import { concatBytes } from "./encoding";
import { LedgerError } from "./errors";
import type { Hasher } from "./sha256";

/** SHA-256 via node:crypto. Returns a plain Uint8Array (not a Buffer). */
export const nodeSha256: Hasher = (data: Uint8Array): Uint8Array => {
  if (!(data instanceof Uint8Array)) throw new LedgerError("invalid_argument", `sha256 got ${typeof data}, want Uint8Array`);
  const d = createHash("sha256").update(data).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
};

/** Ed25519 via node:crypto; each key is imported once into a KeyObject. */
export const nodeEd25519: Ed25519 = {
  async importSeed(seed) {
    require32("Ed25519 seed", seed);
    const key: KeyObject = createPrivateKey({ key: Buffer.from(concatBytes(ED25519_PKCS8_PREFIX, seed)), format: "der", type: "pkcs8" });
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
    return {
      publicKey,
      sign: async (message) => new Uint8Array(sign(null, message, key)),
    };
  },
  async importPublicKey(publicKey) {
    require32("Ed25519 public key", publicKey);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(concatBytes(ED25519_SPKI_PREFIX, publicKey)), format: "der", type: "spki" });
    } catch {
      throw new LedgerError("malformed_key", "Ed25519 public key is not a valid curve point");
    }
    return async (message, signature) => {
      if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    };
  },
  randomSeed() {
    return new Uint8Array(randomBytes(32));
  },
};
