import { describe, expect, it } from "vitest";
import { isBloated, maintenancePlan, type TableActivity } from "./maintenance";

const t = (table: string, o: Partial<TableActivity>): TableActivity => ({ table, live: 0, dead: 0, modified: 0, reltuples: 0, bytes: 8192, rowWidth: null, ...o });

describe("maintenancePlan (autovacuum's thresholds for the embedded database)", () => {
  it("vacuums a table once its dead rows pass 50 + 20 % of its rows, not before", () => {
    const rows = 10_000;
    expect(maintenancePlan([t("map_latest", { live: rows, reltuples: rows, dead: 2_050 })], { firstRound: false })).toEqual([]);
    expect(maintenancePlan([t("map_latest", { live: rows, reltuples: rows, dead: 2_051 })], { firstRound: false })).toEqual([{ table: "map_latest", action: "vacuum" }]);
  });

  it("analyses a table once its changed rows pass 50 + 10 %, or when it has rows and was never analysed", () => {
    expect(maintenancePlan([t("reading_p20261206", { live: 1_000, reltuples: 1_000, modified: 150 })], { firstRound: false })).toEqual([]);
    expect(maintenancePlan([t("reading_p20261206", { live: 1_000, reltuples: 1_000, modified: 151 })], { firstRound: false })).toEqual([{ table: "reading_p20261206", action: "analyze" }]);
    expect(maintenancePlan([t("checkpoint", { live: 3, reltuples: -1, modified: 3 })], { firstRound: false })).toEqual([{ table: "checkpoint", action: "analyze" }]);
    // Never analysed and empty: nothing to learn yet.
    expect(maintenancePlan([t("citizen_report", { reltuples: -1, bytes: 0 })], { firstRound: false })).toEqual([]);
    // Never analysed, with rows the counters no longer show (a kill -9 resets them): analysed.
    expect(maintenancePlan([t("dataset", { reltuples: -1 })], { firstRound: false })).toEqual([{ table: "dataset", action: "analyze" }]);
  });

  it("vacuums (and so analyses) rather than both when both are due", () => {
    expect(maintenancePlan([t("device", { live: 100, reltuples: 100, dead: 500, modified: 500 })], { firstRound: false })).toEqual([{ table: "device", action: "vacuum" }]);
  });

  it("on a start's first round vacuums the tables updated in place, whose statistics a kill -9 loses", () => {
    const tables = [
      t("map_latest", { live: 19_000, reltuples: 19_000 }),
      // After a kill -9: no counters, the file is there.
      t("device", { reltuples: 19_177 }),
      t("reading_p20261206", { live: 5e6, reltuples: 5e6 }),
      t("ledger_state", { reltuples: 0, bytes: 0 }),
    ];
    expect(maintenancePlan(tables, { firstRound: true })).toEqual([{ table: "map_latest", action: "vacuum" }, { table: "device", action: "vacuum" }]);
    expect(maintenancePlan(tables, { firstRound: false })).toEqual([]);
  });

  it("rewrites a table updated in place whose heap is far larger than its rows need, once it knows their width", () => {
    // The size-10 folder's map_latest before the upkeep: 220 MB for 19,344 rows of about 130 B.
    const bloated = t("map_latest", { live: 19_344, reltuples: 19_344, bytes: 220 << 20, rowWidth: 130 });
    expect(maintenancePlan([bloated], { firstRound: false })).toEqual([{ table: "map_latest", action: "compact" }]);
    expect(maintenancePlan([bloated], { firstRound: true })).toEqual([{ table: "map_latest", action: "compact" }]);
    // Its width not known yet (never analysed): vacuumed and analysed first, rewritten the round after.
    expect(maintenancePlan([{ ...bloated, reltuples: -1, rowWidth: null }], { firstRound: true })).toEqual([{ table: "map_latest", action: "vacuum" }]);
    // The same rows at half-full pages (6 MB), and up to four times that: left as they are.
    expect(maintenancePlan([{ ...bloated, bytes: 4 * 19_344 * (130 + 28) * 2 }], { firstRound: false })).toEqual([]);
    expect(isBloated({ ...bloated, bytes: 4 * 19_344 * (130 + 28) * 2 + 8192 })).toBe(true);
    // Small tables are not worth the lock, whatever their ratio.
    expect(maintenancePlan([t("ledger_state", { live: 1, reltuples: 1, bytes: 8 << 20, rowWidth: 100 })], { firstRound: false })).toEqual([]);
    // Nor tables that grow by appending, nor a heap too large to copy on the thread that serves requests.
    expect(maintenancePlan([t("reading_p20261206", { live: 1_000, reltuples: 1_000, bytes: 220 << 20, rowWidth: 300 })], { firstRound: false })).toEqual([]);
    expect(maintenancePlan([{ ...bloated, bytes: 3 * 2 ** 30 }], { firstRound: false })).toEqual([]);
  });
});
