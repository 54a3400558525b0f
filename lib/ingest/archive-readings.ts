// Retention of readings (READING_RETENTION_DAYS): a day partition of reading older than the
// retention is exported to a gzip file of NDJSON rows (every column, and its gateway batch's
// device, root and signature, so the file alone rebuilds each reading's reading.v1 entry),
// with a manifest (day, readings, first and last leaf, the file's SHA-256), recorded in
// reading_archive, then detached and dropped. The ledger keeps every leaf's hash and the tree
// (a reading's leaf folded into its row is copied into ledger_leaf first, in the transaction
// that drops the partition, so the tree, proofs and the audit read it there; a sealed reading's
// with its commitment entry, rebuilt from its salt and row, which the log goes on serving, and
// its salt, a column of its row since 20261207060000_reading_seal_salt, goes back into
// ledger_commitment as its opening, as it was stored before; the file holds the salt too):
// an archived reading still verifies against the log (checkArchive; npm run ledger:audit --
// --archive FILE), though the log no longer serves its entry.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { Sql } from "../db/sql";
import { readingEntryBytes } from "./reading-encoding";
import { payloadHashOfRow } from "./envelope";
import { leafHash } from "../ledger/merkle";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { toHex } from "../ledger/encoding";
import { commitmentEntry } from "../ledger/commitment";
import { encodeEntry } from "../ledger/entries";

/** One archived reading, as a line of the file. Byte fields in hex, times in toISOString form. */
export type ArchivedReading = {
  leafIndex: number;
  dataset: string;
  device: string;
  seq: number;
  observedAt: string;
  location: [number, number];
  values: Record<string, unknown>;
  payloadHash: string;
  signature: string | null;
  gatewayBatchId: number | null;
  gateway: { device: string; batchRoot: string; signature: string } | null;
  /** A sealed reading's salt (hex): the opening of its commitment leaf (absent for a public reading). */
  salt?: string;
};

export type ArchiveManifest = { format: "city-brain.reading-archive.v1"; day: string; file: string; readings: number; firstLeaf: number | null; lastLeaf: number | null; sha256: string };

