import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { bitLength, onesCount, shr, splitPoint, trailingZeros, xor } from "./bits";
import { fromBase64, fromHex, loneSurrogateIndex, toBase64, toHex, uint64BE, readUint64BE, utf8Decode } from "./encoding";

describe("hex", () => {
  it("round-trips and refuses odd or non-hex input", () => {
    fc.assert(fc.property(fc.uint8Array(), (b) => {
      expect(fromHex(toHex(b))).toEqual(b);
    }));
    expect(toHex(fromHex("00FFab"))).toBe("00ffab");
    expect(() => fromHex("abc")).toThrow("malformed_hex: got 3 characters, want an even number");
    expect(() => fromHex("zz")).toThrow('malformed_hex: got "zz" at offset 0, want hex digits');
  });
});

describe("base64", () => {
  it("round-trips and matches Buffer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(toBase64(b)).toBe(Buffer.from(b).toString("base64"));
        expect(fromBase64(toBase64(b))).toEqual(b);
      }),
    );
  });

  it("accepts only the canonical padded standard encoding", () => {
    for (const bad of ["A", "AA", "AA=", "AAA", "A===", "====", "AA==AA==", "AB==", "AAB=", "AA-_", "AA A", "AA\n=", "QQ"]) {
      expect(() => fromBase64(bad), bad).toThrow(/^malformed_base64/);
    }
    expect(fromBase64("")).toEqual(new Uint8Array(0));
    expect(fromBase64("QQ==")).toEqual(new Uint8Array([65]));
    expect(() => fromBase64("QR==")).toThrow("malformed_base64: non-zero unused bits before padding, want the canonical encoding");
  });
});

describe("utf8 and integers", () => {
  it("finds lone surrogates and refuses invalid UTF-8", () => {
    expect(loneSurrogateIndex("a\ud83d\ude00b")).toBe(-1);
    expect(loneSurrogateIndex("ab\ud83d")).toBe(2);
    expect(loneSurrogateIndex("\ude00")).toBe(0);
    expect(() => utf8Decode(new Uint8Array([0xff]))).toThrow("malformed_utf8");
    expect(utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe("\ufeffA");
  });

  it("encodes uint64 big-endian", () => {
    expect(toHex(uint64BE(0x0102030405))).toBe("0000000102030405");
    expect(readUint64BE(fromHex("8000000000000001"))).toBe(2n ** 63n + 1n);
    expect(() => uint64BE(-1)).toThrow("invalid_argument");
  });

  it("does 53-bit bit arithmetic", () => {
    const big = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(big, big, fc.integer({ min: 0, max: 60 }), (a, b, k) => {
        const A = BigInt(a);
        const B = BigInt(b);
        expect(bitLength(a)).toBe(A.toString(2).replace(/^0$/, "").length);
        expect(onesCount(a)).toBe([...A.toString(2)].filter((c) => c === "1").length);
        expect(BigInt(xor(a, b))).toBe(A ^ B);
        expect(BigInt(shr(a, k))).toBe(A >> BigInt(k));
        if (a > 0) expect(trailingZeros(a)).toBe(A.toString(2).length - 1 - A.toString(2).lastIndexOf("1"));
        if (a > 1) {
          const p = splitPoint(a);
          expect(p < a && 2 * p >= a && onesCount(p) === 1).toBe(true);
        }
      }),
    );
    expect(bitLength(2 ** 53 - 1)).toBe(53);
    expect(trailingZeros(2 ** 40)).toBe(40);
  });
});
