import { describe, expect, it } from "vitest";
import { signerFromSeed } from "../sim/simulator-keys";
import { ed25519Check } from "../ingest/verifier";
import { checkDeviceToken, makeDeviceToken, MAX_TOKEN_SECONDS } from "./device-token";

const a = signerFromSeed(new Uint8Array(32).fill(1));
const b = signerFromSeed(new Uint8Array(32).fill(2));
const check = ed25519Check();
const verify = (k: Uint8Array, m: Uint8Array, s: Uint8Array) => check("d", k, m, s);
const active = { publicKey: a.publicKey, status: "active" };
const now = Date.parse("2026-12-03T12:00:00Z");

describe("device tokens", () => {
  it("a token signed with the registered key is accepted for its device until it expires", () => {
    const t = makeDeviceToken("trf-1", a.sign, { now, seconds: 600 });
    expect(t).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(checkDeviceToken("trf-1", t, active, verify, now)).toEqual({ ok: true, device: "trf-1", exp: now / 1000 + 600 });
    expect(checkDeviceToken("trf-1", Buffer.from(t), active, verify, now + 599_000).ok).toBe(true);
    // 60 s of clock skew, then expired.
    expect(checkDeviceToken("trf-1", t, active, verify, now + 660_000).ok).toBe(true);
    expect(checkDeviceToken("trf-1", t, active, verify, now + 662_000)).toMatchObject({ ok: false, reason: "expired" });
  });

  it("refuses another key, another device, a revoked or keyless device, a too long life and malformed text", () => {
    const t = makeDeviceToken("trf-1", a.sign, { now });
    expect(checkDeviceToken("trf-1", makeDeviceToken("trf-1", b.sign, { now }), active, verify, now)).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(checkDeviceToken("trf-2", t, active, verify, now)).toMatchObject({ ok: false, reason: "wrong_device" });
    expect(checkDeviceToken("trf-1", t, null, verify, now)).toMatchObject({ ok: false, reason: "unknown_device" });
    expect(checkDeviceToken("trf-1", t, { ...active, status: "revoked" }, verify, now)).toMatchObject({ ok: false, reason: "revoked" });
    expect(checkDeviceToken("trf-1", t, { publicKey: null, status: "active" }, verify, now)).toMatchObject({ ok: false, reason: "no_key" });
    expect(checkDeviceToken("trf-1", makeDeviceToken("trf-1", a.sign, { now, seconds: MAX_TOKEN_SECONDS + 3600 }), active, verify, now)).toMatchObject({ ok: false, reason: "too_long" });
    for (const bad of [undefined, "", "secret", "v2.x.y", `v1..${"A".repeat(86)}`, `v1.${Buffer.from("[1]").toString("base64url")}.${"A".repeat(86)}`, `v1.${Buffer.from("{").toString("base64url")}.${"A".repeat(86)}`, `v1.${Buffer.from('{"d":"trf-1","exp":1.5}').toString("base64url")}.${"A".repeat(86)}`]) {
      expect(checkDeviceToken("trf-1", bad, active, verify, now), String(bad)).toMatchObject({ ok: false, reason: "malformed" });
    }
    // A body altered after signing.
    const [, , sig] = t.split(".");
    const forged = `v1.${Buffer.from(JSON.stringify({ d: "trf-1", exp: now / 1000 + 3000 })).toString("base64url")}.${sig}`;
    expect(checkDeviceToken("trf-1", forged, active, verify, now)).toMatchObject({ ok: false, reason: "bad_signature" });
  });
});
