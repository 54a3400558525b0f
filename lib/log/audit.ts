import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import { appendLeafHashes, compactRangeRoot, EMPTY_COMPACT_RANGE, type CompactRange } from "../ledger/compact-range";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { bytesEqual, toHex } from "../ledger/encoding";
import { decodeEntry, encodeEntry } from "../ledger/entries";
import { leafHash } from "../ledger/merkle";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { ed25519NoteVerifier, parseNote } from "../ledger/note";
import { openCheckpoint } from "../ledger/checkpoint";
import { ed25519CosignatureVerifier, validCosignatures } from "../ledger/cosignature";
import { readingEntry } from "../ingest/store-readings";
import { nodeSha256 } from "./node-hasher";

export type Discrepancy = { table: string; id: string; leafIndex: number | null; what: string };
export type AuditReport = {
  ok: boolean;
  leaves: number;
  readings: number;
  checkpoints: number;
  cosignatures: number;
  belowQuorum: number;
  discrepancyCount: number;
  discrepancies: Discrepancy[];
  seconds: number;
};
export type AuditOptions = {
  logVerifierKey: string;
  witnessVerifierKeys: string[];
  quorum: number;
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stop collecting after this many discrepancies (the count keeps going). */
  maxReported?: number;
};

type LeafRow = {
  leaf_index: number;
  kind: string;
  entry: Uint8Array;
  leaf_hash: Uint8Array;
  ref_table: string | null;
  ref_id: string | null;
  r_id: number | null;
  dataset_id: string | null;
  device_id: string | null;
  seq: number | null;
  observed_at: Date | null;
  lon: number | null;
  lat: number | null;
  payload: Record<string, number | string | boolean> | null;
  payload_hash: Uint8Array | null;
  signature: Uint8Array | null;
  g_device: string | null;
  g_root: Uint8Array | null;
  g_signature: Uint8Array | null;
};

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function diffFields(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).join(", ") || "bytes";
}

/**
 * Recomputes every leaf from the stored domain rows and every checkpoint root from the
 * leaves, and checks every checkpoint's log signature and cosignatures. It trusts nothing
 * in the database: not the triggers, not the stored leaf hashes, not the stored tree.
 * Discrepancies name the table, the row and the leaf index.
 */
