// C2SP signed-note (https://c2sp.org/signed-note), compatible with Go's
// golang.org/x/mod/sumdb/note: text ending in a newline, a blank line, then
// signature lines "— <key name> base64(keyID || signature)". Ed25519 keys use
// the Go key strings "<name>+<hex key ID>+<base64(type || key)>" and
// "PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>".
import { type Ed25519, require32 } from "./ed25519";
import { concatBytes, controlCharIndex, fromBase64, loneSurrogateIndex, toBase64, utf8Decode, utf8Encode } from "./encoding";
import { LedgerError } from "./errors";
import { sha256 } from "./sha256";

/** Signature type of plain Ed25519 note signatures. */
export const SIG_TYPE_ED25519 = 0x01;
/** Most signatures a note may carry; more is malformed (the spec requires accepting at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

/** What names a key on a signature line: its name and key ID. */
export interface NoteKey {
  readonly name: string;
  readonly keyId: number;
}

/** One signature line: key name, key ID, and the signature bytes after the key ID. */
export interface NoteSignature extends NoteKey {
  readonly signature: Uint8Array;
}

/** A key that signs note text. */
export interface NoteSigner extends NoteKey {
  /** Signature bytes (without the key ID) over the note text. */
  sign(text: Uint8Array): Promise<Uint8Array>;
}

/** A known key that checks signatures on note text. */
export interface NoteVerifier extends NoteKey {
  /** True if `signature` (bytes after the key ID) is valid over `text`; never rejects. */
  verify(text: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** What every form of a note carries: its text. */
export interface NoteText {
  /** The note text, including its final newline. */
  readonly text: string;
}

/** A note split into its text and signature lines, nothing verified. */
export interface ParsedNote extends NoteText {
  readonly signatures: readonly NoteSignature[];
}

/** A note whose signatures were checked against known keys. */
export interface OpenedNote extends NoteText {
  /** Valid signatures from known keys (at least one). */
  readonly verified: readonly NoteSignature[];
  /** Signatures from keys not in the known set, ignored. */
  readonly unverified: readonly NoteSignature[];
}

// Go's unicode.IsSpace: ASCII spaces, U+0085, U+00A0 and the White_Space property.
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** True if `name` is a valid key name: non-empty, well-formed, no Unicode spaces, no "+". */
export function isValidKeyName(name: unknown): name is string {
  return typeof name === "string" && name !== "" && loneSurrogateIndex(name) < 0 && !UNICODE_SPACE.test(name) && !name.includes("+");
}

/** Key ID = first 4 bytes (big-endian) of SHA-256(name || 0x0A || sigType || publicKey). Requires a valid name. */
export function computeKeyId(name: string, sigType: number, publicKey: Uint8Array): number {
  if (!isValidKeyName(name)) throw new LedgerError("malformed_key", `key name ${JSON.stringify(name)} is empty or has a space or "+"`);
  const h = sha256(concatBytes(utf8Encode(name), new Uint8Array([0x0a, sigType]), publicKey));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

/** Key ID as the 8 lowercase hex digits used in key strings and messages. */
export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, "0");
}

function malformed(why: string): never {
  throw new LedgerError("malformed_note", why);
}

/** Checks the note-wide text rules: well-formed Unicode, no control characters but newline. */
function checkNoteChars(s: string): void {
  const bad = loneSurrogateIndex(s);
  if (bad >= 0) malformed(`lone surrogate at index ${bad}, want valid UTF-8`);
  const c = controlCharIndex(s, true);
  if (c >= 0) malformed(`control character U+${s.charCodeAt(c).toString(16).padStart(4, "0")} at index ${c}, want none but newline`);
}

/**
 * Splits a signed note into text and signature lines, checking syntax only.
 * Requires valid UTF-8 without control characters other than newline, text
 * ending in newline, a blank line, then 1..100 lines "— <name> <base64>"
 * with a valid key name and at least 5 signature bytes (key ID + 1).
 * Fails with malformed_note otherwise.
 */
export function parseNote(message: string | Uint8Array): ParsedNote {
  let s: string;
  if (message instanceof Uint8Array) {
    try {
      s = utf8Decode(message);
    } catch {
      malformed("not valid UTF-8");
    }
  } else if (typeof message === "string") {
    s = message;
  } else {
    malformed(`got ${typeof message}, want text`);
  }
  checkNoteChars(s);
  const split = s.lastIndexOf("\n\n");
  if (split < 0) malformed("no blank line before the signatures");
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block === "" || !block.endsWith("\n")) malformed("signature block must be non-empty and end in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) malformed(`${lines.length} signature lines, want at most ${MAX_NOTE_SIGNATURES}`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith("\u2014 ")) malformed(`signature line ${i + 1} must start with "\u2014 "`);
    const rest = line.slice(2);
    const sp = rest.indexOf(" ");
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? "" : rest.slice(sp + 1);
    if (!isValidKeyName(name)) malformed(`signature line ${i + 1}: key name ${JSON.stringify(name)} is empty or has a space or "+"`);
    if (b64 === "") malformed(`signature line ${i + 1}: missing signature after the key name`);
    let raw: Uint8Array;
    try {
      raw = fromBase64(b64);
    } catch {
      malformed(`signature line ${i + 1}: signature is not canonical base64`);
    }
    if (raw.length < 5) malformed(`signature line ${i + 1}: ${raw.length} signature bytes, want at least 5`);
    const keyId = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
    return { name, keyId, signature: raw.slice(4) };
  });
  return { text, signatures };
}

