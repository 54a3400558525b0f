// Salted commitments: how the public log holds entries of restricted datasets. The log
// appends a commitment.v1 entry whose `commitment` is SHA-256(salt || inner), where `inner`
// is the canonical JSON of the entry that would otherwise have been appended (a reading.v1,
// grant.v2 or device.v1 entry) and `salt` 32 random bytes. Anyone verifies the log as before (the
// commitment entry is an ordinary leaf); whoever holds the salt and the inner entry (the
// owner, auditors, a datum download) opens it and checks the inner entry like any other.
// Without the salt the commitment reveals nothing about the inner entry, not even a guess
// of it that could be confirmed by hashing (the salt has 256 bits); with it, the inner entry
// cannot be changed (SHA-256 is collision resistant and the salt has a fixed length, so
// salt || inner splits one way only).
import { decodeEntry, encodeEntry, type CommitmentEntry, type EntryKind, type LedgerEntry } from "./entries";
import { concatBytes, fromHex, toHex, utf8Encode } from "./encoding";
import { LedgerError } from "./errors";
import type { Hasher } from "./sha256";

/** Bytes of a commitment salt. */
export const SALT_BYTES = 32;

/** The entry kinds a commitment may hide (writable kinds of restricted data; never a commitment itself). */
export const SEALABLE_KINDS: readonly EntryKind[] = ["reading.v1", "grant.v2", "device.v1"];

/** The commitment to `inner` (canonical JSON bytes of an entry) under `salt`: SHA-256(salt || inner). */
export function commitmentOf(hasher: Hasher, salt: Uint8Array, inner: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES) throw new LedgerError("invalid_argument", `salt must be ${SALT_BYTES} bytes`);
  return hasher(concatBytes(salt, inner));
}

/** The commitment.v1 entry for `inner` under `salt`. */
export function commitmentEntry(hasher: Hasher, salt: Uint8Array, inner: Uint8Array): CommitmentEntry {
  return { kind: "commitment.v1", commitment: toHex(commitmentOf(hasher, salt, inner)) };
}

/**
 * Seals an entry: its canonical bytes (`inner`), and the canonical bytes of the
 * commitment.v1 entry to append instead (`sealed`). Requires a SEALABLE_KINDS entry and a
 * 32-byte random salt from the caller (crypto.getRandomValues or randomBytes).
 */
export function sealEntry(hasher: Hasher, entry: LedgerEntry, salt: Uint8Array): { inner: Uint8Array; sealed: Uint8Array } {
  if (!SEALABLE_KINDS.includes(entry.kind)) throw new LedgerError("invalid_argument", `a ${entry.kind} entry cannot be sealed (only ${SEALABLE_KINDS.join(", ")})`);
  const inner = encodeEntry(entry);
  return { inner, sealed: encodeEntry(commitmentEntry(hasher, salt, inner)) };
}

/**
 * Opens a commitment: checks that `inner` (canonical JSON bytes) under `salt` gives the
 * commitment of `entry` and that `inner` is a valid entry of a sealable kind, and returns
 * that entry. Fails with malformed_entry (not a commitment, or the inner entry is of a kind
 * that is not sealed), invalid_argument (salt length), commitment_mismatch (the opening
 * does not match: salt or inner entry changed), or what decodeEntry fails with.
 */
export function openCommitment(hasher: Hasher, entry: LedgerEntry, salt: Uint8Array, inner: Uint8Array): LedgerEntry {
  if (entry.kind !== "commitment.v1") throw new LedgerError("malformed_entry", `a ${entry.kind} entry is not a commitment`);
  const got = toHex(commitmentOf(hasher, salt, inner));
  if (got !== entry.commitment) throw new LedgerError("commitment_mismatch", `SHA-256(salt || entry) is ${got}, the ledger commits to ${entry.commitment}`);
  const opened = decodeEntry(inner);
  if (!SEALABLE_KINDS.includes(opened.kind)) throw new LedgerError("malformed_entry", `a commitment must hide one of ${SEALABLE_KINDS.join(", ")}, not ${opened.kind}`);
  return opened;
}

/** openCommitment with the salt as hex and the inner entry as text (as a datum or an API answer carries them). */
export function openCommitmentText(hasher: Hasher, entry: LedgerEntry, saltHex: string, innerText: string): LedgerEntry {
  return openCommitment(hasher, entry, fromHex(saltHex), utf8Encode(innerText));
}
