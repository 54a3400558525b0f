import crypto from "node:crypto";
import { loadOrCreateSecret } from "../secrets";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export type DeviceSigner = { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };

/** The Ed25519 signer of a 32-byte seed, with the KeyObject created once (STACK.md). */
export function signerFromSeed(seed: Uint8Array): DeviceSigner {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return {
    publicKey: new Uint8Array(spki.subarray(spki.length - 32)),
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
