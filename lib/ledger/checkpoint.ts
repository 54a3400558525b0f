// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text
// "<origin>\n<size>\n<base64 root>\n[<extension>\n...]" signed by the log.
import { controlCharIndex, fromBase64, parseDecimal, toBase64 } from "./encoding";
import { LedgerError } from "./errors";
import { HASH_SIZE } from "./merkle";
import { type NoteSignature, type NoteVerifier, openNote } from "./note";

/** A checkpoint body: a log's tree head at some size. */
export interface Checkpoint {
  /** The log identity, e.g. "city.example/ledger". */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** Opaque non-empty extension lines (not recommended). */
  readonly extensions: readonly string[];
}

function bad(why: string): never {
  throw new LedgerError("malformed_checkpoint", why);
}

/**
 * The checkpoint note text. Requires a non-empty origin and extension lines
 * without newlines or control characters, a size in 0..2^53-1, and a 32-byte root.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (typeof cp.origin !== "string" || cp.origin === "" || controlCharIndex(cp.origin, false) >= 0) bad("origin must be a non-empty line without control characters");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) bad(`size got ${cp.size}, want a non-negative safe integer`);
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== HASH_SIZE) bad(`root has ${cp.root?.length} bytes, want ${HASH_SIZE}`);
  for (const ext of cp.extensions) {
    if (typeof ext !== "string" || ext === "" || controlCharIndex(ext, false) >= 0) bad("extension lines must be non-empty lines without control characters");
  }
  return [cp.origin, String(cp.size), toBase64(cp.root), ...cp.extensions].map((l) => `${l}\n`).join("");
}

/**
 * Parses checkpoint note text. Requires at least three non-empty lines each
 * ending in newline: an origin, a decimal size without leading zeroes (at most
 * 2^53-1), the canonical base64 of a 32-byte root, then optional non-empty
 * extension lines. Fails with malformed_checkpoint otherwise.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== "string") bad(`got ${typeof text}, want text`);
  if (!text.endsWith("\n")) bad("text must end in a newline");
  if (controlCharIndex(text, true) >= 0) bad("text must not contain control characters other than newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) bad(`got ${lines.length} lines, want at least 3 (origin, size, root)`);
  const blank = lines.findIndex((l) => l === "");
  if (blank >= 0) bad(`line ${blank + 1} is empty, want non-empty lines`);
  const [origin, sizeText, rootText, ...extensions] = lines;
  const size = parseDecimal(sizeText, "size", "malformed_checkpoint");
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    bad(`root ${JSON.stringify(rootText)} is not canonical base64`);
  }
  if (root.length !== HASH_SIZE) bad(`root has ${root.length} bytes, want ${HASH_SIZE}`);
  return { origin, size, root, extensions };
}

/** A checkpoint whose log signature was verified. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text that was signed. */
  readonly text: string;
  /** Verified signatures from the given keys. */
  readonly verified: readonly NoteSignature[];
  /** Signatures from other keys (e.g. witness cosignatures), not yet checked. */
  readonly unverified: readonly NoteSignature[];
}

/**
 * Opens a signed checkpoint note with the log's keys and parses its body.
 * Requires a valid signature from one of `logVerifiers` and, if `origin` is
 * given, that origin line (origin_mismatch otherwise).
 */
export async function openCheckpoint(note: string | Uint8Array, logVerifiers: readonly NoteVerifier[], origin?: string): Promise<VerifiedCheckpoint> {
  const opened = await openNote(note, logVerifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new LedgerError("origin_mismatch", `checkpoint origin ${JSON.stringify(checkpoint.origin)}, want ${JSON.stringify(origin)}`);
  }
  return { checkpoint, text: opened.text, verified: opened.verified, unverified: opened.unverified };
}
