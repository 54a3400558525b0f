// The audit's checks of what surrounds the leaves: gateway batches, each cosignature, the
// checkpoints the sequencer and the witnesses recorded (rollback), a checkpoint an auditor
// kept (--since), and the hash tiles. audit.ts calls these with what it recomputed.
import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import { bytesEqual, toHex, utf8Encode } from "../ledger/encoding";
import { nodeHash } from "../ledger/merkle";
import { parseNote, ed25519NoteVerifier } from "../ledger/note";
import { openCheckpoint } from "../ledger/checkpoint";
import type { CosignatureVerifier } from "../ledger/cosignature";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { verifyConsistency } from "../ledger/verify";
import { batchRootOf, gatewayStatementBytes } from "../ingest/gateway";
import { nodeSha256 } from "./node-hasher";
import { consistencyProofBetween } from "./proofs";
import type { Report } from "./audit-state";
import { readWitnessHistories, readWitnessStateFiles, type WitnessHistoryLine } from "./witness-file-store";

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    return crypto.verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Every gateway batch: its root recomputed from payload_hashes, its size, its signature (by
 * a key the gateway device has had), every member reading's batch stored and its leaf in the batch's range.
 */
export async function auditGatewayBatches(sql: Pick<Sql, "query">, report: Report): Promise<void> {
  const batches = await sql.query<{ id: number; gateway_device_id: string; batch_root: Uint8Array; signature: Uint8Array; size: number; payload_hashes: Uint8Array }>(
    `SELECT id, gateway_device_id, batch_root, signature, size, payload_hashes FROM gateway_batch ORDER BY id`,
  );
  if (batches.length === 0) return;
  const keys = await sql.query<{ device_id: string; public_key: Uint8Array }>(
    `SELECT device_id, public_key FROM device_key WHERE device_id = ANY($1::text[])`,
    [[...new Set(batches.map((b) => b.gateway_device_id))]],
  );
  for (const b of batches) {
    const id = String(b.id);
    const hashes = u8(b.payload_hashes);
    const n = Math.floor(hashes.length / 32);
    if (hashes.length % 32 !== 0) report({ table: "gateway_batch", id, leafIndex: null, field: "payload_hashes", stored: String(hashes.length), what: `payload_hashes is ${hashes.length} bytes, not a whole number of 32-byte hashes` });
    if (Number(b.size) !== n) report({ table: "gateway_batch", id, leafIndex: null, field: "size", ledger: String(n), stored: String(b.size), what: `size says ${b.size}, payload_hashes holds ${n} hashes` });
    const root = batchRootOf(Array.from({ length: n }, (_, i) => hashes.subarray(32 * i, 32 * i + 32)));
    if (!bytesEqual(root, u8(b.batch_root))) {
      report({ table: "gateway_batch", id, leafIndex: null, field: "batch_root", ledger: toHex(root), stored: toHex(u8(b.batch_root)), what: `batch_root differs from the root recomputed from payload_hashes` });
    }
    const statement = gatewayStatementBytes(b.gateway_device_id, u8(b.batch_root));
    if (!keys.some((k) => k.device_id === b.gateway_device_id && ed25519Verify(u8(k.public_key), statement, u8(b.signature)))) {
      report({ table: "gateway_batch", id, leafIndex: null, field: "signature", what: `the signature is not by any key gateway ${b.gateway_device_id} has had` });
    }
  }
  // A member's batch must exist, and its leaf lie inside the batch's leaf range (by which
  // provenance finds a batch's readings). That its payload hash is one of the batch's hashes is
  // checked with the rows (verify-range.ts, audit.ts): the hash is derived from the row since
  // migration 20261207050000, which SQL cannot do.
  const strays = await sql.query<{ id: number; leaf_index: number; gateway_batch_id: number; stray: boolean; first_leaf: number | null; last_leaf: number | null }>(
    `SELECT * FROM (
       SELECT r.leaf_index AS id, r.leaf_index, r.gateway_batch_id, g.first_leaf, g.last_leaf,
              g.id IS NULL AS stray
         FROM reading r LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
        WHERE r.gateway_batch_id IS NOT NULL) m
      WHERE stray OR first_leaf IS NULL OR leaf_index NOT BETWEEN first_leaf AND last_leaf
      ORDER BY leaf_index LIMIT 1000`,
  );
  for (const r of strays) {
    const base = { table: "reading", id: String(r.id), leafIndex: Number(r.leaf_index) } as const;
    if (r.stray) report({ ...base, field: "gateway_batch_id", stored: String(r.gateway_batch_id), what: `the reading's gateway batch ${r.gateway_batch_id} is not stored` });
    else report({ ...base, table: "gateway_batch", id: String(r.gateway_batch_id), field: "first_leaf, last_leaf", stored: `${r.first_leaf ?? "NULL"}..${r.last_leaf ?? "NULL"}`, what: `the batch's leaf range does not hold its reading at leaf ${r.leaf_index}` });
  }
}

