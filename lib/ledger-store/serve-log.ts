import { readLeafEntries } from "./leaf-entries";
import type { Sql } from "../db/sql";
import { parseTilePath, TILE_WIDTH } from "../ledger/tile-path";
import { encodeEntryBundle } from "../ledger/entry-bundle";
import { HASH_SIZE } from "../ledger/merkle";
import { isLedgerError } from "../ledger/errors";
import { AppError, notFound } from "../errors";
import { integratedSize } from "./proofs";

export type LogResource = { body: Uint8Array | string; contentType: string; immutable: boolean };

/** The latest checkpoint as a signed note carrying the log's signature and every cosignature. */
export async function latestCheckpointNote(sql: Sql): Promise<{ size: number; note: string; cosignatures: number } | null> {
  const rows = await sql.query<{ size: number; note: string }>(`SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT 1`);
  if (!rows.length) return null;
  const size = Number(rows[0].size);
  const cos = await sql.query<{ line: string }>(`SELECT line FROM cosignature WHERE checkpoint_size = $1 ORDER BY witness`, [size]);
  return { size, note: rows[0].note + cos.map((c) => `${c.line}\n`).join(""), cosignatures: cos.length };
}

/**
 * Serves a C2SP tlog-tiles resource: `checkpoint`, `tile/<L>/<N>[.p/<W>]` or
 * `tile/entries/<N>[.p/<W>]`. Full tiles never change, so they are immutable.
 */
export async function serveLogResource(sql: Sql, path: string): Promise<LogResource> {
  if (path === "checkpoint") {
    const cp = await latestCheckpointNote(sql);
    if (!cp) throw new AppError("not_found", "the log has no checkpoint yet");
    return { body: cp.note, contentType: "text/plain; charset=utf-8", immutable: false };
  }
  let info;
  try {
    info = parseTilePath(path);
  } catch (e) {
    if (isLedgerError(e)) throw new AppError("not_found", `no such log resource: ${e.message}`);
    throw e;
  }
  const size = await integratedSize(sql);
  if (info.kind === "hash") {
    const have = Math.min(TILE_WIDTH, Math.floor(size / 2 ** (8 * info.level)) - info.index * TILE_WIDTH);
    if (have < info.width) throw notFound("tile", path);
    const rows = await sql.query<{ hashes: Uint8Array }>(`SELECT hashes FROM ledger_tile WHERE level = $1 AND index = $2`, [info.level, info.index]);
    if (!rows.length || rows[0].hashes.length < info.width * HASH_SIZE) throw notFound("tile", path);
    return { body: new Uint8Array(rows[0].hashes).subarray(0, info.width * HASH_SIZE), contentType: "application/octet-stream", immutable: info.width === TILE_WIDTH };
  }
  const first = info.index * TILE_WIDTH;
  if (first + info.width > size) throw notFound("entry bundle", path);
  const rows = await readLeafEntries(sql, first, first + info.width);
  if (rows.length !== info.width) throw notFound("entry bundle", path);
  // A reading archived with its day (READING_RETENTION_DAYS) left its leaf hash in the tree; its
  // entry is in the day's archive file (npm run ledger:audit -- --archive FILE checks it).
  const gone = rows.find((r) => r.entry === null);
  if (gone) throw new AppError("not_found", `entry bundle ${path}: the reading of leaf ${gone.index} was archived`);
  return {
    body: encodeEntryBundle(rows.map((r) => r.entry!)),
    contentType: "application/octet-stream",
    immutable: info.width === TILE_WIDTH,
  };
}