const DAY_MS = 86_400_000;
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** The day partitions of reading older than `retentionDays` before `now`, oldest first (YYYY-MM-DD). */
export async function partitionsPastRetention(sql: Pick<Sql, "query">, retentionDays: number, now = new Date()): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'reading'::regclass AND c.relname ~ '^reading_p[0-9]{8}$' ORDER BY c.relname`,
  );
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString().slice(0, 10);
  return rows.map((r) => `${r.name.slice(9, 13)}-${r.name.slice(13, 15)}-${r.name.slice(15, 17)}`).filter((day) => day < cutoff);
}

/** Exports one day's partition to `dir` (file and manifest), records it, and detaches and drops the partition. */
export async function archiveDay(sql: Sql, day: string, dir: string): Promise<ArchiveManifest> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`archive: bad day ${JSON.stringify(day)}`);
  const table = `reading_p${day.replaceAll("-", "")}`;
  fs.mkdirSync(dir, { recursive: true });
  const rows = await sql.query<{
    leaf_index: number; dataset_id: string; device_id: string; seq: number; observed_at: Date; lon: number; lat: number; payload: string;
    payload_hash: Uint8Array | null; signature: Uint8Array | null; gateway_batch_id: number | null; gateway_device_id: string | null; batch_root: Uint8Array | null; gateway_signature: Uint8Array | null;
    salt: Uint8Array | null;
  }>(
    `SELECT r.leaf_index, r.dataset_id, r.device_id, r.seq, r.observed_at, r.lon, r.lat, r.payload::text AS payload, r.payload_hash, r.signature, r.gateway_batch_id,
            g.gateway_device_id, g.batch_root, g.signature AS gateway_signature, coalesce(r.seal_salt, c.salt) AS salt
       FROM ${table} r LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
       LEFT JOIN ledger_commitment c ON c.leaf_index = r.leaf_index AND r.sealed_leaf_hash IS NOT NULL AND r.seal_salt IS NULL
      ORDER BY r.leaf_index`,
  );
  // Each row's payload hash, stored or (since migration 20261207050000) derived from the row, once:
  // the file holds it, so that an archived reading verifies without the database.
  const payloadHashes = rows.map((r) => payloadHashOfRow(r));
  // The commitment entry a sealed reading's row makes under its salt (hex; null when the row cannot make a reading.v1 entry).
  const sealedEntryHex = (r: (typeof rows)[number], payloadHash: Uint8Array, salt: Uint8Array): string | null => {
    try {
      const inner = readingEntryBytes({
        dataset: r.dataset_id, device: r.device_id, seq: Number(r.seq), observedAt: new Date(r.observed_at).toISOString(), payloadHash,
        signature: new Uint8Array(r.signature ?? []), gateway: r.gateway_device_id ? { device: r.gateway_device_id, batchRoot: new Uint8Array(r.batch_root!), signature: new Uint8Array(r.gateway_signature!) } : null,
      });
      return toHex(encodeEntry(commitmentEntry(nodeSha256, new Uint8Array(salt), inner)));
    } catch {
      return null;
    }
  };
  const lines = rows.map((r, i) =>
    JSON.stringify({
      leafIndex: Number(r.leaf_index), dataset: r.dataset_id, device: r.device_id, seq: Number(r.seq), observedAt: new Date(r.observed_at).toISOString(),
      location: [r.lon, r.lat], values: JSON.parse(r.payload) as Record<string, unknown>, payloadHash: toHex(payloadHashes[i]), signature: r.signature ? toHex(r.signature) : null,
      gatewayBatchId: r.gateway_batch_id === null ? null : Number(r.gateway_batch_id),
      gateway: r.gateway_device_id ? { device: r.gateway_device_id, batchRoot: toHex(r.batch_root!), signature: toHex(r.gateway_signature!) } : null,
      ...(r.salt !== null ? { salt: toHex(r.salt) } : {}),
    } satisfies ArchivedReading),
  );
  const gz = zlib.gzipSync(Buffer.from(lines.join("\n") + (lines.length ? "\n" : ""), "utf8"), { level: 9 });
  const file = `reading-${day}.ndjson.gz`;
  const manifest: ArchiveManifest = {
    format: "city-brain.reading-archive.v1", day, file, readings: rows.length,
    firstLeaf: rows.length ? Number(rows[0].leaf_index) : null, lastLeaf: rows.length ? Number(rows[rows.length - 1].leaf_index) : null,
    sha256: crypto.createHash("sha256").update(gz).digest("hex"),
  };
  // The file first, then the manifest, each written whole before it is named; then the partition goes.
  const write = (name: string, data: Buffer | string) => {
    fs.writeFileSync(path.join(dir, `${name}.tmp`), data);
    fs.renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name));
  };
  write(file, gz);
  write(`reading-${day}.manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
  await sql.transaction(async (tx) => {
    await tx.query(`INSERT INTO reading_archive (day, file, readings, first_leaf, last_leaf, sha256) VALUES ($1::date, $2, $3, $4, $5, $6)`, [
      day, path.join(dir, file), manifest.readings, manifest.firstLeaf, manifest.lastLeaf, manifest.sha256,
    ]);
    // A sealed reading's folded leaf goes back with its commitment entry, rebuilt from its salt
    // and row (the log serves it as before; the entry NULL if the salt is gone: the audit names it).
    const sealed = rows.flatMap((r, i) => (r.salt !== null ? [{ r, payloadHash: payloadHashes[i] }] : []));
    await tx.query(
      `INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id, created_at)
         SELECT r.leaf_index, 'commitment.v1', decode(u.e, 'hex'), r.sealed_leaf_hash, NULL, NULL, r.received_at
           FROM ${table} r LEFT JOIN unnest($1::int8[], $2::text[]) AS u(i, e) ON u.i = r.leaf_index WHERE r.sealed_leaf_hash IS NOT NULL`,
      [sealed.map(({ r }) => Number(r.leaf_index)), sealed.map(({ r, payloadHash }) => sealedEntryHex(r, payloadHash, r.salt!))],
    );
    // Its salt goes back into ledger_commitment, the opening the log's readers and the audit find
    // for a commitment leaf with no reading row (the inner entry NULL: it is the archived row's).
    await tx.exec(
      `INSERT INTO ledger_commitment (leaf_index, salt, entry) SELECT leaf_index, seal_salt, NULL FROM ${table} WHERE seal_salt IS NOT NULL;
       INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id, created_at)
         SELECT leaf_index, 'reading.v1', NULL, leaf_hash, NULL, NULL, received_at FROM ${table} WHERE leaf_hash IS NOT NULL;
       ALTER TABLE reading DETACH PARTITION ${table}; DROP TABLE ${table}`,
    );
  });
  return manifest;
}

/** Archives every day partition past the retention; returns their manifests. */
export async function archiveReadings(sql: Sql, opts: { retentionDays: number; dir: string; now?: Date }): Promise<ArchiveManifest[]> {
  const out: ArchiveManifest[] = [];
  for (const day of await partitionsPastRetention(sql, opts.retentionDays, opts.now)) out.push(await archiveDay(sql, day, opts.dir));
  return out;
}

export type ArchiveProblem = { leafIndex: number | null; what: string };

