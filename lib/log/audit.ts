import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import { appendLeafHashes, compactRangeRoot, EMPTY_COMPACT_RANGE, type CompactRange } from "../ledger/compact-range";
import { bytesEqual, toHex } from "../ledger/encoding";
import { decodeEntry } from "../ledger/entries";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { ed25519NoteVerifier, parseNote } from "../ledger/note";
import { openCheckpoint } from "../ledger/checkpoint";
import { ed25519CosignatureVerifier, validCosignatures } from "../ledger/cosignature";
import { nodeSha256 } from "./node-hasher";
import { parseCopyText } from "../db/copy-text";
import { canonicalEnvelope, canonicalReadingEntry } from "./reading-canonical";

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

// One row of the audit's COPY: the leaf, its entry's hash computed by the database, and the
// domain row the entry records. Byte fields travel as hex (no line breaks, unlike base64).
const COLUMNS = `l.leaf_index, l.kind, CASE WHEN l.kind <> 'reading.v1' THEN encode(l.entry, 'hex') END,
  encode(sha256('\\x00'::bytea || l.entry), 'hex'), encode(l.leaf_hash, 'hex'), l.ref_id,
  r.id, r.dataset_id, r.device_id, r.seq, (extract(epoch from r.observed_at) * 1000)::int8, r.lon, r.lat, r.payload::text,
  encode(r.payload_hash, 'hex'), encode(r.signature, 'hex'),
  g.gateway_device_id, encode(g.batch_root, 'hex'), encode(g.signature, 'hex')`;
const F = { index: 0, kind: 1, entryHex: 2, entryHash: 3, leafHash: 4, refId: 5, rId: 6, dataset: 7, device: 8, seq: 9, observedMs: 10, lon: 11, lat: 12, payload: 13, payloadHash: 14, signature: 15, gDevice: 16, gRoot: 17, gSignature: 18 } as const;
const hexBytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const hexToBase64 = (h: string) => Buffer.from(h, "hex").toString("base64");

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
  // The database hashes each stored entry (SHA-256 of 0x00 || entry, RFC 9162's leaf hash)
  // and rows come as COPY text: per-row result objects are what limits a bulk read, most of
  // all on PGlite. Reading entries are rebuilt from their rows here and compared by leaf
  // hash; an entry travels whole only when it is not a reading or on a mismatch.
  // Chunks are leaf-index ranges, so several can be fetched at once: on a server the
  // database works on the next ranges while this process checks the current one (PGlite
  // runs them one after the other anyway).
  const fetchRange = (from: number) =>
    sql
      .copyOut(
        `SELECT ${COLUMNS} FROM ledger_leaf l LEFT JOIN reading r ON r.leaf_index = l.leaf_index
           LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
          WHERE l.leaf_index >= ${Math.trunc(from)} AND l.leaf_index < ${Math.trunc(from + chunk)} ORDER BY l.leaf_index`,
      )
      .then(parseCopyText);
  const storedEntry = async (index: number) =>
    u8((await sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE leaf_index = $1`, [index]))[0].entry);
  const [{ end }] = await sql.query<{ end: number }>(`SELECT coalesce(max(leaf_index), -1)::int8 + 1 AS end FROM ledger_leaf`);
  const depth = sql.mode === "server" ? 3 : 1;
  const queue: Promise<(string | null)[][]>[] = [];
  let nextFrom = 0;
  const refill = () => {
    while (queue.length < depth && nextFrom < Number(end)) {
      queue.push(fetchRange(nextFrom));
      nextFrom += chunk;
    }
  };
  refill();
  while (queue.length) {
    const rows = await queue.shift()!;
    refill();
    if (rows.length === 0) continue;
    const hashes: Uint8Array[] = [];
    for (const row of rows) {
      const index = Number(row[F.index]);
      if (index !== expected) {
        report({ table: "ledger_leaf", id: String(expected), leafIndex: expected, what: `leaves ${expected}..${index - 1} are missing` });
        // The tree cannot be recomputed past a hole; stop here and report what was checked.
        await checkCheckpointsUpTo(range.size);
        return finish();
      }
      expected++;
      const entryHash = row[F.entryHash]!;
      const h = hexBytes(entryHash);
      if (entryHash !== row[F.leafHash]) {
        report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `stored leaf hash differs from SHA-256 of the stored entry` });
      }
      hashes.push(h);
      if (row[F.kind] === "reading.v1") {
        readings++;
        if (row[F.rId] === null) {
          report({ table: "reading", id: row[F.refId] ?? "?", leafIndex: index, what: "the reading of this leaf is missing" });
          continue;
        }
        const envelope = {
          device: row[F.device]!,
          dataset: row[F.dataset]!,
          seq: Number(row[F.seq]),
          observedAt: new Date(Number(row[F.observedMs])).toISOString(),
          location: [Number(row[F.lon]), Number(row[F.lat])] as [number, number],
          values: JSON.parse(row[F.payload]!) as Record<string, number | string | boolean>,
        };
        const id = row[F.rId]!;
        const payloadHashHex = row[F.payloadHash]!;
        if (crypto.hash("sha256", canonicalEnvelope(envelope), "hex") !== payloadHashHex) {
          report({ table: "reading", id, leafIndex: index, what: "payload, location, time or device differ from what was signed (payload hash mismatch)" });
        }
        // The reading.v1 entry as readingEntry() writes it (hex hash, base64 signatures),
        // built from the hex columns directly; its canonical form is the RFC 8785 one
        // (reading-canonical.test.ts checks that against the generic canonicaliser).
        const gDevice = row[F.gDevice];
        const rebuilt = canonicalReadingEntry({
          kind: "reading.v1",
          dataset: envelope.dataset,
          device: envelope.device,
          seq: envelope.seq,
          observedAt: envelope.observedAt,
          payloadHash: payloadHashHex,
          signature: hexToBase64(row[F.signature]!),
          ...(gDevice ? { gateway: { device: gDevice, batchRoot: row[F.gRoot]!, signature: hexToBase64(row[F.gSignature]!) } } : {}),
        });
        // RFC 9162 leaf hash: SHA-256 of 0x00 || entry (a NUL character is the byte 0x00 in UTF-8).
        if (crypto.hash("sha256", "\u0000" + rebuilt, "hex") !== entryHash) {
          const entry = await storedEntry(index);
          let what = "entry bytes differ from the reading row";
          try {
            const stored = decodeEntry(entry) as Record<string, unknown>;
            what = `ledger entry differs from the reading row in: ${diffFields(stored, JSON.parse(rebuilt) as Record<string, unknown>)}`;
          } catch (e) {
            what = `ledger entry is not a valid reading.v1 entry: ${(e as Error).message}`;
          }
          report({ table: "reading", id, leafIndex: index, what });
        }
      } else {
        try {
          decodeEntry(hexBytes(row[F.entryHex]!));
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
