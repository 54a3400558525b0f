import crypto from "node:crypto";
import { loadOrCreateSecret } from "../secrets";
import { sodiumNative } from "../ingest/verifier";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A simulated device's (or gateway's) key: `seed` is its 32-byte Ed25519 seed, so another thread can sign as it (lib/sim/sim-signer.ts). */
export type DeviceSigner = { publicKey: Uint8Array; seed: Uint8Array; sign(message: Uint8Array): Uint8Array };

/**
 * The Ed25519 signer of a 32-byte seed: libsodium where it loads, else node:crypto with the
 * KeyObject created once (STACK.md). The simulator signs every reading of its devices on the
 * console's own thread, and makes a signer per device at each start: at size 10 (19,177
 * devices) node:crypto's key objects took about 450 µs a device (8.6 s of the thread at the
 * start) and 37 µs a signature, libsodium 20 µs and 18 µs (same signatures: Ed25519 is
 * deterministic).
 */
export function signerFromSeed(seed: Uint8Array): DeviceSigner {
  const sodium = sodiumNative();
  if (sodium && seed.length === 32) {
    const publicKey = new Uint8Array(32), secretKey = new Uint8Array(64);
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
    return {
      publicKey,
      seed,
      sign: (m) => {
        const sig = new Uint8Array(64);
        sodium.crypto_sign_detached(sig, m, secretKey);
        return sig;
      },
    };
  }
  return nodeSignerFromSeed(seed);
}

/** The same signer by node:crypto's KeyObjects: where libsodium does not load (and to compare against it). */
export function nodeSignerFromSeed(seed: Uint8Array): DeviceSigner {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return {
    publicKey: new Uint8Array(spki.subarray(spki.length - 32)),
    seed,
    sign: (m) => crypto.sign(null, m, privateKey),
  };
}

/**
 * The simulated devices' private keys. They belong to the devices, not to the console:
 * kept in DATA_DIR/secrets/simulator-devices.json, generated on first start, and only the
 * simulator reads them. The console knows each device by its registered public key alone.
 */
export async function loadSimulatorKeys(dataDir: string, deviceIds: readonly string[]): Promise<Map<string, DeviceSigner>> {
  const seeds = await loadOrCreateSecret<Record<string, string>>(
    dataDir,
    "simulator-devices",
    async () => Object.fromEntries(deviceIds.map((id) => [id, crypto.randomBytes(32).toString("base64")])),
    (v) => {
      if (typeof v !== "object" || v === null) throw new Error("not an object");
      return v as Record<string, string>;
    },
  );
  const out = new Map<string, DeviceSigner>();
  for (const id of deviceIds) {
    const s = seeds[id];
    if (!s) continue; // a device added to the city after the keys were made has no key; it stays silent
    out.set(id, signerFromSeed(new Uint8Array(Buffer.from(s, "base64"))));
  }
  return out;
}
