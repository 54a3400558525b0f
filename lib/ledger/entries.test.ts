import { describe, it, expect } from "vitest";
import { toBase64 } from "./encoding";
import { type LedgerEntry, ENTRY_SCHEMAS, decodeEntry, encodeEntry, entryLeafHash, parseEntry } from "./entries";
import { canonicalJsonBytes } from "./canonical-json";
import { LedgerError } from "./errors";
import { leafHash } from "./merkle";
import { nodeSha256 as h } from "./node-crypto";

const HASH = "ab".repeat(32);
const SIG = toBase64(new Uint8Array(64).fill(7));
const KEY = toBase64(new Uint8Array(32).fill(9));
const AT = "2026-05-01T08:00:00.000Z";

const valid: Record<string, LedgerEntry> = {
  "reading.v1": { kind: "reading.v1", dataset: "traffic.flow", device: "cam-17", seq: 42, observedAt: AT, payloadHash: HASH, signature: SIG },
  "reading.v1 via gateway": {
    kind: "reading.v1",
    dataset: "traffic.flow",
    device: "cam-17",
    seq: 43,
    observedAt: AT,
    payloadHash: HASH,
    signature: SIG,
    gateway: { device: "gw-1", batchRoot: HASH, signature: SIG },
  },
  "device.v1": { kind: "device.v1", action: "register", device: "cam-17", department: "transport", dataset: "traffic.flow", publicKey: KEY, at: AT },
  "grant.v1": {
    kind: "grant.v1",
    grant: "g-1",
    action: "approve",
    from: "transport",
    to: "safety",
    dataset: "traffic.flow",
    scope: "aggregated",
    purposeHash: HASH,
    fields: ["speed", "count"],
    validFrom: AT,
    validUntil: "2026-06-01T00:00:00Z",
    by: "u-admin",
    at: AT,
    automatic: true,
    rule: "r-1",
  },
  "grant.v2": {
    kind: "grant.v2",
    grant: "g-2",
    action: "approve",
    from: "safety",
    to: "emergency",
    dataset: "safety.cameras",
    scope: "raw",
    purposeHash: HASH,
    fields: ["online"],
    validFrom: AT,
    validUntil: "2026-05-01T14:00:00.000Z",
    dataFrom: "2026-05-01T06:00:00.000Z",
    dataUntil: AT,
    area: { lon: 121.447, lat: 37.4638, radiusM: 2000 },
    by: "rule:r-1",
    at: AT,
    automatic: true,
    rule: "r-1",
  },
  "access.v1": { kind: "access.v1", batch: "b-9", events: HASH, count: 120, from: AT, to: AT },
  "report.v1": { kind: "report.v1", report: "rep-1", serviceCode: "pothole", locationCell: "8a2a1072b59ffff", descriptionHash: HASH, mediaHash: HASH, reporter: "p-3f2a", at: AT },
  "credit.v1": { kind: "credit.v1", reporter: "p-3f2a", report: "rep-1", amount: 5, at: AT },
  "reporter.v1": { kind: "reporter.v1", reporter: "rk-0123456789abcdef0123456789abcdef", action: "appeal", department: "traffic", by: "rk-0123456789abcdef0123456789abcdef", role: "reporter", reasonHash: "cd".repeat(32), at: AT },
  "rule.v1": { kind: "rule.v1", rule: "r-1", action: "create", definitionHash: HASH, by: "u-admin", at: AT },
  "commitment.v1": { kind: "commitment.v1", commitment: HASH },
  "account.v1": { kind: "account.v1", account: "5b0c2f4e-1f0a-4c1e-9a57-2d0f5f9f3c11", action: "change", department: "citizen", role: "sysadmin", disabled: false, by: "u-admin", at: AT },
};

