import { describe, expect, it } from "vitest";
import { decodeEntry } from "../ledger/entries";
import { CONFIRMED_POINTS, DUPLICATE_POINTS, creditEntry, creditFor } from "./credit-rule";

const rk = "rk-0123456789abcdef0123456789abcdef";

describe("credit rule", () => {
  const cases: [string, Parameters<typeof creditFor>[0], ReturnType<typeof creditFor>][] = [
    ["a confirmed report earns full points", { action: "confirm", reporter: rk, earned: 0 }, { amount: CONFIRMED_POINTS, reason: "confirmed" }],
    ["a second confirmation earns nothing more", { action: "confirm", reporter: rk, earned: CONFIRMED_POINTS }, null],
    ["a duplicate merged into a confirmed report earns less", { action: "merge", reporter: rk, earned: 0, keptStatus: "confirmed" }, { amount: DUPLICATE_POINTS, reason: "duplicate" }],
    ["a duplicate merged into an unconfirmed report earns nothing (yet)", { action: "merge", reporter: rk, earned: 0, keptStatus: "submitted" }, null],
    ["a rejected report earns nothing", { action: "reject", reporter: rk, earned: 0 }, null],
    ["rejecting a confirmed report takes its points back", { action: "reject", reporter: rk, earned: CONFIRMED_POINTS }, { amount: -CONFIRMED_POINTS, reason: "revoked" }],
    ["assigning earns nothing", { action: "assign", reporter: rk, earned: 0 }, null],
    ["resolving earns nothing more", { action: "resolve", reporter: rk, earned: CONFIRMED_POINTS }, null],
    ["an unsigned report earns nothing", { action: "confirm", reporter: "unsigned", earned: 0 }, null],
    ["a report whose photo another key sent first earns nothing when confirmed", { action: "confirm", reporter: rk, earned: 0, photoTaken: true }, null],
    ["nor as a duplicate of a confirmed report", { action: "merge", reporter: rk, earned: 0, keptStatus: "confirmed", photoTaken: true }, null],
    ["rejecting it still takes back what it earned before", { action: "reject", reporter: rk, earned: CONFIRMED_POINTS, photoTaken: true }, { amount: -CONFIRMED_POINTS, reason: "revoked" }],
    ["a key marked abusive earns nothing while the mark stands", { action: "confirm", reporter: rk, earned: 0, keyFlagged: true }, null],
    ["nor for duplicates", { action: "merge", reporter: rk, earned: 0, keptStatus: "confirmed", keyFlagged: true }, null],
  ];
  it.each(cases)("%s", (_name, change, want) => {
    expect(creditFor(change)).toEqual(want);
  });
  it("a duplicate earns less than a confirmed report", () => {
    expect(DUPLICATE_POINTS).toBeLessThan(CONFIRMED_POINTS);
    expect(DUPLICATE_POINTS).toBeGreaterThan(0);
  });
  it("writes a canonical credit.v1 entry naming the key, the report, the amount and why", () => {
    const e = creditEntry({ id: "c-1", reporter: rk, report: "rep-1", award: { amount: -10, reason: "revoked" }, at: new Date("2026-12-05T08:00:00Z") });
    expect([e.kind, e.refTable, e.refId]).toEqual(["credit.v1", "citizen_credit", "c-1"]);
    expect(decodeEntry(e.bytes)).toEqual({ kind: "credit.v1", reporter: rk, report: "rep-1", amount: -10, at: "2026-12-05T08:00:00.000Z", reason: "revoked" });
  });
});
