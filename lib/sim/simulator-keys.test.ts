import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { nodeSignerFromSeed, signerFromSeed } from "./simulator-keys";
import { sodiumNative } from "../ingest/verifier";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

describe("signerFromSeed (the simulated devices' Ed25519 keys)", () => {
  it("loads libsodium here (the fast path the simulator relies on at size 10)", () => {
    expect(sodiumNative()).not.toBeNull();
  });

  it("gives the public key and signatures node:crypto gives for the same seed, which node:crypto verifies", () => {
    for (let i = 0; i < 5; i++) {
      const seed = crypto.randomBytes(32);
      const signer = signerFromSeed(new Uint8Array(seed));
      const node = nodeSignerFromSeed(new Uint8Array(seed));
      expect(Buffer.from(signer.publicKey).equals(node.publicKey)).toBe(true);
      const message = crypto.randomBytes(200 + i);
      const signature = signer.sign(message);
      expect(signature).toHaveLength(64);
      expect(Buffer.from(signature).equals(node.sign(message))).toBe(true);
      const publicKey = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, signer.publicKey]), format: "der", type: "spki" });
      expect(crypto.verify(null, message, publicKey, signature)).toBe(true);
      message[0] ^= 1;
      expect(crypto.verify(null, message, publicKey, signature)).toBe(false);
    }
  });

  it("each call gives a signature of its own (not a view on a buffer the next call overwrites)", () => {
    const signer = signerFromSeed(new Uint8Array(32).fill(7));
    const a = signer.sign(Buffer.from("a"));
    const copy = Buffer.from(a);
    signer.sign(Buffer.from("b"));
    expect(Buffer.from(a).equals(copy)).toBe(true);
  });
});