/**
 * Each cosignature line verified on its own for the checkpoint it is stored with: from a
 * known witness key, under the witness name stored beside it, over this checkpoint's text.
 */
export async function checkCosignatures(
  size: number,
  text: string,
  rows: readonly { witness: string; line: string }[],
  witnesses: readonly CosignatureVerifier[],
  report: Report,
): Promise<number> {
  let valid = 0;
  const bytes = utf8Encode(text);
  for (const c of rows) {
    const id = `${size}/${c.witness}`;
    let sig;
    try {
      [sig] = parseNote(`${text}\n${c.line}\n`).signatures;
    } catch (e) {
      report({ table: "cosignature", id, leafIndex: null, field: "line", what: `not a signature line: ${(e as Error).message}` });
      continue;
    }
    const w = witnesses.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (!w) {
      report({ table: "cosignature", id, leafIndex: null, field: "line", what: `not from a known witness key (${sig.name})` });
      continue;
    }
    if (sig.name !== c.witness) report({ table: "cosignature", id, leafIndex: null, field: "witness", ledger: JSON.stringify(sig.name), stored: JSON.stringify(c.witness), what: `the line is signed by ${sig.name}, stored as ${c.witness}'s` });
    if (!(await w.verify(bytes, sig.signature))) {
      report({ table: "cosignature", id, leafIndex: null, field: "line", what: `${sig.name}'s cosignature does not verify for checkpoint ${size} (moved from another checkpoint, or altered)` });
      continue;
    }
    valid++;
  }
  return valid;
}

export type Recorded = {
  nextIndex: number;
  integratedSize: number;
  /** From witness_state, and from witness state files (table "witness file", id its path). */
  witnesses: { witness: string; origin: string; size: number; root: Uint8Array; file?: string }[];
  /** Every checkpoint an in-process witness with its own state file ever cosigned (its history file). */
  history: WitnessHistoryLine[];
};

/** What the sequencer (ledger_state) and the in-database witnesses (witness_state) recorded; read before anything else. */
export async function readRecorded(sql: Pick<Sql, "query">, witnessStateDir?: string): Promise<Recorded> {
  const [s] = await sql.query<{ next_index: number; integrated_size: number }>(`SELECT next_index, integrated_size FROM ledger_state WHERE id = 1`);
  const ws = await sql.query<{ witness: string; origin: string; size: number; root_hash: Uint8Array }>(`SELECT witness, origin, size, root_hash FROM witness_state ORDER BY witness`);
  return {
    nextIndex: Number(s?.next_index ?? 0),
    integratedSize: Number(s?.integrated_size ?? 0),
    witnesses: [
      ...ws.map((w) => ({ witness: w.witness, origin: w.origin, size: Number(w.size), root: u8(w.root_hash) })),
      ...(witnessStateDir ? readWitnessStateFiles(witnessStateDir) : []).map((w) => ({ ...w, root: new Uint8Array(Buffer.from(w.root, "hex")) })),
    ],
    history: witnessStateDir ? readWitnessHistories(witnessStateDir) : [],
  };
}

/**
 * Rollback and gaps: the stored log must be at least as long as every size the sequencer
 * handed out or acknowledged and every size a witness cosigned; the checkpoint of each such
 * size must be stored, with that witness's cosignature and the root the witness saw. Returns
 * the checkpoints older than the newest that no witness cosigned: a console stopped between
 * signing a checkpoint and storing its cosignatures leaves one, and nothing stored tells
 * that apart from cosignatures deleted later, so they are counted, not named.
 */
