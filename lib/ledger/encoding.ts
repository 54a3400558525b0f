// Byte encodings used by the ledger: hex, standard base64 (RFC 4648 §4) and
// UTF-8. Decoders are strict and canonical: one byte string has exactly one
// accepted text form, so a signed or hashed text cannot be re-spelled.
import { LedgerError } from "./errors";

const HEX = "0123456789abcdef";

// Node's Buffer where there is one (the server: several times faster); the loops below in the
// browser. Taken from globalThis so that no bundler polyfills it.
type NodeBuffer = { from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: "hex" | "base64"): string } };
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Bytes of a hex string. Requires an even number of [0-9a-fA-F] characters. */
export function fromHex(text: string): Uint8Array {
  if (typeof text !== "string") throw new LedgerError("malformed_hex", `got ${typeof text}, want a string`);
  if (text.length % 2 !== 0) throw new LedgerError("malformed_hex", `got ${text.length} characters, want an even number`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(text.charCodeAt(2 * i));
    const lo = hexValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new LedgerError("malformed_hex", `got ${JSON.stringify(text.slice(2 * i, 2 * i + 2))} at offset ${2 * i}, want hex digits`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** Standard padded base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let s = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    s += B64[n >> 18] + B64[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + "=";
  }
  return s;
}

/**
 * Bytes of a standard base64 string. Requires the RFC 4648 §4 alphabet, "="
 * padding to a multiple of 4 characters, no whitespace, and zero unused bits
 * (the canonical encoding).
 */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== "string") throw new LedgerError("malformed_base64", `got ${typeof text}, want a string`);
  if (text.length % 4 !== 0) {
    throw new LedgerError("malformed_base64", `got ${text.length} characters, want a multiple of 4`);
  }
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const v = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        v[j] = 0; // "=" padding
        continue;
      }
      const x = c < 128 ? B64_VALUE[c] : -1;
      if (x < 0) {
        throw new LedgerError("malformed_base64", `got ${JSON.stringify(text[i + j])} at offset ${i + j}, want a base64 character`);
      }
      v[j] = x;
    }
    const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    const count = last ? 3 - pad : 3;
    out[o++] = n >> 16;
    if (count > 1) out[o++] = (n >> 8) & 255;
    if (count > 2) out[o++] = n & 255;
    if (last && pad === 2 && (v[1] & 15) !== 0) {
      throw new LedgerError("malformed_base64", "non-zero unused bits before padding, want the canonical encoding");
    }
    if (last && pad === 1 && (v[2] & 3) !== 0) {
      throw new LedgerError("malformed_base64", "non-zero unused bits before padding, want the canonical encoding");
    }
  }
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. Requires well-formed UTF-16 (no lone surrogates). */
export function utf8Encode(text: string): Uint8Array {
  const bad = loneSurrogateIndex(text);
  if (bad >= 0) throw new LedgerError("malformed_utf8", `lone surrogate at index ${bad}, want well-formed text`);
  return encoder.encode(text);
}

/** Text of UTF-8 `bytes`. Requires valid UTF-8; a byte-order mark is kept, not stripped. */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new LedgerError("malformed_utf8", "bytes are not valid UTF-8");
  }
}

/** Index of the first lone surrogate in `text`, or -1 if it is well-formed. */
export function loneSurrogateIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * Index of the first ASCII control character (U+0000..U+001F) in `text`, or
 * -1; newline (U+000A) counts only if `allowNewline` is false.
 */
export function controlCharIndex(text: string, allowNewline: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return i;
  }
  return -1;
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** True if `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** True if `x` is a Uint8Array (Buffers included). */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/** 8-byte big-endian encoding of a non-negative safe integer. */
export function uint64BE(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new LedgerError("invalid_argument", `uint64 got ${n}, want a non-negative safe integer`);
  }
  const out = new Uint8Array(8);
  const hi = Math.floor(n / 2 ** 32);
  const lo = n >>> 0;
  new DataView(out.buffer).setUint32(0, hi);
  new DataView(out.buffer).setUint32(4, lo);
  return out;
}

/** The big-endian uint64 at the start of `bytes` as a bigint. Requires 8 bytes. */
export function readUint64BE(bytes: Uint8Array): bigint {
  if (bytes.length < 8) throw new LedgerError("invalid_argument", `uint64 got ${bytes.length} bytes, want 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return (BigInt(dv.getUint32(0)) << 32n) | BigInt(dv.getUint32(4));
}

/** Decimal text with no leading zeroes ("0" for zero), as C2SP formats use. */
export const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A non-negative safe integer from canonical decimal text, or an error naming `what`. */
export function parseDecimal(text: string, what: string, code: "malformed_checkpoint" | "malformed_proof_bundle" | "malformed_witness_request" | "malformed_tile_path"): number {
  if (!DECIMAL.test(text)) throw new LedgerError(code, `${what} got ${JSON.stringify(text)}, want decimal digits with no leading zeroes`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new LedgerError(code, `${what} got ${text}, want at most ${Number.MAX_SAFE_INTEGER}`);
  return n;
}