/** The signature line for `sig`, with its final newline. Requires a valid key name. */
export function formatSignatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw new LedgerError("malformed_note", `key name ${JSON.stringify(sig.name)} is empty or has a space or "+"`);
  const id = new Uint8Array([sig.keyId >>> 24, (sig.keyId >>> 16) & 255, (sig.keyId >>> 8) & 255, sig.keyId & 255]);
  return `\u2014 ${sig.name} ${toBase64(concatBytes(id, sig.signature))}\n`;
}

/** A signed note from text and signatures. Requires text ending in newline and at least one signature. */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) malformed("a note needs at least one signature");
  return `${text}\n${signatures.map(formatSignatureLine).join("")}`;
}

function checkNoteText(text: string): void {
  if (typeof text !== "string" || !text.endsWith("\n")) malformed("note text must end in a newline");
  checkNoteChars(text);
}

/**
 * Signs `text` with each signer and returns the signed note. Signatures in
 * `existing` come first, except those by a key that signs again now.
 * Requires text ending in newline with no control characters but newline.
 */
export async function signNote(text: string, signers: readonly NoteSigner[], existing: readonly NoteSignature[] = []): Promise<string> {
  checkNoteText(text);
  const bytes = utf8Encode(text);
  const fresh: NoteSignature[] = [];
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new LedgerError("malformed_key", `signer name ${JSON.stringify(s.name)} is empty or has a space or "+"`);
    fresh.push({ name: s.name, keyId: s.keyId, signature: await s.sign(bytes) });
  }
  const replaced = new Set(fresh.map((s) => `${s.name}+${s.keyId}`));
  const kept = existing.filter((s) => !replaced.has(`${s.name}+${s.keyId}`));
  return formatNote(text, [...kept, ...fresh]);
}

/**
 * Parses a note and verifies it against known keys. Signatures from unknown
 * keys (name and key ID not both matching) are ignored; every signature from a
 * known key must verify (bad_signature otherwise), and at least one must be
 * present (unverified_note otherwise). Two known keys with the same name and
 * ID that sign the note are ambiguous_key. Syntax errors are malformed_note.
 */
export async function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): Promise<OpenedNote> {
  const note = parseNote(message);
  const known = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const k = `${v.name}+${v.keyId}`;
    known.set(k, [...(known.get(k) ?? []), v]);
  }
  const textBytes = utf8Encode(note.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  const seenUnknown = new Set<string>();
  for (const sig of note.signatures) {
    const k = `${sig.name}+${sig.keyId}`;
    const vs = known.get(k);
    if (vs === undefined) {
      const line = formatSignatureLine(sig);
      if (!seenUnknown.has(line)) unverified.push(sig);
      seenUnknown.add(line);
      continue;
    }
    if (vs.length > 1) throw new LedgerError("ambiguous_key", `more than one known key ${sig.name}+${keyIdHex(sig.keyId)}`);
    if (seen.has(k)) continue;
    seen.add(k);
    if (!(await vs[0].verify(textBytes, sig.signature))) {
      throw new LedgerError("bad_signature", `invalid signature for key ${sig.name}+${keyIdHex(sig.keyId)}`);
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    throw new LedgerError("unverified_note", `note has no verifiable signatures (${unverified.length} from unknown keys)`);
  }
  return { text: note.text, verified, unverified };
}

/** A decoded key string: name, key ID, signature type and key material. */
export interface DecodedKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** Public key (verifier keys) or private seed (signer keys), without the type byte. */
  readonly key: Uint8Array;
}

function chop(s: string): [string, string] {
  const i = s.indexOf("+");
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
}

function decodeKeyFields(name: string, hash16: string, key64: string, what: string): { keyId: number; raw: Uint8Array } {
  if (!/^[0-9a-fA-F]{8}$/.test(hash16)) throw new LedgerError("malformed_key", `${what} key ID got ${JSON.stringify(hash16)}, want 8 hex digits`);
  if (!isValidKeyName(name)) throw new LedgerError("malformed_key", `${what} name ${JSON.stringify(name)} is empty or has a space or "+"`);
  let raw: Uint8Array;
  try {
    raw = fromBase64(key64);
  } catch {
    throw new LedgerError("malformed_key", `${what} key data is not canonical base64`);
  }
  if (raw.length < 2) throw new LedgerError("malformed_key", `${what} key data has ${raw.length} bytes, want a type byte and a key`);
  return { keyId: parseInt(hash16, 16) >>> 0, raw };
}