export function checkRecorded(
  rec: Recorded,
  opts: {
    leaves: number;
    origin: string | null;
    checkpoints: ReadonlyMap<number, Uint8Array>;
    cosignedBy: ReadonlyMap<number, ReadonlySet<string>>;
  },
  report: Report,
): number[] {
  const { leaves, checkpoints, cosignedBy } = opts;
  if (rec.nextIndex > leaves) {
    report({ table: "ledger_state", id: "1", leafIndex: leaves, field: "next_index", ledger: String(rec.nextIndex), stored: String(leaves), what: `the sequencer handed out ${rec.nextIndex} leaf indexes, the stored log has ${leaves} leaves: the log was cut back` });
  }
  if (rec.integratedSize > leaves) {
    report({ table: "ledger_state", id: "1", leafIndex: leaves, field: "integrated_size", ledger: String(rec.integratedSize), stored: String(leaves), what: `the console acknowledged a tree of ${rec.integratedSize} leaves, the stored log has ${leaves}: the log was rolled back` });
  }
  if (rec.integratedSize > 0 && !checkpoints.has(rec.integratedSize)) {
    report({ table: "checkpoint", id: String(rec.integratedSize), leafIndex: null, field: "size", ledger: String(rec.integratedSize), what: `the checkpoint of the integrated tree (ledger_state.integrated_size ${rec.integratedSize}) is missing` });
  }
  for (const w of rec.witnesses) {
    if (opts.origin !== null && w.origin !== opts.origin) continue;
    const id = w.file ?? w.witness;
    const table = w.file ? "witness file" : "witness_state";
    if (w.size > leaves) {
      report({ table, id, leafIndex: leaves, field: "size", ledger: String(w.size), stored: String(leaves), what: `witness ${w.witness} cosigned a tree of ${w.size} leaves, the stored log has ${leaves}: the log was rolled back` });
    }
    if (w.size === 0) continue;
    const root = checkpoints.get(w.size);
    if (!root) {
      report({ table: "checkpoint", id: String(w.size), leafIndex: null, field: "size", ledger: String(w.size), what: `the checkpoint witness ${w.witness} cosigned (${table} size ${w.size}) is missing` });
      continue;
    }
    if (!bytesEqual(root, w.root)) {
      report({ table: "checkpoint", id: String(w.size), leafIndex: null, field: "root_hash", ledger: toHex(w.root), stored: toHex(root), what: `witness ${w.witness} cosigned root ${toHex(w.root)} at size ${w.size}, the stored checkpoint has ${toHex(root)}` });
    }
    if (!cosignedBy.get(w.size)?.has(w.witness)) {
      report({ table: "cosignature", id: `${w.size}/${w.witness}`, leafIndex: null, what: `witness ${w.witness} recorded cosigning checkpoint ${w.size}, but its cosignature is not stored (deleted, or lost when the console stopped before storing it)` });
    }
  }
  // Every checkpoint a witness's history says it cosigned: a checkpoint deleted from the
  // middle of the log, or a cosignature deleted from an older checkpoint, is named here.
  for (const h of rec.history) {
    if (opts.origin !== null && h.origin !== opts.origin) continue;
    const id = `${h.file}:${h.line}`;
    if (h.size > leaves) {
      report({ table: "witness history", id, leafIndex: leaves, field: "size", ledger: String(h.size), stored: String(leaves), what: `witness ${h.witness} cosigned a tree of ${h.size} leaves, the stored log has ${leaves}: the log was rolled back` });
      continue;
    }
    const root = checkpoints.get(h.size);
    if (!root) {
      report({ table: "checkpoint", id: String(h.size), leafIndex: null, field: "size", ledger: String(h.size), what: `the checkpoint witness ${h.witness} cosigned (witness history ${id}) is missing` });
      continue;
    }
    if (toHex(root) !== h.root) {
      report({ table: "checkpoint", id: String(h.size), leafIndex: null, field: "root_hash", ledger: h.root, stored: toHex(root), what: `witness ${h.witness} cosigned root ${h.root} at size ${h.size} (witness history ${id}), the stored checkpoint has ${toHex(root)}` });
    }
    if (!cosignedBy.get(h.size)?.has(h.witness)) {
      report({ table: "cosignature", id: `${h.size}/${h.witness}`, leafIndex: null, what: `witness ${h.witness} cosigned checkpoint ${h.size} (witness history ${id}), but its cosignature is not stored` });
    }
  }
  const sizes = [...checkpoints.keys()].sort((a, b) => a - b);
  return sizes.slice(0, -1).filter((s) => !cosignedBy.get(s)?.size);
}

