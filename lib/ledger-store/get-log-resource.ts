import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";
import { serveLogResource } from "./serve-log";

/** A tlog-tiles resource of the city's log, for any viewer (the ledger is public). */
export async function getLogResource(opts: { viewer: Viewer; path: string }) {
  checkLedgerRead(opts.viewer);
  const db = await getDb();
  return serveLogResource(db.sql, opts.path);
}
