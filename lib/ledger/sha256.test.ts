import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { toHex } from "./encoding";
import { nodeSha256 } from "./node-crypto";
import { sha256 } from "./sha256";

const text = (s: string) => new TextEncoder().encode(s);

describe("sha256 (pure)", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(toHex(sha256(text("")))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(sha256(text("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(sha256(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(toHex(sha256(text("a".repeat(1_000_000))))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("agrees with node:crypto on every length around the block boundaries", () => {
    for (let n = 0; n <= 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 255);
      expect(toHex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
    }
  });

  it("agrees with node:crypto on random inputs, including subarrays", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(16), (data, off) => {
        const view = data.subarray(Math.min(off, data.length));
        expect(toHex(sha256(view))).toBe(toHex(nodeSha256(view)));
      }),
    );
  });

  it("nodeSha256 returns a plain Uint8Array", () => {
    const d = nodeSha256(text("abc"));
    expect(Object.getPrototypeOf(d)).toBe(Uint8Array.prototype);
    expect(d.length).toBe(32);
  });

  it("refuses non-bytes with a typed error", () => {
    expect(() => sha256("abc" as unknown as Uint8Array)).toThrow("invalid_argument: sha256 got string, want Uint8Array");
  });
});