/** A checkpoint note an auditor kept, opened with the log's key: what --since pins. */
export type KeptCheckpoint = { size: number; root: Uint8Array; origin: string };

/** Opens a kept checkpoint note; throws an Error saying what is wrong with it. */
export async function openKeptCheckpoint(note: string, logVerifierKey: string): Promise<KeptCheckpoint> {
  const verifier = await ed25519NoteVerifier(webCryptoEd25519(), logVerifierKey);
  try {
    const { checkpoint } = await openCheckpoint(note, [verifier]);
    return { size: checkpoint.size, root: checkpoint.root, origin: checkpoint.origin };
  } catch (e) {
    throw new Error(`not a checkpoint signed by this log's key (${verifier.name}): ${(e as Error).message}`);
  }
}

/**
 * The kept checkpoint against the stored log: `root` is the root the audit recomputed from
 * the stored leaves at the kept size (null when the log is shorter). Also checks the
 * consistency proof the console serves from the kept size to its newest checkpoint.
 */
export async function checkKept(
  sql: Pick<Sql, "query">,
  kept: KeptCheckpoint,
  root: Uint8Array | null,
  leaves: number,
  newest: { size: number; root: Uint8Array } | null,
  report: Report,
): Promise<void> {
  const id = `kept ${kept.size}`;
  if (root === null) {
    report({ table: "ledger_leaf", id, leafIndex: leaves, field: "size", ledger: String(kept.size), stored: String(leaves), what: `the stored log has ${leaves} leaves, fewer than the ${kept.size} of the kept checkpoint: it was rolled back` });
    return;
  }
  if (!bytesEqual(root, kept.root)) {
    report({ table: "ledger_leaf", id, leafIndex: kept.size - 1, field: "root", ledger: toHex(kept.root), stored: toHex(root), what: `the stored log is not an extension of the kept checkpoint: its first ${kept.size} leaves have another root` });
    return;
  }
  if (newest && newest.size >= kept.size) {
    try {
      const proof = await consistencyProofBetween(sql, kept.size, newest.size);
      verifyConsistency(nodeSha256, kept.size, newest.size, proof, kept.root, newest.root);
    } catch (e) {
      report({ table: "ledger_tile", id, leafIndex: null, what: `the consistency proof from the kept checkpoint (${kept.size}) to checkpoint ${newest.size} does not verify: ${(e as Error).message}` });
    }
  }
}

/** Root of a perfect tree from its 2^k leaf-level hashes (node hashes above them). */
function perfectRoot(hashes: Uint8Array, from: number, count: number): Uint8Array {
  let level: Uint8Array[] = Array.from({ length: count }, (_, i) => hashes.subarray(32 * (from + i), 32 * (from + i) + 32));
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => nodeHash(nodeSha256, level[2 * i], level[2 * i + 1]));
  return level[0];
}

const TILE = 256;

/**
 * Level-0 tiles [first, first + count) against the leaf hashes `hashes` of leaves starting
 * at tile `first`'s first leaf (the last tile may be partial: `have` leaves in all).
 */
export async function checkLeafTiles(sql: Pick<Sql, "copyOutBinary" | "query">, first: number, count: number, hashes: Uint8Array, integratedSize: number, report: Report): Promise<void> {
  // Binary COPY: the hashes come raw (a plain query would send them as hex text to decode).
  const tiles = parseTileCopy(await sql.copyOutBinary(`SELECT index, width, hashes FROM ledger_tile WHERE level = 0 AND index >= ${first} AND index < ${first + count}`));
  // A live console goes on integrating while the audit runs: the last partial tile may have
  // grown past the leaves the audit read. Hashes up to the tree integrated now are the log's.
  const [now] = await sql.query<{ integrated_size: number }>(`SELECT integrated_size FROM ledger_state WHERE id = 1`);
  const grownTo = Math.max(integratedSize, Number(now?.integrated_size ?? 0));
  for (const t of tiles) compareTile(0, Number(t.index), Number(t.width), u8(t.hashes), hashes, (Number(t.index) - first) * TILE, report, grownTo);
  // Every full tile of the integrated tree is served to clients: it must be there.
  const have = new Set(tiles.map((t) => Number(t.index)));
  for (let i = first; i < first + count && (i + 1) * TILE <= Math.min(integratedSize, first * TILE + hashes.length / 32); i++) {
    if (!have.has(i)) report({ table: "ledger_tile", id: `0/${i}`, leafIndex: i * TILE, what: `the hash tile of leaves ${i * TILE}..${i * TILE + TILE - 1} is missing` });
  }
}

