import { describe, expect, it } from "vitest";
import { signerFromSeed } from "../sim/simulator-keys";
import { ed25519Check } from "./verifier";

type VerifyItem = { device: string; key: Uint8Array; message: Uint8Array; signature: Uint8Array };

const signers = Array.from({ length: 8 }, (_, i) => signerFromSeed(new Uint8Array(32).fill(i + 1)));

function items(n: number): { items: VerifyItem[]; want: number[] } {
  const out: VerifyItem[] = [];
  const want: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = signers[i % signers.length];
    const message = new TextEncoder().encode(`message ${i} ✓`);
    const signature = s.sign(message);
    const kind = i % 5;
    if (kind === 0) signature[3] ^= 1; // forged
    const key = kind === 1 ? signers[(i + 1) % signers.length].publicKey : s.publicKey; // wrong key
    out.push({ device: `dev-${i % signers.length}`, key, message, signature: kind === 2 ? signature.subarray(0, 63) : signature });
    want.push(kind <= 2 ? 0 : 1);
  }
  return { items: out, want };
}

describe("signature verification", () => {
  it("verifies each signature with its own key, with keys that change under the same device id", () => {
    const check = ed25519Check();
    const { items: its, want } = items(1000);
    expect(its.map((it) => (check(it.device, it.key, it.message, it.signature) ? 1 : 0))).toEqual(want);
    // Not a valid curve point, or wrong lengths: never verifies, never throws.
    expect(check("dev-x", new Uint8Array(32).fill(0xff), new Uint8Array(1), new Uint8Array(64))).toBe(false);
    expect(check("dev-x", new Uint8Array(31), new Uint8Array(1), new Uint8Array(64))).toBe(false);
  });
});
