import crypto from "node:crypto";
import type { Hasher } from "../ledger/sha256";

/**
 * The 32 bytes of a SHA-256 digest that node:crypto gave as a "binary" (latin1) string (one char per
 * byte), in a plain Uint8Array: 32 bytes lie in V8's heap, with no ArrayBuffer of their own.
 * A digest asked for as a Buffer costs about 0.4 µs more a call than as a string (the
 * Buffer's backing store), which is most of the call at these sizes (README, issue 18).
 */
export function digestBytes(latin1: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = latin1.charCodeAt(i);
  return out;
}

/** SHA-256 through node:crypto's one-shot hash: the server's fast path (the browser uses lib/ledger/sha256). */
export const nodeSha256: Hasher = (data) => digestBytes(crypto.hash("sha256", data, "binary"));
