import { getDb } from "../db/client";
import { AppError } from "../errors";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { fromBase64 } from "../ledger/encoding";
import { myReportsStatement, reporterIdOf } from "./report-content";
import { publicReports, type PublicReport } from "./report-rows";
import { keyFlagsOf, type KeyFlag } from "./key-flags";

const MAX_AGE_MS = 5 * 60_000;

/** One credit.v1 entry of a key: its ledger leaf is the proof (/audit/entries/{leafIndex} verifies its inclusion). */
export type CreditLine = { report: string; amount: number; reason: string; at: string; leafIndex: number };
export type CreditBalance = { balance: number; entries: CreditLine[] };

/** Verifies a reporter's signature over `statement`; 400 naming the field when it does not hold. */
export async function requireReporterSignature(reporterKey: string, signature: string, statement: Uint8Array): Promise<Uint8Array> {
  let key: Uint8Array, sig: Uint8Array;
  try {
    key = fromBase64(reporterKey);
    sig = fromBase64(signature);
  } catch {
    throw new AppError("validation", "reporter_key/signature: must be base64");
  }
  if (key.length !== 32) throw new AppError("validation", `reporter_key: must be a 32-byte Ed25519 public key, got ${key.length} bytes`);
  if (sig.length !== 64) throw new AppError("validation", `signature: must be a 64-byte Ed25519 signature, got ${sig.length} bytes`);
  let ok = false;
  try {
    ok = await (await webCryptoEd25519().importPublicKey(key))(statement, sig);
  } catch {
    throw new AppError("validation", "reporter_key: not a valid Ed25519 public key");
  }
  if (!ok) throw new AppError("forbidden", "signature: does not verify with reporter_key", "signature: does not verify with reporter_key");
  return key;
}

/**
 * "My reports": every report of a reporter key with its status history, the key's credit
 * balance with each credit.v1 entry (its ledger leaf), and a department's mark on the key. The request proves
 * it holds the key by signing myReportsStatement(key, at) with `at` within 5 minutes.
 */
export async function listMyReports(opts: { reporterKey: string; at: string; signature: string; now?: Date }): Promise<{ reporter: string; reports: PublicReport[]; credit: CreditBalance; flag: KeyFlag | null }> {
  const now = (opts.now ?? new Date()).getTime();
  const t = Date.parse(opts.at);
  if (!Number.isFinite(t) || Math.abs(now - t) > MAX_AGE_MS) throw new AppError("validation", "at: must be within 5 minutes of the server's clock");
  const key = await requireReporterSignature(opts.reporterKey, opts.signature, myReportsStatement(opts.reporterKey, opts.at));
  const reporter = reporterIdOf(key);
  const { sql } = await getDb();
  const credits = await sql.query<{ report_id: string; amount: number; reason: string; at: Date; leaf_index: string }>(
    `SELECT report_id, amount, reason, at, leaf_index::text FROM citizen_credit WHERE reporter = $1 ORDER BY leaf_index`,
    [reporter],
  );
  const entries = credits.map((c) => ({ report: c.report_id, amount: Number(c.amount), reason: c.reason, at: new Date(c.at).toISOString(), leafIndex: Number(c.leaf_index) }));
  return {
    reporter,
    reports: await publicReports(sql, "reporter = $1", [reporter], "ORDER BY created_at DESC LIMIT 500"),
    credit: { balance: entries.reduce((a, c) => a + c.amount, 0), entries },
    // A mark on the key, with its reason: the holder needs it to appeal (lib/citizen/key-flags.ts).
    flag: (await keyFlagsOf(sql, [reporter])).get(reporter) ?? null,
  };
}
