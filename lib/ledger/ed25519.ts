// Ed25519 behind an injected interface, so the same note and witness code runs
// on WebCrypto (browsers, and Node's globalThis.crypto) or on node:crypto
// (node-crypto.ts). Keys are imported once and reused for every operation.
import { LedgerError } from "./errors";

/** Signs messages with one imported private key. */
export type SignFn = (message: Uint8Array) => Promise<Uint8Array>;
/** Verifies signatures for one imported public key; resolves false, never rejects, on a bad signature. */
export type VerifyFn = (message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** An Ed25519 implementation (RFC 8032). */
export interface Ed25519 {
  /** Imports a 32-byte private seed; returns its public key and a signer. */
  importSeed(seed: Uint8Array): Promise<{ publicKey: Uint8Array; sign: SignFn }>;
  /** Imports a 32-byte public key; fails with malformed_key if it is not a valid point. */
  importPublicKey(publicKey: Uint8Array): Promise<VerifyFn>;
  /** 32 random bytes for a new seed. */
  randomSeed(): Uint8Array;
}

/** The PKCS #8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows. */
export const ED25519_PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
/** The SPKI DER prefix of an Ed25519 public key (RFC 8410); the 32-byte key follows. */
export const ED25519_SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Throws malformed_key unless `b` is a 32-byte array; `what` names it. */
export function require32(what: string, b: unknown): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    const got = b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
    throw new LedgerError("malformed_key", `${what} got ${got}, want 32 bytes`);
  }
}

function base64UrlDecode(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// WebCrypto wants BufferSource backed by a plain ArrayBuffer.
function buf(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer as ArrayBuffer;
}

/** Ed25519 on WebCrypto: `crypto.subtle` in browsers and in Node >= 20. */
export function webCryptoEd25519(subtle: SubtleCrypto = globalThis.crypto.subtle): Ed25519 {
  return {
    async importSeed(seed) {
      require32("Ed25519 seed", seed);
      const pkcs8 = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32);
      pkcs8.set(ED25519_PKCS8_PREFIX);
      pkcs8.set(seed, ED25519_PKCS8_PREFIX.length);
      const key = await subtle.importKey("pkcs8", buf(pkcs8), { name: "Ed25519" }, true, ["sign"]);
      const jwk = await subtle.exportKey("jwk", key);
      if (typeof jwk.x !== "string") throw new LedgerError("malformed_key", "WebCrypto did not export the public key");
      const publicKey = base64UrlDecode(jwk.x);
      const sign: SignFn = async (message) => new Uint8Array(await subtle.sign({ name: "Ed25519" }, key, buf(message)));
      return { publicKey, sign };
    },
    async importPublicKey(publicKey) {
      require32("Ed25519 public key", publicKey);
      let key: CryptoKey;
      try {
        key = await subtle.importKey("raw", buf(publicKey), { name: "Ed25519" }, false, ["verify"]);
      } catch {
        throw new LedgerError("malformed_key", "Ed25519 public key is not a valid curve point");
      }
      return async (message, signature) => {
        if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
        try {
          return await subtle.verify({ name: "Ed25519" }, key, buf(signature), buf(message));
        } catch {
          return false;
        }
      };
    },
    randomSeed() {
      return globalThis.crypto.getRandomValues(new Uint8Array(32));
    },
  };
}