export async function auditLedger(sql: Sql, opts: AuditOptions): Promise<AuditReport> {
  const t0 = performance.now();
  const discrepancies: Discrepancy[] = [];
  let count = 0;
  const report = (d: Discrepancy) => {
    count++;
    if (discrepancies.length < (opts.maxReported ?? 1000)) discrepancies.push(d);
  };
  const ed = webCryptoEd25519();
  const logVerifier = await ed25519NoteVerifier(ed, opts.logVerifierKey);
  const witnessVerifiers = await Promise.all(opts.witnessVerifierKeys.map((k) => ed25519CosignatureVerifier(ed, k)));

  const [{ n: total }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ledger_leaf`);
  const checkpoints = await sql.query<{ size: number; root_hash: Uint8Array; note: string }>(
    `SELECT size, root_hash, note FROM checkpoint ORDER BY size`,
  );
  const cosigs = await sql.query<{ checkpoint_size: number; witness: string; line: string }>(
    `SELECT checkpoint_size, witness, line FROM cosignature ORDER BY checkpoint_size`,
  );
  const cosigBySize = new Map<number, { witness: string; line: string }[]>();
  for (const c of cosigs) {
    const k = Number(c.checkpoint_size);
    cosigBySize.set(k, [...(cosigBySize.get(k) ?? []), c]);
  }

  let range: CompactRange = EMPTY_COMPACT_RANGE;
  let cpIdx = 0;
  let readings = 0;
  const checkCheckpointsUpTo = async (size: number) => {
    while (cpIdx < checkpoints.length && Number(checkpoints[cpIdx].size) <= size) {
      const cp = checkpoints[cpIdx++];
      const cpSize = Number(cp.size);
      if (cpSize !== range.size) {
        report({ table: "checkpoint", id: String(cpSize), leafIndex: null, what: `checkpoint size ${cpSize} is beyond the ${range.size} leaves stored` });
        continue;
      }
      const root = compactRangeRoot(nodeSha256, range);
      if (!bytesEqual(root, u8(cp.root_hash))) {
        report({ table: "checkpoint", id: String(cpSize), leafIndex: cpSize - 1, what: `root ${toHex(u8(cp.root_hash))} differs from the root recomputed from the leaves ${toHex(root)}` });
      }
      try {
        const opened = await openCheckpoint(cp.note, [logVerifier]);
        if (opened.checkpoint.size !== cpSize || !bytesEqual(opened.checkpoint.root, root)) {
          report({ table: "checkpoint", id: String(cpSize), leafIndex: null, what: `signed note says size ${opened.checkpoint.size} root ${toHex(opened.checkpoint.root)}, recomputed root ${toHex(root)}` });
        }
        const lines = (cosigBySize.get(cpSize) ?? []).map((c) => c.line);
        const sigs = lines.length ? parseNote(`${opened.text}\n${lines.map((l) => `${l}\n`).join("")}`).signatures : [];
        const valid = await validCosignatures(opened.text, sigs, witnessVerifiers).catch((e: Error) => {
          report({ table: "cosignature", id: String(cpSize), leafIndex: null, what: e.message });
          return [];
        });
        if (lines.length && valid.length !== lines.length) {
          report({ table: "cosignature", id: String(cpSize), leafIndex: null, what: `${lines.length - valid.length} of ${lines.length} cosignatures are not from a known witness key` });
        }
      } catch (e) {
        report({ table: "checkpoint", id: String(cpSize), leafIndex: null, what: `signed note does not verify: ${(e as Error).message}` });
      }
    }
  };

  const chunk = opts.chunk ?? 20_000;
  let expected = 0;
  for (;;) {
    const rows = await sql.query<LeafRow>(
      `SELECT l.leaf_index, l.kind, l.entry, l.leaf_hash, l.ref_table, l.ref_id,
              r.id AS r_id, r.dataset_id, r.device_id, r.seq, r.observed_at, r.lon, r.lat, r.payload, r.payload_hash, r.signature,
              g.gateway_device_id AS g_device, g.batch_root AS g_root, g.signature AS g_signature
         FROM ledger_leaf l LEFT JOIN reading r ON r.leaf_index = l.leaf_index
         LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
        WHERE l.leaf_index >= $1 ORDER BY l.leaf_index LIMIT $2`,
      [expected, chunk],
    );
    if (rows.length === 0) break;
    const hashes: Uint8Array[] = [];
    for (const row of rows) {
      const index = Number(row.leaf_index);
      if (index !== expected) {
        report({ table: "ledger_leaf", id: String(expected), leafIndex: expected, what: `leaves ${expected}..${index - 1} are missing` });
        // The tree cannot be recomputed past a hole; stop here and report what was checked.
        await checkCheckpointsUpTo(range.size);
        return finish();
      }
      expected++;
      const entry = u8(row.entry);
      const h = leafHash(nodeSha256, entry);
      if (!bytesEqual(h, u8(row.leaf_hash))) {
        report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `stored leaf hash differs from SHA-256 of the stored entry` });
      }
      hashes.push(h);
      if (row.kind === "reading.v1") {
        readings++;
        if (row.r_id == null) {
          report({ table: "reading", id: row.ref_id ?? "?", leafIndex: index, what: "the reading of this leaf is missing" });
          continue;
        }
        const envelope = {
          device: row.device_id!,
          dataset: row.dataset_id!,
          seq: Number(row.seq),
          observedAt: new Date(row.observed_at!).toISOString(),
          location: [row.lon!, row.lat!] as [number, number],
          values: row.payload!,
        };
        const payloadHash = crypto.createHash("sha256").update(canonicalJsonBytes(envelope)).digest();
        const id = String(row.r_id);
        if (!bytesEqual(payloadHash, u8(row.payload_hash!))) {
          report({ table: "reading", id, leafIndex: index, what: "payload, location, time or device differ from what was signed (payload hash mismatch)" });
        }
        const rebuilt = encodeEntry(
          readingEntry({
            ...envelope,
            payloadHash: u8(row.payload_hash!),
            signature: u8(row.signature!),
            gateway: row.g_device ? { device: row.g_device, batchRoot: u8(row.g_root!), signature: u8(row.g_signature!) } : null,
          }),
        );
        if (!bytesEqual(rebuilt, entry)) {
          let what = "entry bytes differ from the reading row";
          try {
            what = `ledger entry differs from the reading row in: ${diffFields(decodeEntry(entry) as Record<string, unknown>, decodeEntry(rebuilt) as Record<string, unknown>)}`;
          } catch (e) {
            what = `ledger entry is not a valid reading.v1 entry: ${(e as Error).message}`;
          }
          report({ table: "reading", id, leafIndex: index, what });
        }
      } else {
        try {
          decodeEntry(entry);
        } catch (e) {
          report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `entry is not a valid ledger entry: ${(e as Error).message}` });
        }
      }
    }
    // Advance the tree leaf by leaf across checkpoint boundaries inside this chunk.
    let i = 0;
    while (i < hashes.length) {
      const nextCp = cpIdx < checkpoints.length ? Number(checkpoints[cpIdx].size) : Infinity;
      const take = Math.min(hashes.length - i, Math.max(0, nextCp - range.size));
      if (take > 0) {
        range = appendLeafHashes(nodeSha256, range, hashes.slice(i, i + take));
        i += take;
      }
      if (range.size === nextCp) await checkCheckpointsUpTo(range.size);
      else if (take === 0) break;
    }
    opts.onProgress?.(expected, Number(total));
  }
  await checkCheckpointsUpTo(range.size);
  const orphans = await sql.query<{ id: number; leaf_index: number }>(
    `SELECT r.id, r.leaf_index FROM reading r LEFT JOIN ledger_leaf l ON l.leaf_index = r.leaf_index WHERE l.leaf_index IS NULL LIMIT 100`,
  );
  for (const o of orphans) report({ table: "reading", id: String(o.id), leafIndex: Number(o.leaf_index), what: "reading points at a leaf that does not exist" });
  return finish();

  function finish(): AuditReport {
    // Checkpoints past the stored leaves were reported above; any left were never reached.
    for (; cpIdx < checkpoints.length; cpIdx++) {
      const s = Number(checkpoints[cpIdx].size);
      report({ table: "checkpoint", id: String(s), leafIndex: null, what: `checkpoint size ${s} is beyond the ${range.size} leaves checked` });
    }
    return {
      ok: count === 0,
      leaves: expected,
      readings,
      checkpoints: checkpoints.length,
      cosignatures: cosigs.length,
      // Not a discrepancy: witnesses may still be catching up with the newest checkpoints.
      belowQuorum: checkpoints.filter((c) => (cosigBySize.get(Number(c.size))?.length ?? 0) < opts.quorum).length,
      discrepancyCount: count,
      discrepancies,
      seconds: (performance.now() - t0) / 1000,
    };
  }
}
