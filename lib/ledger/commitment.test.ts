import { describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { commitmentOf, openCommitment, openCommitmentText, sealEntry, SALT_BYTES } from "./commitment";
import { decodeEntry, encodeEntry, type LedgerEntry } from "./entries";
import { toHex, utf8Decode } from "./encoding";
import { LedgerError } from "./errors";
import { sha256 } from "./sha256";

const reading: LedgerEntry = {
  kind: "reading.v1",
  dataset: "safety.incidents",
  device: "inc-0007",
  seq: 12,
  observedAt: "2026-12-03T08:15:00.000Z",
  payloadHash: "ab".repeat(32),
  signature: Buffer.alloc(64, 3).toString("base64"),
};
const grant: LedgerEntry = {
  kind: "grant.v2",
  grant: "g_1",
  action: "approve",
  from: "safety",
  to: "emergency",
  dataset: "traffic.flow",
  scope: "raw",
  purposeHash: "cd".repeat(32),
  fields: ["speedKmh"],
  validFrom: "2026-12-03T08:15:01.000Z",
  validUntil: "2026-12-03T14:15:01.000Z",
  area: { lon: 121.4512, lat: 37.4633, radiusM: 2000 },
  by: "rule:r1",
  at: "2026-12-03T08:15:01.000Z",
  automatic: true,
  rule: "r1",
};
const salt = Uint8Array.from({ length: SALT_BYTES }, (_, i) => i * 7 + 1);

describe("salted commitments", () => {
  it("commit to SHA-256(salt || canonical entry), as any SHA-256 computes it", () => {
    const { inner, sealed } = sealEntry(sha256, reading, salt);
    expect(inner).toEqual(encodeEntry(reading));
    const want = createHash("sha256").update(salt).update(inner).digest("hex");
    expect(toHex(commitmentOf(sha256, salt, inner))).toBe(want);
    expect(utf8Decode(sealed)).toBe(`{"commitment":"${want}","kind":"commitment.v1"}`);
    expect(decodeEntry(sealed)).toEqual({ kind: "commitment.v1", commitment: want });
  });

  it("reveal nothing of the entry: no clear value in the sealed bytes, same length for every entry", () => {
    const a = utf8Decode(sealEntry(sha256, reading, salt).sealed);
    const b = utf8Decode(sealEntry(sha256, grant, randomBytes(32)).sealed);
    for (const clear of ["inc-0007", "safety.incidents", "2026-12-03", "121.45", "37.46", "ab".repeat(8), "emergency", "reading", "grant"]) {
      expect(a).not.toContain(clear);
      expect(b).not.toContain(clear);
    }
    expect(a.length).toBe(b.length);
    // Another salt, another commitment: equal entries cannot be linked.
    expect(sealEntry(sha256, reading, randomBytes(32)).sealed).not.toEqual(sealEntry(sha256, reading, randomBytes(32)).sealed);
  });

  it("open with the salt and the inner entry, and only with them", () => {
    for (const e of [reading, grant]) {
      const { inner, sealed } = sealEntry(sha256, e, salt);
      const c = decodeEntry(sealed);
      expect(openCommitment(sha256, c, salt, inner)).toEqual(e);
      expect(openCommitmentText(sha256, c, toHex(salt), utf8Decode(inner))).toEqual(e);
      const otherSalt = salt.slice();
      otherSalt[0] ^= 1;
      expect(() => openCommitment(sha256, c, otherSalt, inner)).toThrow(expect.objectContaining({ code: "commitment_mismatch" }));
      const otherInner = utf8Decode(inner).replace(e.kind === "reading.v1" ? "inc-0007" : "121.4512", e.kind === "reading.v1" ? "inc-0008" : "121.4513");
      expect(() => openCommitmentText(sha256, c, toHex(salt), otherInner)).toThrow(expect.objectContaining({ code: "commitment_mismatch" }));
      expect(() => openCommitment(sha256, c, salt.subarray(1), inner)).toThrow(LedgerError);
    }
  });

  it("refuse what is not a commitment of a sealable entry", () => {
    const device: LedgerEntry = { kind: "access.v1", batch: "acc_1", events: "ab".repeat(32), count: 1, from: reading.observedAt, to: reading.observedAt };
    expect(() => sealEntry(sha256, device, salt)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    // A commitment whose opening is an access entry (or another commitment) is refused on opening.
    const inner = encodeEntry(device);
    const c: LedgerEntry = { kind: "commitment.v1", commitment: toHex(commitmentOf(sha256, salt, inner)) };
    expect(() => openCommitment(sha256, c, salt, inner)).toThrow(expect.objectContaining({ code: "malformed_entry" }));
    expect(() => openCommitment(sha256, reading, salt, inner)).toThrow(expect.objectContaining({ code: "malformed_entry" }));
    // Non-canonical inner bytes do not open (the canonical entry is what is committed to).
    const spaced = new TextEncoder().encode(utf8Decode(encodeEntry(reading)).replace(",", ", "));
    const c2: LedgerEntry = { kind: "commitment.v1", commitment: toHex(commitmentOf(sha256, salt, spaced)) };
    expect(() => openCommitment(sha256, c2, salt, spaced)).toThrow(expect.objectContaining({ code: "non_canonical_json" }));
    expect(() => decodeEntry(new TextEncoder().encode(`{"commitment":"AB","kind":"commitment.v1"}`))).toThrow(expect.objectContaining({ code: "malformed_entry" }));
  });
});