/**
 * Checks an archive file against the log: its SHA-256 against its manifest (beside it) and
 * the console's record, and every reading in it: the reading.v1 entry it makes must hash to
 * the leaf hash the log holds at its leaf index (a sealed reading's: the commitment.v1 entry it
 * makes under its opening's salt, which ledger_commitment keeps, or the file's when the console
 * keeps none; the two must agree). Returns the readings checked and what differs.
 */
export async function checkArchive(sql: Pick<Sql, "query">, file: string): Promise<{ readings: number; problems: ArchiveProblem[] }> {
  const problems: ArchiveProblem[] = [];
  const gz = fs.readFileSync(file);
  const sha = crypto.createHash("sha256").update(gz).digest("hex");
  const manifestFile = file.replace(/\.ndjson\.gz$/, ".manifest.json");
  let manifest: ArchiveManifest | null = null;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as ArchiveManifest;
  } catch (e) {
    problems.push({ leafIndex: null, what: `no readable manifest ${manifestFile}: ${(e as Error).message}` });
  }
  if (manifest && manifest.sha256 !== sha) problems.push({ leafIndex: null, what: `the file's SHA-256 ${sha} is not the manifest's ${manifest.sha256}` });
  if (manifest) {
    const [rec] = await sql.query<{ sha256: string; readings: number }>(`SELECT sha256, readings FROM reading_archive WHERE day = $1::date`, [manifest.day]);
    if (!rec) problems.push({ leafIndex: null, what: `the console has no record of archiving ${manifest.day}` });
    else if (rec.sha256 !== sha) problems.push({ leafIndex: null, what: `the file's SHA-256 ${sha} is not the one the console recorded for ${manifest.day} (${rec.sha256})` });
  }
  const text = zlib.gunzipSync(gz).toString("utf8");
  const readings = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as ArchivedReading);
  if (manifest && manifest.readings !== readings.length) problems.push({ leafIndex: null, what: `the manifest counts ${manifest.readings} readings, the file holds ${readings.length}` });
  const CHUNK = 10_000;
  for (let i = 0; i < readings.length; i += CHUNK) {
    const part = readings.slice(i, i + CHUNK);
    const stored = new Map(
      (
        await sql.query<{ leaf_index: number; leaf_hash: Uint8Array; kind: string; salt: Uint8Array | null }>(
          `SELECT l.leaf_index, l.leaf_hash, l.kind, c.salt FROM ledger_leaf_all l LEFT JOIN ledger_commitment c ON c.leaf_index = l.leaf_index AND l.kind = 'commitment.v1' WHERE l.leaf_index = ANY($1::int8[])`,
          [part.map((r) => r.leafIndex)],
        )
      ).map((r) => [
        Number(r.leaf_index),
        r,
      ]),
    );
    for (const r of part) {
      const leaf = stored.get(r.leafIndex);
      if (!leaf) {
        problems.push({ leafIndex: r.leafIndex, what: "the log has no leaf at this index" });
        continue;
      }
      if (leaf.kind !== "reading.v1" && leaf.kind !== "commitment.v1") {
        problems.push({ leafIndex: r.leafIndex, what: `the log's leaf at this index is a ${leaf.kind} entry, not a reading's` });
        continue;
      }
      const entry = readingEntryBytes({
        dataset: r.dataset, device: r.device, seq: r.seq, observedAt: r.observedAt, payloadHash: fromHex(r.payloadHash), signature: fromHex(r.signature ?? ""),
        gateway: r.gateway ? { device: r.gateway.device, batchRoot: fromHex(r.gateway.batchRoot), signature: fromHex(r.gateway.signature) } : null,
      });
      // A sealed reading: the commitment its opening's salt and the archived reading make.
      const fileSalt = r.salt === undefined ? null : fromHex(r.salt);
      const salt = leaf.salt ? new Uint8Array(leaf.salt) : fileSalt;
      if (leaf.kind === "commitment.v1" && !salt) {
        problems.push({ leafIndex: r.leafIndex, what: "the opening (salt) of the archived sealed reading's commitment is missing" });
        continue;
      }
      if (leaf.kind === "commitment.v1" && fileSalt && !Buffer.from(fileSalt).equals(Buffer.from(salt!))) {
        problems.push({ leafIndex: r.leafIndex, what: "the archived reading's salt is not the one its opening in the console holds" });
      }
      const leafEntry = leaf.kind === "commitment.v1" ? encodeEntry(commitmentEntry(nodeSha256, salt!, entry)) : entry;
      if (!Buffer.from(leafHash(nodeSha256, leafEntry)).equals(Buffer.from(leaf.leaf_hash))) problems.push({ leafIndex: r.leafIndex, what: "the archived reading's entry does not hash to the log's leaf hash" });
    }
  }
  return { readings: readings.length, problems };
}
