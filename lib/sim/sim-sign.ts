import { envelopeBytes, signEnvelope, type Envelope, type SignedEnvelope } from "../ingest/envelope";
import { signGatewayBatch } from "../ingest/gateway";
import { fromBase64 } from "../ledger/encoding";
import { ed25519Check } from "../ingest/verifier";
import type { DeviceSigner } from "./simulator-keys";

/**
 * What a simulator tick asks of its devices' and gateways' keys: the devices sign their
 * readings; a device publishing over MQTT sends each as a JSON payload; a gateway checks each
 * device signature it is handed and signs its batches of up to GATEWAY_BATCH_SIZE readings.
 * This is the tick's cryptography, and nearly all of its CPU (at size 10 a first tick is
 * 19,177 readings: about 20 µs to sign each and 50 µs to verify it). A real city's devices
 * and gateways do it on their own hardware: sim-signer.ts runs it on a thread of its own.
 */
export type SignRequest = {
  mqtt: { device: string; envelopes: Envelope[] }[];
  gateways: { gateway: string; envelopes: Envelope[] }[];
};
export type SignReply = {
  /** Per device, the signed readings as the JSON payloads it publishes, in order. */
  mqtt: { device: string; payloads: string[] }[];
  /** Per gateway, its batches: the JSON body and which of its envelopes (indexes) the batch carries; one whose device signature failed is in none. */
  gateways: { gateway: string; batches: { body: string; carries: number[] }[] }[];
};

/** Readings per gateway batch. */
export const GATEWAY_BATCH_SIZE = 500;
/** The signing thread's name (/proc/<pid>/task/<tid>/comm; at most 15 bytes). */
export const SIM_SIGN_THREAD_NAME = "sim-sign";

export type SimKeys = { devices: ReadonlyMap<string, DeviceSigner>; gateways: ReadonlyMap<string, DeviceSigner> };

/** Signs and batches what a tick sends (see SignRequest); `verify` is the gateways' check (ed25519Check). */
export function signTick(keys: SimKeys, req: SignRequest, verify: ReturnType<typeof ed25519Check>): SignReply {
  const mqtt = req.mqtt.flatMap(({ device, envelopes }) => {
    const signer = keys.devices.get(device);
    return signer ? [{ device, payloads: envelopes.map((e) => JSON.stringify(signEnvelope(e, signer.sign))) }] : [];
  });
  const gateways = req.gateways.flatMap(({ gateway, envelopes }) => {
    const gw = keys.gateways.get(gateway);
    if (!gw) return [];
    const checked: { e: SignedEnvelope; i: number }[] = [];
    envelopes.forEach((e, i) => {
      const signer = keys.devices.get(e.device);
      if (!signer) return;
      const signed = signEnvelope(e, signer.sign);
      // The gateway checks the device's signature with the device's public key, as a real one does.
      if (verify(e.device, signer.publicKey, envelopeBytes(signed), fromBase64(signed.signature))) checked.push({ e: signed, i });
    });
    const batches: { body: string; carries: number[] }[] = [];
    for (let k = 0; k < checked.length; k += GATEWAY_BATCH_SIZE) {
      const part = checked.slice(k, k + GATEWAY_BATCH_SIZE);
      batches.push({ body: JSON.stringify(signGatewayBatch(gateway, part.map((x) => x.e), gw.sign)), carries: part.map((x) => x.i) });
    }
    return [{ gateway, batches }];
  });
  return { mqtt, gateways };
}
