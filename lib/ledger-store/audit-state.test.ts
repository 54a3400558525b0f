import { describe, expect, it } from "vitest";
import { ENTRY_SCHEMAS, parseEntry, type EntryKind, type LedgerEntry } from "../ledger/entries";
import { auditState, KINDS_WITHOUT_TABLE, STATE_CHECKS, type Discrepancy } from "./audit-state";

const AT = "2026-11-01T08:00:00.000Z";
const HASH = "ab".repeat(32);
const KEY = Buffer.alloc(32, 7).toString("base64");
const grant = { grant: "g1", action: "approve", from: "traffic", to: "energy", dataset: "traffic.flow", scope: "raw", purposeHash: HASH, fields: ["speedKmh"], validFrom: AT, validUntil: AT, by: "u1", at: AT };

// One valid entry of every kind but reading.v1 (whose rows audit.ts checks one by one). A
// kind the codec learns must get a sample here, and a check in audit-state.ts that names it.
const SAMPLES: Partial<Record<EntryKind, unknown>> = {
  "device.v1": { kind: "device.v1", action: "register", device: "trf-1", department: "traffic", dataset: "traffic.flow", publicKey: KEY, at: AT },
  "grant.v1": { kind: "grant.v1", ...grant },
  "grant.v2": { kind: "grant.v2", ...grant, grant: "g2" },
  "rule.v1": { kind: "rule.v1", rule: "rule_1", action: "create", definitionHash: HASH, by: "u1", at: AT },
  "access.v1": { kind: "access.v1", batch: "acc_1_2", events: HASH, count: 2, from: AT, to: AT },
  "report.v1": { kind: "report.v1", report: "r1", serviceCode: "pothole", locationCell: "c1", descriptionHash: HASH, reporter: "p1", at: AT },
  "credit.v1": { kind: "credit.v1", reporter: "p1", report: "r1", amount: 1, at: AT },
  "reporter.v1": { kind: "reporter.v1", reporter: "p1", action: "flag", department: "traffic", by: "u1", role: "official", reasonHash: HASH, at: AT },
  "commitment.v1": { kind: "commitment.v1", commitment: HASH },
  "account.v1": { kind: "account.v1", account: "u1", action: "create", department: "traffic", role: "official", disabled: false, by: "system", at: AT },
};

// Tables with no rows: every entry stands for rows that are missing.
const emptyDb = { query: async () => [] } as never;

describe("the audit's entry kinds", () => {
  const kinds = Object.keys(ENTRY_SCHEMAS) as EntryKind[];

  it("says what it checks for every kind the ledger codec knows", () => {
    for (const k of kinds) expect(STATE_CHECKS[k], k).toMatch(/\w/);
    expect(Object.keys(STATE_CHECKS).sort()).toEqual([...kinds].sort());
  });

  it("has a table check for every kind", () => {
    expect([...KINDS_WITHOUT_TABLE]).toEqual([]);
  });

  it.each(kinds.filter((k) => k !== "reading.v1"))("names the rows a %s entry stands for when they are missing", async (kind) => {
    const sample = SAMPLES[kind];
    expect(sample, `${kind} has no sample here: add one, and an audit check in audit-state.ts`).toBeDefined();
    const entry = parseEntry(sample) as LedgerEntry;
    const found: Discrepancy[] = [];
    const withoutTable = await auditState(emptyDb, [{ index: 5, entry }], (d) => found.push(d));
    if (KINDS_WITHOUT_TABLE.includes(kind)) {
      expect(withoutTable).toEqual({ [kind]: 1 });
      return;
    }
    expect(found.length, `${kind}: no audit check named anything`).toBeGreaterThan(0);
    for (const d of found) expect(d.leafIndex).toBe(5);
  });
});
