import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";
import { notFound } from "../errors";
import { getLogInfo } from "./log-info";

/** Checkpoints newest first, each with its cosignature count and finality (quorum reached). */
export async function listCheckpoints(opts: { viewer: Viewer; limit: number; before?: number; at?: string }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const { quorum } = getLogInfo();
  const rows = await sql.query<{ size: number; root: string; created_at: Date; n: number }>(
    `SELECT c.size, encode(c.root_hash, 'hex') AS root, c.created_at, count(s.witness)::int AS n
       FROM checkpoint c LEFT JOIN cosignature s ON s.checkpoint_size = c.size
      WHERE ($1::int8 IS NULL OR c.size < $1) AND ($3::timestamptz IS NULL OR c.created_at <= $3)
      GROUP BY c.size ORDER BY c.size DESC LIMIT $2`,
    [opts.before ?? null, opts.limit, opts.at ?? null],
  );
  return {
    checkpoints: rows.map((r) => ({ size: Number(r.size), root: r.root, createdAt: new Date(r.created_at).toISOString(), cosignatures: r.n, final: r.n >= quorum })),
  };
}

/**
 * One checkpoint for its page: the log-signed note with every stored cosignature line
 * appended (what a verifier opens), each cosignature with its witness, the neighbouring
 * sizes for paging, and the newest checkpoint to check consistency against.
 */
export async function getCheckpoint(opts: { viewer: Viewer; size: number }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const [cp] = await sql.query<{ size: number; root: string; created_at: Date; note: string }>(
    `SELECT size, encode(root_hash, 'hex') AS root, created_at, note FROM checkpoint WHERE size = $1`,
    [opts.size],
  );
  if (!cp) throw notFound("checkpoint of size", opts.size);
  const cos = await sql.query<{ witness: string; line: string }>(`SELECT witness, line FROM cosignature WHERE checkpoint_size = $1 ORDER BY witness`, [opts.size]);
  const [n] = await sql.query<{ previous: number | null; next: number | null; latest: number; latest_root: string }>(
    `SELECT (SELECT max(size) FROM checkpoint WHERE size < $1) AS previous,
            (SELECT min(size) FROM checkpoint WHERE size > $1) AS next,
            l.size AS latest, encode(l.root_hash, 'hex') AS latest_root
       FROM (SELECT size, root_hash FROM checkpoint ORDER BY size DESC LIMIT 1) l`,
    [opts.size],
  );
  return {
    size: Number(cp.size),
    root: cp.root,
    createdAt: new Date(cp.created_at).toISOString(),
    note: cp.note + cos.map((c) => `${c.line}\n`).join(""),
    cosignatures: cos,
    latest: { size: Number(n.latest), root: n.latest_root },
    previous: n.previous === null ? null : Number(n.previous),
    next: n.next === null ? null : Number(n.next),
  };
}