/** Rows (index int8, width int4, hashes bytea) of a binary COPY output (format: see copy-binary.ts). */
function parseTileCopy(out: Uint8Array): { index: number; width: number; hashes: Uint8Array }[] {
  const b = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  if (b.length < 19 || b.toString("latin1", 0, 11) !== "PGCOPY\n\xff\r\n\0") throw new Error("ledger_tile: not binary COPY output");
  const rows: { index: number; width: number; hashes: Uint8Array }[] = [];
  let p = 19 + b.readInt32BE(15);
  while (p + 2 <= b.length && b.readInt16BE(p) !== -1) {
    if (b.readInt16BE(p) !== 3 || b.readInt32BE(p + 2) !== 8 || b.readInt32BE(p + 14) !== 4) throw new Error("ledger_tile: unexpected COPY row");
    const index = Number(b.readBigInt64BE(p + 6));
    const width = b.readInt32BE(p + 18);
    const len = b.readInt32BE(p + 22);
    rows.push({ index, width, hashes: new Uint8Array(b.subarray(p + 26, p + 26 + Math.max(0, len))) });
    p += 26 + Math.max(0, len);
  }
  return rows;
}

function compareTile(level: number, index: number, width: number, stored: Uint8Array, have: Uint8Array, at: number, report: Report, grownTo = 0) {
  const id = `${level}/${index}`;
  const available = Math.max(0, Math.min(TILE, have.length / 32 - at));
  if (stored.length !== 32 * width) report({ table: "ledger_tile", id, leafIndex: null, field: "width", stored: String(width), what: `width ${width}, but ${stored.length} bytes of hashes` });
  // Wider than what the audit read is fine where the log has grown that far since: a tile at
  // `level` holds one hash per full subtree of 256^level leaves of the tree integrated now.
  const grownWidth = Math.min(TILE, Math.floor(grownTo / TILE ** level) - index * TILE);
  if (width > available && width > grownWidth) {
    report({ table: "ledger_tile", id, leafIndex: null, field: "width", ledger: String(available), stored: String(width), what: `the tile holds ${width} hashes, the log has only ${available} there` });
  }
  const n = Math.min(width, available, Math.floor(stored.length / 32));
  for (let i = 0; i < n; i++) {
    const a = stored.subarray(32 * i, 32 * i + 32);
    const b = have.subarray(32 * (at + i), 32 * (at + i) + 32);
    if (!bytesEqual(a, b)) {
      report({ table: "ledger_tile", id, leafIndex: level === 0 ? index * TILE + i : null, field: `hashes[${i}]`, ledger: toHex(b), stored: toHex(a), what: `hash ${i} differs from the one recomputed from the leaves` });
      return;
    }
  }
}

/**
 * Tiles of level 1 and up against the height-8 subtree roots the workers computed (`nodes8`,
 * every full 256-leaf subtree in order); each level up is hashed from the one below.
 */
export async function checkUpperTiles(sql: Pick<Sql, "query">, nodes8: Uint8Array, report: Report): Promise<void> {
  const tiles = await sql.query<{ level: number; index: number; width: number; hashes: Uint8Array }>(
    `SELECT level, index, width, hashes FROM ledger_tile WHERE level >= 1 ORDER BY level, index`,
  );
  // A live console goes on integrating while the audit runs (see checkLeafTiles): an upper
  // tile may have grown past the subtrees the audit read (in CI, tile 1/0 at 25 hashes against
  // the 24 of the 6,384 leaves read).
  const [now] = await sql.query<{ integrated_size: number }>(`SELECT integrated_size FROM ledger_state WHERE id = 1`);
  const grownTo = Number(now?.integrated_size ?? 0);
  const levels: Uint8Array[] = [new Uint8Array(0), nodes8];
  for (const t of tiles) {
    const level = Number(t.level);
    while (levels.length <= level) {
      const below = levels[levels.length - 1];
      const full = Math.floor(below.length / 32 / TILE);
      const next = new Uint8Array(32 * full);
      for (let i = 0; i < full; i++) next.set(perfectRoot(below, i * TILE, TILE), 32 * i);
      levels.push(next);
    }
    compareTile(level, Number(t.index), Number(t.width), u8(t.hashes), levels[level], Number(t.index) * TILE, report, grownTo);
  }
}
