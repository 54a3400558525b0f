import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every read of dataset content that serves a request goes through the scoped read in
 * lib/access/scoped/, which applies the viewer's basis (fields, window, area, scope, k).
 * This test holds the line: outside lib/access/scoped/, no source file selects from the
 * reading table or the map's derived tables (SQL or Prisma), except the internal jobs
 * listed here with the reason each may.
 */
const TABLES = ["reading", "map_latest", "map_bucket_5m", "map_bucket_total"];
const PRISMA_MODELS = ["reading", "mapLatest", "mapBucket5m", "mapBucketTotal"];

const INTERNAL: Record<string, string> = {
  "lib/ingest/": "stores readings and checks sequence numbers (intake, not a read for a viewer)",
  "lib/map/rollup.ts": "folds readings into the derived tables (background job)",
  "lib/ledger-store/audit": "the ledger audit (lib/ledger-store/audit*.ts) recomputes every leaf and the state it implies from the stored rows (auditor job)",
  "lib/rules/run-rules.ts": "the linkage-rule job reads new incidents to make grants (background job)",
  "lib/server/sim-backfill.ts": "the simulator's backfill reads when each device's stored readings begin, to resume (background job; observed_at only)",
  "lib/ledger-store/search-entries.ts":
    "finds public ledger entries by dataset or device; it returns entries, which anyone may read from the tiles, never reading rows",
  "lib/ledger-store/leaf-entries.ts":
    "rebuilds readings' ledger entries (dataset, device, seq, time, hashes, signatures; never location or values) from their rows: the public log's entries, and a sealed one's opening for callers that check the viewer may open it. It reads a row's location and values only to derive its payload hash (SHA-256 of the signed envelope, which the entry holds; not stored since migration 20261207050000) and returns neither",
  "lib/server/get-health.ts": "the newest reading's leaf index, for the map's catch-up (no content)",
  "lib/db/": "the database layer itself (migrations, copy helpers)",
  "lib/testing/": "test fixtures",
  "lib/access/testing/": "test fixtures",
  "scripts/": "benchmarks and command-line tools, not request-serving",
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "node_modules" || e.name === "generated") continue;
      out.push(...sources(p));
    } else if (/\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

const sqlRead = new RegExp(`\\b(?:FROM|JOIN)\\s+(?:${TABLES.join("|")})\\b`, "i");
const prismaRead = new RegExp(`\\.(?:${PRISMA_MODELS.join("|")})\\.(?:find|count|aggregate|groupBy)`);

describe("reads of dataset content", () => {
  it("go through lib/access/scoped/ everywhere but the listed internal jobs", () => {
    const files = ["app", "lib", "components", "scripts"].flatMap((d) => (fs.existsSync(d) ? sources(d) : []));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .map((f) => f.split(path.sep).join("/"))
      .filter((f) => !f.startsWith("lib/access/scoped/") && !Object.keys(INTERNAL).some((p) => f.startsWith(p)))
      .filter((f) => {
        const text = fs.readFileSync(f, "utf8");
        return sqlRead.test(text) || prismaRead.test(text);
      });
    expect(offenders, `these files read dataset content outside the scoped read (lib/access/scoped/): ${offenders.join(", ")}`).toEqual([]);
  });

  it("of this process's copy of map_latest go through lib/access/scoped/ too", () => {
    // The copy (lib/access/scoped/latest-memory.ts) holds what map_latest holds; only the scoped read may read its rows.
    const files = ["app", "lib", "components", "scripts"].flatMap((d) => (fs.existsSync(d) ? sources(d) : [])).map((f) => f.split(path.sep).join("/"));
    const readers = files.filter((f) => !f.startsWith("lib/access/scoped/") && /\blatestRowsNow\b/.test(fs.readFileSync(f, "utf8")));
    expect(readers).toEqual([]);
    expect(fs.readFileSync("lib/access/scoped/map-latest.ts", "utf8")).toMatch(/\blatestRowsNow\b/);
  });

  it("recognises a read in SQL and in Prisma, and not a table of another name", () => {
    expect(sqlRead.test("SELECT * FROM reading r WHERE")).toBe(true);
    expect(sqlRead.test("FROM map_latest WHERE")).toBe(true);
    expect(sqlRead.test("JOIN reading ON")).toBe(true);
    expect(sqlRead.test("FROM reading_dead_letter")).toBe(false);
    expect(sqlRead.test("FROM map_sensor")).toBe(false);
    expect(prismaRead.test("db.prisma.reading.findMany(")).toBe(true);
  });
});
