import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../ledger/canonical-json";
import { signerFromSeed } from "../sim/simulator-keys";
import { envelopeBytes, isRefusal, MAX_CLOCK_SKEW_MS, parseJsonBytes, parseSignedEnvelope, payloadHashOf, signEnvelope, type Envelope } from "./envelope";
import { ed25519Check } from "./verifier";

const enc = new TextEncoder();
const dec = new TextDecoder();
const signer = signerFromSeed(new Uint8Array(32).fill(7));
const base: Envelope = {
  device: "trf-000001",
  dataset: "traffic.flow",
  seq: 1,
  observedAt: "2026-05-01T08:00:00.000Z",
  location: [121.45, 37.46],
  values: { segmentId: "seg-1", speedKmh: 42.5, flowVehH: 800, occupancy: 0.2 },
};
const NOW = Date.parse("2026-05-01T08:00:30.000Z");
const verify = async (e: Envelope, sig: Uint8Array) => ed25519Check()(e.device, signer.publicKey, envelopeBytes(e), sig);

function parse(value: unknown) {
  return parseSignedEnvelope(value, NOW);
}

describe("envelope canonical bytes (RFC 8785)", () => {
  it("sorts members, drops whitespace and signs exactly the six envelope fields", () => {
    expect(dec.decode(envelopeBytes(base))).toBe(
      '{"dataset":"traffic.flow","device":"trf-000001","location":[121.45,37.46],"observedAt":"2026-05-01T08:00:00.000Z","seq":1,' +
        '"values":{"flowVehH":800,"occupancy":0.2,"segmentId":"seg-1","speedKmh":42.5}}',
    );
    const withExtra = { ...base, signature: "x" } as Envelope;
    expect(envelopeBytes(withExtra)).toEqual(envelopeBytes(base));
  });

  it("writes numbers as ECMAScript does (RFC 8785 appendix B vectors)", () => {
    const vectors: [string, string][] = [
      ["0000000000000000", "0"],
      ["8000000000000000", "0"],
      ["0000000000000001", "5e-324"],
      ["8000000000000001", "-5e-324"],
      ["7fefffffffffffff", "1.7976931348623157e+308"],
      ["4340000000000000", "9007199254740992"],
      ["4430000000000000", "295147905179352830000"],
      ["44b52d02c7e14af5", "9.999999999999997e+22"],
      ["44b52d02c7e14af6", "1e+23"],
      ["3eb0c6f7a0b5ed8d", "0.000001"],
      ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
      ["41b3de4355555555", "333333333.3333333"],
    ];
    for (const [bits, want] of vectors) {
      const n = Buffer.from(bits, "hex").readDoubleBE(0);
      const e = { ...base, values: { x: n } };
      expect(dec.decode(envelopeBytes(e))).toContain(`"values":{"x":${want}}`);
    }
  });

  it("sorts non-ASCII member names by UTF-16 code units and keeps non-ASCII text as UTF-8", () => {
    const values = { "\u20ac": "Euro", "\r": "CR", "\ufb33": "Dalet", "1": "One", "\ud83d\ude00": "😀", "\u0080": "Control", "\u00f6": "ö" };
    const text = dec.decode(envelopeBytes({ ...base, values }));
    expect(text).toContain('"values":{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"\u00f6","\u20ac":"Euro","\ud83d\ude00":"\ud83d\ude00","\ufb33":"Dalet"}');
    // A description in Chinese with an emoji: the bytes are UTF-8, unescaped.
    const zh = envelopeBytes({ ...base, values: { description: "路灯坏了 ☃ 😀" } });
    expect(Buffer.from(zh).includes(Buffer.from("路灯坏了 ☃ 😀", "utf8"))).toBe(true);
  });

  it("hashes and verifies the same bytes however the device spelled its JSON", async () => {
    const signed = signEnvelope({ ...base, values: { ...base.values, segmentId: "路段-1" } }, signer.sign);
    // Reordered members, whitespace, \u escapes and an exponent: same value, same canonical bytes.
    const wire = `{ "values": {"occupancy": 2e-1, "segmentId": "\\u8def\\u6bb5-1", "flowVehH": 8E2, "speedKmh": 42.50},
      "signature": "${signed.signature}", "seq": 1, "observedAt": "2026-05-01T08:00:00.000Z",
      "location": [121.45, 37.46], "dataset": "traffic.flow", "device": "trf-000001" }`;
    const v = parseJsonBytes(enc.encode(wire));
    expect(isRefusal(v)).toBe(false);
    const p = parse((v as { value: unknown }).value);
    if (isRefusal(p)) throw new Error(p.message);
    expect(envelopeBytes(p.envelope)).toEqual(envelopeBytes(signed));
    expect(await verify(p.envelope, p.signature)).toBe(true);
    expect(Buffer.from(payloadHashOf(envelopeBytes(p.envelope))).toString("hex")).toBe(crypto.createHash("sha256").update(envelopeBytes(signed)).digest("hex"));
  });

  it("a changed value, device, seq, time or location breaks the signature", async () => {
    const signed = signEnvelope(base, signer.sign);
    const sig = Buffer.from(signed.signature, "base64");
    expect(await verify(base, sig)).toBe(true);
    for (const e of [
      { ...base, values: { ...base.values, speedKmh: 42.6 } },
      { ...base, device: "trf-000002" },
      { ...base, seq: 2 },
      { ...base, observedAt: "2026-05-01T08:00:00.001Z" },
      { ...base, location: [121.45, 37.460001] as [number, number] },
    ]) {
      expect(await verify(e, sig)).toBe(false);
    }
    const flipped = Buffer.from(sig);
    flipped[10] ^= 1;
    expect(await verify(base, flipped)).toBe(false);
  });

  it("the canonical form of -0 and 0 agree, so a stored -0 rebuilds the same bytes", () => {
    expect(canonicalJson({ a: -0 })).toBe(canonicalJson({ a: 0 }));
  });
});

