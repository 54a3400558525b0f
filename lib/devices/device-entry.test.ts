import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { isSmallOrderPoint, requireEd25519PublicKey } from "./device-entry";

describe("device public keys", () => {
  it.each([
    ["the identity", "0100000000000000000000000000000000000000000000000000000000000000"],
    ["the point of order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["a point of order 4", "0000000000000000000000000000000000000000000000000000000000000080"],
    ["a point of order 8", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"],
    ["another point of order 8", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"],
  ])("refuses %s with the reason", (_name, hex) => {
    const key = Buffer.from(hex, "hex");
    expect(isSmallOrderPoint(key)).toBe(true);
    expect(() => requireEd25519PublicKey("trf-x", key)).toThrow(/small-order point/);
  });
  it("accepts a real key", () => {
    const raw = crypto.generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(12);
    expect(isSmallOrderPoint(raw)).toBe(false);
    expect(() => requireEd25519PublicKey("trf-x", raw)).not.toThrow();
  });
});
