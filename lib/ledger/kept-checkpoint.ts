// A checkpoint an auditor kept, against the log as it is now: the check `ledger:audit --since`
// and the audit page run. The kept note and the current one must both carry the log's
// signature; the current tree must be at least as large, and the consistency proof between
// them must verify. Everything is checked here, so a browser needs to trust nothing the
// server says beyond what verifies.
import { openCheckpoint } from "./checkpoint";
import type { Ed25519 } from "./ed25519";
import { toHex } from "./encoding";
import type { Hasher } from "./sha256";
import { ed25519NoteVerifier } from "./note";
import { verifyConsistency } from "./verify";

export type KeptVerdict =
  | { ok: true; keptSize: number; currentSize: number; proofHashes: number }
  | { ok: false; reason: "not_a_checkpoint" | "rolled_back" | "forked" | "not_an_extension"; keptSize?: number; currentSize?: number; message: string };

/**
 * Checks that the log's current checkpoint extends the kept one. `consistencyProof` fetches
 * the proof from the kept size to the current size (only called when both differ). A kept or
 * current note without the log's signature, or from another origin, is `not_a_checkpoint`.
 */
export async function checkKeptCheckpoint(opts: {
  hasher: Hasher;
  ed25519: Ed25519;
  logVerifierKey: string;
  origin: string;
  kept: string;
  current: string;
  consistencyProof: (size1: number, size2: number) => Promise<Uint8Array[]>;
}): Promise<KeptVerdict> {
  const verifier = await ed25519NoteVerifier(opts.ed25519, opts.logVerifierKey);
  const open = async (what: string, note: string) => {
    try {
      return (await openCheckpoint(note, [verifier], opts.origin)).checkpoint;
    } catch (e) {
      throw new Error(`the ${what} checkpoint is not signed by this log's key (${verifier.name}): ${(e as Error).message}`);
    }
  };
  let kept, current;
  try {
    kept = await open("kept", opts.kept);
    current = await open("current", opts.current);
  } catch (e) {
    return { ok: false, reason: "not_a_checkpoint", message: (e as Error).message };
  }
  const sizes = { keptSize: kept.size, currentSize: current.size };
  if (current.size < kept.size) {
    return { ok: false, reason: "rolled_back", ...sizes, message: `the log has ${current.size} leaves, fewer than the ${kept.size} of the kept checkpoint: it was rolled back` };
  }
  if (current.size === kept.size) {
    if (toHex(current.root) !== toHex(kept.root)) {
      return { ok: false, reason: "forked", ...sizes, message: `at size ${kept.size} the log now has root ${toHex(current.root)}, the kept checkpoint ${toHex(kept.root)}: the log was rewritten` };
    }
    return { ok: true, ...sizes, proofHashes: 0 };
  }
  const proof = await opts.consistencyProof(kept.size, current.size);
  try {
    verifyConsistency(opts.hasher, kept.size, current.size, proof, kept.root, current.root);
  } catch (e) {
    return { ok: false, reason: "not_an_extension", ...sizes, message: `the log of ${current.size} leaves is not a consistent extension of the kept checkpoint of ${kept.size}: ${(e as Error).message}` };
  }
  return { ok: true, ...sizes, proofHashes: proof.length };
}
