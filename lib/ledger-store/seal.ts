// Which entries the public log holds only as salted commitments, and how they are sealed.
//
// Decision (issue 13): what is APPENDED changes, not only what is served. The log's raw
// entry bytes are public through the C2SP tiles (/ledger/tile/entries/N) and every
// standard tool reads them there, so redacting /api/ledger/entries alone would hide
// nothing. A reading or grant change of a restricted dataset (catalogue sensitivity
// "restricted" or "confidential", lib/city DATASETS), the registration and key changes of
// its devices (device.v1: the device id), and every grant a linkage rule makes (its area is
// centred on a restricted incident) are appended as commitment.v1 entries,
// SHA-256(salt || the reading.v1/grant.v2 entry it stands for) with a fresh 32-byte salt;
// the salt and that entry are kept in ledger_commitment (same transaction) for the owner,
// auditors and the datum download; a sealed reading's salt is a column of its reading row
// (seal_salt, migration 20261207060000_reading_seal_salt) and its inner entry is made of the row. One kind for both, of one length, so the public log
// does not even tell an incident reading from a camera reading or a grant.
import crypto from "node:crypto";
import { datasetById } from "../city";
import type { DatasetId } from "../city/types";
import { toHex } from "../ledger/encoding";
import { nodeSha256 } from "./node-hasher";
import type { NewEntry } from "./append-entries";
import { copyByteaField } from "../db/sql";
import { GATEWAY_DATASET } from "../devices/device-kinds";

const PUBLIC_SENSITIVITY = new Set(["public", "internal"]);
const restrictedCache = new Map<string, boolean>();

/**
 * True if the dataset's terms and identifiers must appear on the public log only as
 * commitments: its catalogue sensitivity is "restricted" or "confidential", or it is not in
 * the catalogue at all (unknown is treated as restricted).
 */
export function isRestrictedDataset(id: string): boolean {
  // Gateways are registered for every dataset ("*"); their ids are on public readings anyway.
  if (id === GATEWAY_DATASET) return false;
  let r = restrictedCache.get(id);
  if (r === undefined) {
    try {
      r = !PUBLIC_SENSITIVITY.has(datasetById(id as DatasetId).sensitivity);
    } catch {
      r = true;
    }
    if (restrictedCache.size < 1024) restrictedCache.set(id, r);
  }
  return r;
}

// Salts are cut from a pool of random bytes refilled 8 KiB at a time (one system call per 256
// salts on the ingest's hot path); each salt is its own copy, never reused.
let pool = Buffer.alloc(0);
let poolAt = 0;
function freshSalt(): Uint8Array {
  const salt = new Uint8Array(32);
  freshSaltInto(salt, 0);
  return salt;
}

/** Writes a fresh 32-byte salt into `out` at `at` (the ingest's check workers write it where it goes). */
export function freshSaltInto(out: Uint8Array, at: number): void {
  if (poolAt + 32 > pool.length) {
    pool = crypto.randomBytes(8192);
    poolAt = 0;
  }
  out.set(pool.subarray(poolAt, poolAt + 32), at);
  poolAt += 32;
}

const PREFIX = Buffer.from('{"commitment":"');
const SUFFIX = Buffer.from('","kind":"commitment.v1"}');

/**
 * The leaf to append instead of `leaf` (whose bytes are a reading.v1 or grant.v2 entry's
 * canonical JSON): a commitment.v1 entry under a fresh random salt, carrying its opening
 * for ledger_commitment. The ref table and id stay (the console's own rows; not public).
 * Same bytes as lib/ledger's sealEntry (seal.test.ts), without re-validating the entry.
 */
export function sealLeaf(leaf: NewEntry, salt: Uint8Array = freshSalt()): NewEntry {
  const commitment = crypto.hash("sha256", Buffer.concat([salt, leaf.bytes]), "hex");
  const bytes = new Uint8Array(PREFIX.length + 64 + SUFFIX.length);
  bytes.set(PREFIX, 0);
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).write(commitment, PREFIX.length, "latin1");
  bytes.set(SUFFIX, PREFIX.length + 64);
  // The ledger_commitment row's COPY text after its leaf index, made here (on the ingest's
  // check workers) rather than in the storage transaction; none for a leaf folded into its row
  // (a sealed reading: its salt is the row's seal_salt, written by the caller with the row).
  const copy = leaf.inRow ? new Uint8Array(0) : Buffer.from(`${copyByteaField(salt)}\t${leaf.derived ? "\\N" : copyByteaField(leaf.bytes)}`, "latin1");
  // A reading's leaf folded into its row stays folded sealed: the row holds the commitment leaf's hash (sealed_leaf_hash).
  return { kind: "commitment.v1", bytes, refTable: leaf.refTable, refId: leaf.refId, ...(leaf.derived ? { derived: true } : {}), ...(leaf.inRow ? { inRow: true } : {}), opening: { salt, entry: leaf.bytes, copy } };
}

/** The opening of a commitment as the API and datum carry it: salt in hex, the inner entry as text. */
export const openingJson = (o: { salt: Uint8Array; entry: Uint8Array }) => ({ salt: toHex(new Uint8Array(o.salt)), entry: Buffer.from(o.entry).toString("utf8") });

/** nodeSha256, for callers that open commitments with lib/ledger's openCommitment. */
export { nodeSha256 as sealHasher };