describe("parseSignedEnvelope refusals", () => {
  const wire = (over: Record<string, unknown> = {}) => ({ ...signEnvelope(base, signer.sign), ...over });
  const reason = (value: unknown) => {
    const p = parse(value);
    return isRefusal(p) ? `${p.reason} ${p.path ?? ""}`.trim() : "ok";
  };

  it("accepts a well-formed envelope", () => {
    expect(reason(wire())).toBe("ok");
  });

  it("refuses malformed JSON and invalid UTF-8", () => {
    expect((parseJsonBytes(enc.encode('{"device": ')) as { reason: string }).reason).toBe("malformed_json");
    expect((parseJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d])) as { reason: string }).reason).toBe("malformed_json");
    expect(parseJsonBytes(enc.encode("NaN"))).toMatchObject({ reason: "malformed_json" });
  });

  it("names the bad member", () => {
    expect(reason(wire({ extra: 1 }))).toBe("unknown_field extra");
    expect(reason(wire({ seq: 0 }))).toBe("schema seq");
    expect(reason(wire({ seq: 1.5 }))).toBe("schema seq");
    expect(reason(wire({ seq: "1" }))).toBe("schema seq");
    expect(reason(wire({ seq: 2 ** 53 }))).toBe("schema seq");
    expect(reason(wire({ device: "" }))).toBe("schema device");
    expect(reason(wire({ device: "a\nb" }))).toBe("schema device");
    expect(reason(wire({ location: [200, 10] }))).toBe("schema location.0");
    expect(reason(wire({ location: [1] }))).toMatch(/^schema location/);
    expect(reason(wire({ values: [] }))).toBe("schema values");
    expect(reason(wire({ values: { a: null } }))).toBe("schema values.a");
    expect(reason(wire({ values: { a: { b: 1 } } }))).toBe("schema values.a");
    expect(reason(wire({ signature: "not base64!" }))).toBe("schema signature");
    expect(reason(wire({ signature: Buffer.alloc(63).toString("base64") }))).toBe("schema signature");
    const { signature: _s, ...unsigned } = wire();
    expect(reason(unsigned)).toBe("schema signature");
    expect(reason([1, 2])).toBe("schema (root)");
    expect(reason(null)).toBe("schema (root)");
  });

  it("guards against values JSON cannot carry but a parser may produce", () => {
    // 1e999 parses to Infinity; NaN cannot be written in JSON at all.
    const v = parseJsonBytes(enc.encode(JSON.stringify(wire()).replace('"speedKmh":42.5', '"speedKmh":1e999')));
    expect(reason((v as { value: unknown }).value)).toBe("schema values.speedKmh");
    expect(reason(wire({ values: { speedKmh: NaN } }))).toBe("schema values.speedKmh");
    expect(reason(wire({ location: [Infinity, 1] }))).toBe("schema location.0");
  });

  it("accepts only the toISOString() form of observedAt", () => {
    for (const t of ["2026-05-01T08:00:00Z", "2026-05-01T08:00:00.0Z", "2026-05-01T08:00:00.000+00:00", "2026-05-01 08:00:00.000Z", "2026-02-30T08:00:00.000Z", "+012026-05-01T08:00:00.000Z", "2026-05-01T08:00:00.000z"]) {
      expect(reason(wire({ observedAt: t })), t).toBe("schema observedAt");
    }
  });

  it("refuses observations stamped too far in the future", () => {
    const ahead = new Date(NOW + MAX_CLOCK_SKEW_MS + 1000).toISOString();
    expect(reason(wire({ observedAt: ahead }))).toBe("future_timestamp observedAt");
    const justInside = new Date(NOW + MAX_CLOCK_SKEW_MS - 1000).toISOString();
    expect(reason(wire({ observedAt: justInside }))).toBe("ok");
  });
});
