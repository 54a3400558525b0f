/**
 * The MQTT password of a device: a short-lived token signed with the device's own Ed25519
 * key, so the broker authenticates a device against its registered public key and no
 * shared secret exists anywhere.
 *
 *   v1.<base64url(JSON {"d": deviceId, "exp": unix seconds})>.<base64url(signature)>
 *
 * The signature covers `city-brain/mqtt-token/v1\n` followed by the middle part exactly as
 * sent (domain separation: a token is never a valid reading signature and vice versa).
 * The username must equal `d`, the client id too (checked by the broker).
 */

export const TOKEN_VERSION = "v1";
const DOMAIN = "city-brain/mqtt-token/v1\n";
/** A token may live at most this long: one valid for longer is refused whatever it says. */
export const MAX_TOKEN_SECONDS = 24 * 3600;
/** Clock skew allowed between a device and the console. */
export const CLOCK_SKEW_SECONDS = 60;

const enc = new TextEncoder();

const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");

/** The bytes a device signs for a token body (the base64url middle part). */
export function tokenSigningBytes(body: string): Uint8Array {
  return enc.encode(DOMAIN + body);
}

/** A token for `device`, valid for `seconds` (default 10 minutes) from `now`. */
export function makeDeviceToken(device: string, sign: (m: Uint8Array) => Uint8Array, opts: { seconds?: number; now?: number } = {}): string {
  const exp = Math.floor((opts.now ?? Date.now()) / 1000) + (opts.seconds ?? 600);
  const body = b64url(enc.encode(JSON.stringify({ d: device, exp })));
  return `${TOKEN_VERSION}.${body}.${b64url(sign(tokenSigningBytes(body)))}`;
}

export type TokenCheck =
  | { ok: true; device: string; exp: number }
  | { ok: false; reason: "malformed" | "wrong_device" | "expired" | "too_long" | "bad_signature" | "unknown_device" | "revoked" | "no_key"; message: string };

export type TokenKey = { publicKey: Uint8Array | null; status: string } | null;

/**
 * Checks a token presented by `username` against the device's registered key. `verify`
 * is an Ed25519 check (lib/ingest/verifier.ts). Never throws: every failure is a reason.
 */
export function checkDeviceToken(
  username: string,
  password: Uint8Array | string | undefined,
  device: TokenKey,
  verify: (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
  now = Date.now(),
): TokenCheck {
  const text = password === undefined ? "" : typeof password === "string" ? password : Buffer.from(password).toString("utf8");
  const parts = text.split(".");
  if (parts.length !== 3 || parts[0] !== TOKEN_VERSION || !/^[A-Za-z0-9_-]{1,400}$/.test(parts[1]) || !/^[A-Za-z0-9_-]{86}$/.test(parts[2])) {
    return { ok: false, reason: "malformed", message: "password is not a device token (v1.<body>.<signature>)" };
  }
  let claims: { d?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as typeof claims;
  } catch {
    return { ok: false, reason: "malformed", message: "token body is not JSON" };
  }
  if (typeof claims !== "object" || claims === null || typeof claims.d !== "string" || typeof claims.exp !== "number" || !Number.isSafeInteger(claims.exp)) {
    return { ok: false, reason: "malformed", message: 'token body must be {"d": device id, "exp": unix seconds}' };
  }
  if (claims.d !== username) return { ok: false, reason: "wrong_device", message: `token is for ${JSON.stringify(claims.d.slice(0, 80))}, not the username` };
  const nowS = Math.floor(now / 1000);
  if (claims.exp + CLOCK_SKEW_SECONDS < nowS) return { ok: false, reason: "expired", message: `token expired at ${new Date(claims.exp * 1000).toISOString()}` };
  if (claims.exp - nowS > MAX_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) return { ok: false, reason: "too_long", message: `token lives longer than ${MAX_TOKEN_SECONDS} s` };
  if (!device) return { ok: false, reason: "unknown_device", message: "no such device in the registry" };
  if (device.status !== "active") return { ok: false, reason: "revoked", message: `device is ${device.status}` };
  if (!device.publicKey) return { ok: false, reason: "no_key", message: "device has no registered key" };
  if (!verify(device.publicKey, tokenSigningBytes(parts[1]), Buffer.from(parts[2], "base64url"))) {
    return { ok: false, reason: "bad_signature", message: "token signature does not verify with the device's registered key" };
  }
  return { ok: true, device: claims.d, exp: claims.exp };
}
