// Credit for citizen reports: what a status change earns the reporter's pseudonymous key.
// Pure (no database), unit-tested on its own; lib/citizen/change-report-status.ts appends
// what it returns as credit.v1 entries in the change's own transaction.
import { encodeEntry, type CreditEntry } from "../ledger/entries";
import type { NewEntry } from "../ledger-store/append-entries";
import { UNSIGNED_REPORTER } from "./report-content";

/** Points for a report the owning department confirmed. */
export const CONFIRMED_POINTS = 10;
/** Points for a duplicate of a confirmed report: it corroborates, but told the city nothing new. */
export const DUPLICATE_POINTS = 3;

export type CreditReason = NonNullable<CreditEntry["reason"]>;
export type CreditAward = { amount: number; reason: CreditReason };

/**
 * What one status change earns, given what the report has earned so far (`earned`, the sum
 * of its credit rows): a confirmation earns CONFIRMED_POINTS once; a merge into a confirmed
 * report (or the kept report's confirmation, for a duplicate merged before) earns
 * DUPLICATE_POINTS once; a rejection takes back whatever the report earned (a negative
 * amount, so the ledger keeps both); anything else earns nothing. Reports filed without a
 * key (Open311 clients that do not sign) earn nothing: no one could claim the points; nor do
 * reports whose photo another key sent first (`photoTaken`, lib/citizen/photo-reuse.ts): the
 * evidence is someone else's; nor reports of a key a department marked abusive while the mark
 * stands (`keyFlagged`, lib/citizen/key-flags.ts). A rejection still takes back what was earned.
 */
export function creditFor(change: { action: string; reporter: string; earned: number; keptStatus?: string | null; photoTaken?: boolean; keyFlagged?: boolean }): CreditAward | null {
  if (change.reporter === UNSIGNED_REPORTER) return null;
  if ((change.photoTaken || change.keyFlagged) && change.action !== "reject") return null;
  switch (change.action) {
    case "confirm":
      return change.earned > 0 ? null : { amount: CONFIRMED_POINTS, reason: "confirmed" };
    case "merge":
      return change.keptStatus === "confirmed" && change.earned <= 0 ? { amount: DUPLICATE_POINTS, reason: "duplicate" } : null;
    case "reject":
      return change.earned > 0 ? { amount: -change.earned, reason: "revoked" } : null;
    default:
      return null;
  }
}

/** The credit.v1 entry of an award (row id `id` in citizen_credit). */
export function creditEntry(e: { id: string; reporter: string; report: string; award: CreditAward; at: Date }): NewEntry {
  const entry: CreditEntry = { kind: "credit.v1", reporter: e.reporter, report: e.report, amount: e.award.amount, at: e.at.toISOString(), reason: e.award.reason };
  return { kind: "credit.v1", bytes: encodeEntry(entry), refTable: "citizen_credit", refId: e.id };
}
