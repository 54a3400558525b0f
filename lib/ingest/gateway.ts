import { z } from "zod";
import { hasControlChars } from "./values-schema";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { toBase64, toHex } from "../ledger/encoding";
import { leafHash, rootFromLeafHashes } from "../ledger/merkle";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { envelopeBytes, payloadHashOf, type SignedEnvelope } from "./envelope";

/**
 * An edge gateway's batch. The gateway has checked each reading's device signature; it
 * signs the RFC 9162 Merkle root over the readings' payload hashes (each payload hash is
 * one leaf, hashed as SHA-256(0x00 || payloadHash)), and every reading keeps its own
 * device signature. What the gateway signs is the canonical JSON of
 * {"batchRoot": <hex>, "gateway": <device id>, "kind": "gateway-batch.v1"}, so the
 * signature can be checked from a reading.v1 entry's gateway field alone.
 */
export type GatewayBatchWire = { gateway: string; batchRoot: string; signature: string; readings: SignedEnvelope[] };

export const GATEWAY_BATCH_KIND = "gateway-batch.v1";
/** Most readings one gateway batch may carry. */
export const MAX_BATCH_READINGS = 5000;

export const GatewayBatchShape = z.strictObject({
  gateway: z
    .string()
    .min(1)
    .max(256)
    .refine((s) => !hasControlChars(s), "must not contain control characters"),
  batchRoot: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
  signature: z.string().max(200),
  readings: z.array(z.unknown()).min(1).max(MAX_BATCH_READINGS),
});

/** The bytes a gateway signs for a batch with this root. */
export function gatewayStatementBytes(gateway: string, batchRoot: Uint8Array): Uint8Array {
  return canonicalJsonBytes({ batchRoot: toHex(batchRoot), gateway, kind: GATEWAY_BATCH_KIND });
}

/** RFC 9162 root over payload hashes, each one leaf. */
export function batchRootOf(payloadHashes: readonly Uint8Array[]): Uint8Array {
  return rootFromLeafHashes(nodeSha256, payloadHashes.map((h) => leafHash(nodeSha256, h)));
}

/** Builds and signs a batch as a gateway does (the readings are already signed by their devices). */
export function signGatewayBatch(gateway: string, readings: SignedEnvelope[], sign: (message: Uint8Array) => Uint8Array): GatewayBatchWire {
  const root = batchRootOf(readings.map((r) => payloadHashOf(envelopeBytes(r))));
  return { gateway, batchRoot: toHex(root), signature: toBase64(sign(gatewayStatementBytes(gateway, root))), readings };
}