/**
 * Decodes a verifier key "<name>+<8 hex>+<base64(type || public key)>".
 * Requires the key ID to match the name, type and key (key_hash_mismatch
 * otherwise); does not check the type. Fails with malformed_key otherwise.
 */
export function parseVerifierKey(vkey: string): DecodedKey {
  if (typeof vkey !== "string") throw new LedgerError("malformed_key", `verifier key got ${typeof vkey}, want a string`);
  const [name, rest] = chop(vkey);
  const [hash16, key64] = chop(rest);
  const { keyId, raw } = decodeKeyFields(name, hash16, key64, "verifier key");
  const want = computeKeyId(name, raw[0], raw.subarray(1));
  if (keyId !== want) throw new LedgerError("key_hash_mismatch", `verifier key ID ${keyIdHex(keyId)} does not match key (want ${keyIdHex(want)})`);
  return { name, keyId, type: raw[0], key: raw.slice(1) };
}

/**
 * Decodes a signer key "PRIVATE+KEY+<name>+<8 hex>+<base64(type || seed)>".
 * The key ID is checked only once the public key is derived (ed25519NoteSigner).
 */
export function parseSignerKey(skey: string): DecodedKey {
  if (typeof skey !== "string") throw new LedgerError("malformed_key", `signer key got ${typeof skey}, want a string`);
  const [p1, r1] = chop(skey);
  const [p2, r2] = chop(r1);
  if (p1 !== "PRIVATE" || p2 !== "KEY") throw new LedgerError("malformed_key", 'signer key must start with "PRIVATE+KEY+"');
  const [name, r3] = chop(r2);
  const [hash16, key64] = chop(r3);
  const { keyId, raw } = decodeKeyFields(name, hash16, key64, "signer key");
  return { name, keyId, type: raw[0], key: raw.slice(1) };
}

/** The verifier key string for a public key. Requires a valid name. */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  const keyId = computeKeyId(name, type, publicKey);
  return `${name}+${keyIdHex(keyId)}+${toBase64(concatBytes(new Uint8Array([type]), publicKey))}`;
}

/** The signer key string for a seed whose public key has ID `keyId`. Requires a valid name. */
export function formatSignerKey(name: string, keyId: number, type: number, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw new LedgerError("malformed_key", `key name ${JSON.stringify(name)} is empty or has a space or "+"`);
  return `PRIVATE+KEY+${name}+${keyIdHex(keyId)}+${toBase64(concatBytes(new Uint8Array([type]), seed))}`;
}

function requireType(what: string, type: number, want: number): void {
  if (type !== want) {
    throw new LedgerError("unknown_key_algorithm", `${what} has signature type 0x${type.toString(16).padStart(2, "0")}, want 0x${want.toString(16).padStart(2, "0")}`);
  }
}

/** A NoteVerifier from an Ed25519 verifier key string (type 0x01). */
export async function ed25519NoteVerifier(ed: Ed25519, vkey: string): Promise<NoteVerifier> {
  const k = parseVerifierKey(vkey);
  requireType("verifier key", k.type, SIG_TYPE_ED25519);
  require32("Ed25519 public key", k.key);
  const verify = await ed.importPublicKey(k.key);
  return { name: k.name, keyId: k.keyId, verify };
}

/**
 * Imports an Ed25519 signer key of `type` (0x01 for notes; cosignature.ts uses
 * 0x04) and checks its key ID against the derived public key.
 */
export async function importSignerKey(ed: Ed25519, skey: string, type: number): Promise<{ name: string; keyId: number; publicKey: Uint8Array; sign: (m: Uint8Array) => Promise<Uint8Array> }> {
  const k = parseSignerKey(skey);
  requireType("signer key", k.type, type);
  require32("Ed25519 seed", k.key);
  const { publicKey, sign } = await ed.importSeed(k.key);
  const want = computeKeyId(k.name, type, publicKey);
  if (k.keyId !== want) throw new LedgerError("key_hash_mismatch", `signer key ID ${keyIdHex(k.keyId)} does not match key (want ${keyIdHex(want)})`);
  return { name: k.name, keyId: k.keyId, publicKey, sign };
}

/** A NoteSigner from an Ed25519 signer key string (type 0x01). */
export async function ed25519NoteSigner(ed: Ed25519, skey: string): Promise<NoteSigner> {
  const { name, keyId, sign } = await importSignerKey(ed, skey, SIG_TYPE_ED25519);
  return { name, keyId, sign };
}

/** A new Ed25519 key pair as signer and verifier key strings of `type` (default 0x01). */
export async function generateNoteKey(ed: Ed25519, name: string, type: number = SIG_TYPE_ED25519): Promise<{ signerKey: string; verifierKey: string }> {
  if (!isValidKeyName(name)) throw new LedgerError("malformed_key", `key name ${JSON.stringify(name)} is empty or has a space or "+"`);
  const seed = ed.randomSeed();
  const { publicKey } = await ed.importSeed(seed);
  const verifierKey = formatVerifierKey(name, type, publicKey);
  const signerKey = formatSignerKey(name, computeKeyId(name, type, publicKey), type, seed);
  return { signerKey, verifierKey };
}
