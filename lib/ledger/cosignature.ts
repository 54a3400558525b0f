// C2SP tlog-cosignature v1, Ed25519 flavour (signature type 0x04): a witness
// signs "cosignature/v1\ntime <T>\n" + checkpoint text, and the note signature
// is keyID || uint64 BE timestamp || Ed25519 signature.
import { type Ed25519, require32 } from "./ed25519";
import { concatBytes, readUint64BE, uint64BE, utf8Encode } from "./encoding";
import { LedgerError } from "./errors";
import { type NoteSignature, type NoteVerifier, importSignerKey, keyIdHex, parseVerifierKey } from "./note";

/** Signature type of Ed25519 cosignatures (tlog-cosignature v1). */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
/** Bytes after the key ID: 8-byte timestamp + 64-byte Ed25519 signature. */
export const COSIGNATURE_BYTES = 72;

/** A witness key that cosigns checkpoints. */
export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  /** The cosignature of `checkpointText` at `timestamp` (POSIX seconds). */
  cosign(checkpointText: string, timestamp: number): Promise<NoteSignature>;
}

/** A cosignature verifier: a NoteVerifier for type 0x04 signatures. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
}

/**
 * The message a v1 cosignature signs. Requires checkpoint text ending in
 * newline and a timestamp in 0..2^53-1.
 */
export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  if (typeof checkpointText !== "string" || !checkpointText.endsWith("\n")) {
    throw new LedgerError("invalid_argument", "checkpoint text must end in a newline");
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new LedgerError("invalid_argument", `timestamp got ${timestamp}, want a non-negative safe integer`);
  }
  return utf8Encode(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

/**
 * Splits a cosignature's bytes (after the key ID) into timestamp and Ed25519
 * signature. Requires exactly 72 bytes and a timestamp <= 2^53-1 (the spec
 * caps it at 2^63-1; later ones cannot be represented and are refused).
 */
export function parseCosignature(sig: NoteSignature): { timestamp: number; signature: Uint8Array } {
  if (sig.signature.length !== COSIGNATURE_BYTES) {
    throw new LedgerError("malformed_cosignature", `cosignature by ${sig.name} has ${sig.signature.length} bytes, want ${COSIGNATURE_BYTES}`);
  }
  const t = readUint64BE(sig.signature);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LedgerError("malformed_cosignature", `cosignature by ${sig.name} has timestamp ${t}, want at most ${Number.MAX_SAFE_INTEGER}`);
  }
  return { timestamp: Number(t), signature: sig.signature.slice(8) };
}

/** A Cosigner from a signer key string of type 0x04 ("PRIVATE+KEY+<name>+<id>+<base64(0x04 || seed)>"). */
export async function ed25519Cosigner(ed: Ed25519, skey: string): Promise<Cosigner> {
  const { name, keyId, sign } = await importSignerKey(ed, skey, SIG_TYPE_COSIGNATURE_V1);
  return {
    name,
    keyId,
    async cosign(checkpointText, timestamp) {
      const sig = await sign(cosignatureMessage(checkpointText, timestamp));
      return { name, keyId, signature: concatBytes(uint64BE(timestamp), sig) };
    },
  };
}

/**
 * A verifier for a witness's cosignatures from its verifier key string of type
 * 0x04. Its verify() resolves false on any malformed or invalid cosignature.
 */
export async function ed25519CosignatureVerifier(ed: Ed25519, vkey: string): Promise<CosignatureVerifier> {
  const k = parseVerifierKey(vkey);
  if (k.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw new LedgerError("unknown_key_algorithm", `witness key ${k.name}+${keyIdHex(k.keyId)} has signature type 0x${k.type.toString(16).padStart(2, "0")}, want 0x04`);
  }
  require32("Ed25519 public key", k.key);
  const verify = await ed.importPublicKey(k.key);
  return {
    name: k.name,
    keyId: k.keyId,
    publicKey: k.key,
    async verify(text, signature) {
      let parsed: { timestamp: number; signature: Uint8Array };
      try {
        parsed = parseCosignature({ name: k.name, keyId: k.keyId, signature });
      } catch {
        return false;
      }
      const prefix = utf8Encode(`cosignature/v1\ntime ${parsed.timestamp}\n`);
      return verify(concatBytes(prefix, text), parsed.signature);
    },
  };
}

/** A valid cosignature found on a checkpoint. */
export interface ValidCosignature {
  readonly name: string;
  readonly keyId: number;
  readonly timestamp: number;
}

/**
 * The witnesses among `witnesses` whose cosignature on `checkpointText` is
 * present and valid, one per witness. Signatures by other keys are ignored; a
 * signature by a known witness key that fails is bad_signature.
 */
export async function validCosignatures(
  checkpointText: string,
  signatures: readonly NoteSignature[],
  witnesses: readonly CosignatureVerifier[],
): Promise<ValidCosignature[]> {
  const text = utf8Encode(checkpointText);
  const out: ValidCosignature[] = [];
  const seen = new Set<string>();
  for (const sig of signatures) {
    const w = witnesses.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    const k = `${sig.name}+${sig.keyId}`;
    if (w === undefined || seen.has(k)) continue;
    seen.add(k);
    if (!(await w.verify(text, sig.signature))) {
      throw new LedgerError("bad_signature", `invalid cosignature for witness key ${sig.name}+${keyIdHex(sig.keyId)}`);
    }
    out.push({ name: sig.name, keyId: sig.keyId, timestamp: parseCosignature(sig).timestamp });
  }
  return out;
}
