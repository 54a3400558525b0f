// C2SP tlog-proof (https://c2sp.org/tlog-proof@v1): an offline-verifiable
// receipt that an entry is in the log, as text:
//
//   c2sp.org/tlog-proof@v1
//   [extra <base64>]
//   index <N>
//   <base64 inclusion proof hash>...
//   <empty line>
//   <checkpoint note with the log signature and witness cosignatures, verbatim>
//
// Stored with the extension .tlog-proof. Verification takes the entry's leaf
// hash and a policy: the log's origin and keys, witness keys and a quorum.
import { type Checkpoint, openCheckpoint } from "./checkpoint";
import { type CosignatureVerifier, type ValidCosignature, validCosignatures } from "./cosignature";
import { fromBase64, parseDecimal, toBase64 } from "./encoding";
import { lineReader, proofText, readHashLines } from "./proof-lines";
import { LedgerError } from "./errors";
import { HASH_SIZE } from "./merkle";
import type { NoteVerifier } from "./note";
import type { Hasher } from "./sha256";
import { verifyInclusion } from "./verify";

/** First line of every proof. */
export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";
/** Most inclusion proof lines accepted (a tree of < 2^64 leaves needs at most 63). */
const MAX_PROOF_LINES = 64;

/** The parts of a tlog-proof. */
export interface ProofBundle {
  /** Opaque, unauthenticated extra data (optional). */
  readonly extra?: Uint8Array;
  readonly index: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

function malformed(why: string): never {
  throw new LedgerError("malformed_proof_bundle", why);
}

/** The text of a proof. Requires a safe index, 32-byte hashes and a checkpoint note ending in newline. */
export function formatProofBundle(bundle: ProofBundle): string {
  if (!Number.isSafeInteger(bundle.index) || bundle.index < 0) throw new LedgerError("invalid_argument", `index got ${bundle.index}, want a non-negative safe integer`);
  for (const h of bundle.proof) if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new LedgerError("bad_hash_length", `proof hash has ${h?.length} bytes, want ${HASH_SIZE}`);
  if (typeof bundle.checkpoint !== "string" || !bundle.checkpoint.endsWith("\n")) throw new LedgerError("invalid_argument", "checkpoint note must end in a newline");
  const extra = bundle.extra !== undefined && bundle.extra.length > 0 ? `extra ${toBase64(bundle.extra)}\n` : "";
  return `${TLOG_PROOF_HEADER}\n${extra}index ${bundle.index}\n${bundle.proof.map((h) => `${toBase64(h)}\n`).join("")}\n${bundle.checkpoint}`;
}

/**
 * Parses a proof's text (or UTF-8 bytes), checking syntax only. Fails with
 * malformed_proof_bundle naming the bad line.
 */
export function parseProofBundle(input: string | Uint8Array): ProofBundle {
  const text = proofText(input, malformed);
  const lines = lineReader(text, malformed);
  const nextLine = lines.next;
  if (nextLine("header line") !== TLOG_PROOF_HEADER) malformed(`first line must be ${TLOG_PROOF_HEADER}`);
  let line = nextLine("second line");
  let extra: Uint8Array | undefined;
  if (line.startsWith("extra ")) {
    try {
      extra = fromBase64(line.slice(6));
    } catch {
      malformed("extra data is not canonical base64");
    }
    if (extra.length === 0) malformed("extra line present but empty");
    line = nextLine("index line");
  }
  if (!line.startsWith("index ")) malformed(`got ${JSON.stringify(line.slice(0, 40))}, want "index <N>"`);
  const index = parseDecimal(line.slice(6), "index", "malformed_proof_bundle");
  const proof = readHashLines(lines, "inclusion proof line", MAX_PROOF_LINES, malformed);
  const checkpoint = lines.rest();
  if (checkpoint === "") malformed("missing checkpoint after the empty line");
  return { ...(extra ? { extra } : {}), index, proof, checkpoint };
}

/** Who must have signed a proof's checkpoint for it to be accepted. */
export interface ProofPolicy {
  readonly hasher: Hasher;
  /** The log's origin line. */
  readonly origin: string;
  /** The log's checkpoint signing keys. */
  readonly logVerifiers: readonly NoteVerifier[];
  /** Witness cosignature keys. */
  readonly witnesses: readonly CosignatureVerifier[];
  /** How many distinct witnesses must have cosigned (0 = none required). */
  readonly quorum: number;
}

/** What a verified proof establishes. */
export interface VerifiedProof {
  readonly index: number;
  readonly checkpoint: Checkpoint;
  readonly cosignedBy: readonly ValidCosignature[];
  readonly extra?: Uint8Array;
}

/**
 * Verifies a proof for the entry with leaf hash `leafHash`: the checkpoint is
 * signed by the log (with the policy's origin), the inclusion proof leads from
 * the leaf at `index` to the checkpoint's root, and at least `quorum`
 * distinct policy witnesses validly cosigned that checkpoint. Fails with a
 * LedgerError: malformed_proof_bundle, unverified_note, bad_signature,
 * origin_mismatch, index_out_of_range, proof_wrong_length, root_mismatch or
 * quorum_not_met.
 */
export async function verifyProofBundle(input: string | Uint8Array, leafHash: Uint8Array, policy: ProofPolicy): Promise<VerifiedProof> {
  if (!Number.isSafeInteger(policy.quorum) || policy.quorum < 0) throw new LedgerError("invalid_argument", `quorum got ${policy.quorum}, want a non-negative integer`);
  const bundle = parseProofBundle(input);
  const opened = await openCheckpoint(bundle.checkpoint, policy.logVerifiers, policy.origin);
  verifyInclusion(policy.hasher, bundle.index, opened.checkpoint.size, leafHash, bundle.proof, opened.checkpoint.root);
  const cosignedBy = await validCosignatures(opened.text, opened.unverified, policy.witnesses);
  if (cosignedBy.length < policy.quorum) {
    throw new LedgerError("quorum_not_met", `${cosignedBy.length} of ${policy.witnesses.length} known witnesses cosigned, want at least ${policy.quorum}`);
  }
  return { index: bundle.index, checkpoint: opened.checkpoint, cosignedBy, ...(bundle.extra ? { extra: bundle.extra } : {}) };
}
