import fs from "node:fs";
import path from "node:path";
import type { Sql } from "../../lib/db/sql";
import { fmt } from "./stats";

/** The tables a stored reading writes to (with its ledger leaf), and the tree derived from the leaves. */
const TABLES = ["reading", "ledger_leaf", "ledger_commitment", "gateway_batch", "ledger_tile"] as const;

/** Bytes of the files under dir (PGlite's data folder: tables, indexes and WAL). */
function folderBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? folderBytes(p) : e.isFile() ? fs.statSync(p).size : 0;
  }
  return n;
}

/**
 * Bytes per stored reading: each table's heap (with TOAST) and indexes summed over its
 * partitions, divided by the readings stored, and the total of reading with its leaf; with
 * the data folder's size on PGlite. Lines to print.
 */
export async function storageBytesPerReading(sql: Sql, dataDir?: string): Promise<string[]> {
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM reading`);
  const readings = Number(n);
  if (!readings) return ["bytes per reading: no readings stored"];
  const parts: string[] = [];
  let total = 0;
  for (const t of TABLES) {
    const [r] = await sql.query<{ heap: number; idx: number }>(
      `SELECT coalesce(sum(pg_table_size(relid)), 0)::int8 AS heap, coalesce(sum(pg_indexes_size(relid)), 0)::int8 AS idx FROM (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass) AS rels`,
      [t],
    );
    const heap = Number(r.heap) / readings;
    const idx = Number(r.idx) / readings;
    total += t === "ledger_tile" ? 0 : heap + idx;
    parts.push(`${t} ${fmt(heap, 0)} + ${fmt(idx, 0)} index`);
  }
  const lines = [
    `bytes per reading (${readings} readings stored; table + indexes, partitions summed): ${parts.join("; ")}`,
    `  a reading with its leaf (reading, ledger_leaf, ledger_commitment, gateway_batch; the tree's tiles apart): ${fmt(total, 0)} B`,
  ];
  // What the steps of issue 18 save (README, "Storage per reading"): the payload's bytes as
  // stored, and as jsonb and as json text (computed values: 3 B more header than a stored
  // short one), and the payload hash's, averaged over the rows.
  const [c] = await sql.query<{ type: string; stored: number; jsonb: number; json: number; hash: number }>(
    `SELECT (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'reading'::regclass AND attname = 'payload') AS type,
            avg(pg_column_size(payload))::float8 AS stored, avg(pg_column_size(payload::jsonb))::float8 AS jsonb,
            avg(pg_column_size(payload::text::json))::float8 AS json, avg(pg_column_size(payload_hash))::float8 AS hash FROM reading`,
  );
  lines.push(
    `  columns of reading (average bytes): payload ${fmt(Number(c.stored), 1)} stored (${c.type}); computed, as jsonb ${fmt(Number(c.jsonb), 1)}, as json text ${fmt(Number(c.json), 1)}; payload_hash ${fmt(Number(c.hash), 1)}`,
  );
  if (dataDir && fs.existsSync(dataDir)) {
    const all = folderBytes(dataDir);
    const walDir = path.join(dataDir, "pglite", "pg_wal");
    const wal = fs.existsSync(walDir) ? folderBytes(walDir) : 0;
    lines.push(`  PGlite's data folder: ${fmt(all / 1e6, 1)} MB, ${fmt(all / readings, 0)} B per reading (WAL ${fmt(wal / 1e6, 1)} MB of it)`);
  }
  return lines;
}