describe("entries", () => {
  it("has a valid example for every kind", () => {
    expect(new Set(Object.values(valid).map((e) => e.kind))).toEqual(new Set(Object.keys(ENTRY_SCHEMAS)));
  });

  it.each(Object.entries(valid))("%s round-trips through canonical bytes", (_, entry) => {
    // Read-only kinds (superseded versions) are read, never written: their bytes come from the canonicaliser.
    const bytes = ENTRY_SCHEMAS[entry.kind].writable ? encodeEntry(entry) : canonicalJsonBytes(entry);
    expect(decodeEntry(bytes)).toEqual(entry);
    if (ENTRY_SCHEMAS[entry.kind].writable) expect(entryLeafHash(h, entry)).toEqual(leafHash(h, bytes));
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith("{")).toBe(true);
    expect(text).not.toMatch(/\s":/);
  });

  it("encodes with sorted keys and leaves out undefined optional fields", () => {
    const bytes = encodeEntry({ ...valid["device.v1"], reason: undefined } as LedgerEntry);
    expect(new TextDecoder().decode(bytes)).toBe(
      `{"action":"register","at":"${AT}","dataset":"traffic.flow","department":"transport","device":"cam-17","kind":"device.v1","publicKey":"${KEY}"}`,
    );
  });

  it("device.v1 records a gateway's quarantine and release, and still reads the register, rotate and revoke entries written before", () => {
    for (const action of ["register", "rotate", "revoke", "quarantine", "release"]) {
      const bytes = canonicalJsonBytes({ ...valid["device.v1"], action, device: "gw-traffic-1", reason: "reading 3 of trf-1: device signature does not verify" });
      expect(decodeEntry(bytes)).toMatchObject({ kind: "device.v1", action, device: "gw-traffic-1" });
    }
    // An entry written before the new actions existed decodes byte for byte.
    const old = `{"action":"revoke","at":"${AT}","dataset":"traffic.flow","department":"transport","device":"cam-17","kind":"device.v1","publicKey":"${KEY}","reason":"lost"}`;
    expect(decodeEntry(new TextEncoder().encode(old))).toMatchObject({ action: "revoke", reason: "lost" });
  });

  const bad: Array<[string, unknown, string, string]> = [
    ["unknown kind", { ...valid["credit.v1"], kind: "credit.v9" }, "unknown_entry_kind", 'kind got "credit.v9", want one of reading.v1'],
    ["missing kind", { a: 1 }, "unknown_entry_kind", "kind got undefined"],
    ["not an object", [1], "malformed_entry", "got array, want an object"],
    ["extra field", { ...valid["credit.v1"], note: "x" }, "malformed_entry", "credit.v1 (entry): Unrecognized key"],
    ["uppercase hash", { ...valid["rule.v1"], definitionHash: HASH.toUpperCase() }, "malformed_entry", "rule.v1 definitionHash: must be 64 lowercase hex digits"],
    ["short signature", { ...valid["reading.v1"], signature: toBase64(new Uint8Array(63)) }, "malformed_entry", "reading.v1 signature: must be canonical base64 of a 64-byte Ed25519 signature"],
    ["bad gateway", { ...valid["reading.v1"], gateway: { device: "gw", batchRoot: "x", signature: SIG } }, "malformed_entry", "reading.v1 gateway.batchRoot"],
    ["local time", { ...valid["credit.v1"], at: "2026-05-01T08:00:00+08:00" }, "malformed_entry", "credit.v1 at: Invalid ISO datetime"],
    ["negative seq", { ...valid["reading.v1"], seq: -1 }, "malformed_entry", "reading.v1 seq"],
    ["fractional amount", { ...valid["credit.v1"], amount: 1.5 }, "malformed_entry", "credit.v1 amount"],
    ["unknown action", { ...valid["device.v1"], action: "delete" }, "malformed_entry", "device.v1 action"],
    ["report status change to an unknown status", { ...valid["report.v1"], action: "reject", status: "ignored", noteHash: HASH }, "malformed_entry", "report.v1 status"],
    ["report photo hash not hex", { ...valid["report.v1"], mediaHashes: [HASH, "photo.jpg"] }, "malformed_entry", "report.v1 mediaHashes.1: must be 64 lowercase hex digits"],
    ["grant ends before it starts", { ...valid["grant.v2"], validUntil: "2020-01-01T00:00:00Z" }, "malformed_entry", "grant.v2 validUntil: validFrom must not be after validUntil"],
    ["data window ends before it starts", { ...valid["grant.v2"], dataUntil: "2020-01-01T00:00:00Z" }, "malformed_entry", "grant.v2 dataUntil: dataFrom must not be after dataUntil"],
    ["area with no radius", { ...valid["grant.v2"], area: { lon: 121.4, lat: 37.4, radiusM: 0 } }, "malformed_entry", "grant.v2 area.radiusM"],
    ["control character in id", { ...valid["credit.v1"], reporter: "a\nb" }, "malformed_entry", "credit.v1 reporter: must not contain control characters"],
    ["unknown role", { ...valid["account.v1"], role: "root" }, "malformed_entry", "account.v1 role"],
    ["e-mail in an account entry", { ...valid["account.v1"], email: "a@b.example" }, "malformed_entry", "account.v1 (entry): Unrecognized key"],
    ["wrong key size", { ...valid["device.v1"], publicKey: toBase64(new Uint8Array(33)) }, "malformed_entry", "device.v1 publicKey"],
  ];
  it.each(bad)("refuses %s", (_, value, code, text) => {
    let err: unknown;
    try {
      encodeEntry(value as LedgerEntry);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe(code);
    expect((err as Error).message).toContain(text);
    expect(() => parseEntry(value)).toThrow(LedgerError);
  });

  it("reads a superseded version but refuses to write it", () => {
    expect(decodeEntry(canonicalJsonBytes(valid["grant.v1"]))).toEqual(valid["grant.v1"]);
    expect(() => encodeEntry(valid["grant.v1"])).toThrow(/grant\.v1 can be read but no longer written/);
  });

  it("decodes only canonical bytes of a known, valid kind", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const good = new TextDecoder().decode(encodeEntry(valid["credit.v1"]));
    expect(() => decodeEntry(enc(good.replace("{", "{ ")))).toThrow("non_canonical_json");
    expect(() => decodeEntry(enc(JSON.stringify({ ...valid["credit.v1"] })))).toThrow("non_canonical_json");
    expect(() => decodeEntry(enc('{"kind":"x.v1"}'))).toThrow("unknown_entry_kind");
    expect(() => decodeEntry(enc('{"amount":1,"kind":"credit.v1"}'))).toThrow("malformed_entry");
    expect(() => decodeEntry(enc("{"))).toThrow("malformed_json");
    expect(() => decodeEntry(new Uint8Array([0xc0]))).toThrow("malformed_utf8");
  });
});
