// The names of every entry kind the ledger knows, with nothing else (no schemas, no zod), so
// that the browser can list them: the auditor's ledger search offers exactly these.
// entries.ts's ENTRY_SCHEMAS must have exactly these keys (its `satisfies` checks both ways).

/** Every entry kind, in the order the ledger search lists them. */
export const ENTRY_KINDS = ["reading.v1", "commitment.v1", "device.v1", "grant.v2", "grant.v1", "access.v1", "account.v1", "rule.v1", "report.v1", "credit.v1", "reporter.v1"] as const;

export type EntryKindName = (typeof ENTRY_KINDS)[number];
