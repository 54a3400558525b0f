import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { signerFromSeed } from "../sim/simulator-keys";
import { envelopeBytes, payloadHashOf, signEnvelope, type Envelope } from "./envelope";
import { batchRootOf, gatewayStatementBytes, signGatewayBatch } from "./gateway";
import { ed25519Check } from "./verifier";

const sha = (...parts: Uint8Array[]) => new Uint8Array(crypto.createHash("sha256").update(Buffer.concat(parts)).digest());
// The RFC 9162 §2.1.1 definition, written out naively as an oracle.
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha(new Uint8Array(0));
  if (leaves.length === 1) return sha(new Uint8Array([0]), leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(new Uint8Array([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const device = signerFromSeed(new Uint8Array(32).fill(1));
const gateway = signerFromSeed(new Uint8Array(32).fill(2));
const reading = (seq: number): Envelope => ({
  device: "trf-000001",
  dataset: "traffic.flow",
  seq,
  observedAt: new Date(1_790_000_000_000 + seq * 1000).toISOString(),
  location: [121.4, 37.4],
  values: { segmentId: "s", speedKmh: 40, flowVehH: 100, occupancy: 0.1 },
});

describe("gateway batches", () => {
  it("batch root is the RFC 9162 root over the payload hashes", () => {
    for (const n of [1, 2, 3, 5, 8, 13, 500]) {
      const hashes = Array.from({ length: n }, (_, i) => payloadHashOf(envelopeBytes(reading(i + 1))));
      expect(Buffer.from(batchRootOf(hashes)).toString("hex"), `n=${n}`).toBe(Buffer.from(mth(hashes)).toString("hex"));
    }
  });

  it("the gateway signs canonical JSON of its id and the root, checkable from a ledger entry alone", async () => {
    const readings = [1, 2, 3].map((s) => signEnvelope(reading(s), device.sign));
    const batch = signGatewayBatch("gw-traffic-zhifu", readings, gateway.sign);
    const root = Buffer.from(batch.batchRoot, "hex");
    expect(new TextDecoder().decode(gatewayStatementBytes("gw-traffic-zhifu", root))).toBe(
      `{"batchRoot":"${batch.batchRoot}","gateway":"gw-traffic-zhifu","kind":"gateway-batch.v1"}`,
    );
    const v = ed25519Check();
    const check = async (id: string, r: Uint8Array, sig: string) => (v(id, gateway.publicKey, gatewayStatementBytes(id, r), Buffer.from(sig, "base64")) ? 1 : 0);
    expect(await check("gw-traffic-zhifu", root, batch.signature)).toBe(1);
    expect(await check("gw-traffic-other", root, batch.signature)).toBe(0);
    const other = signGatewayBatch("gw-traffic-zhifu", readings.slice(0, 2), gateway.sign);
    expect(await check("gw-traffic-zhifu", Buffer.from(other.batchRoot, "hex"), batch.signature)).toBe(0);
  });
});
