// npm run ledger:audit [-- --since CHECKPOINT_FILE] – recompute every leaf from the stored
// rows and every root against the cosigned checkpoints, and compare the tables the other
// entries stand for. Prints OK with counts, or each discrepancy as table, row id, leaf index
// and what differs; exits 1 on any discrepancy, 2 if it cannot run or its input is bad.
// --since: a checkpoint note the auditor kept; the stored log must be a consistent extension.
// --archive FILE (repeatable): a day of readings archived past READING_RETENTION_DAYS
// (DATA_DIR/archive/reading-DAY.ndjson.gz); each of its readings must hash to the log's leaf.
// With the embedded database, stop the console first (PGlite is single-process).
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../lib/config";
import { openDb } from "../lib/db/client";
import { loadLogKeys } from "../lib/ledger-store/keys";
import { auditLedger } from "../lib/ledger-store/audit";
import { openKeptCheckpoint, type KeptCheckpoint } from "../lib/ledger-store/audit-checks";
import { DEPARTMENTS } from "../lib/city";
import { checkArchive } from "../lib/ingest/archive-readings";

class UsageError extends Error {}

function parseArgs(argv: string[]): { since: string | null; archives: string[] } {
  let since: string | null = null;
  const archives: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--archive") {
      const v = argv[++i];
      if (!v || v.startsWith("--")) throw new UsageError("--archive needs a file: an archived day of readings (reading-DAY.ndjson.gz)");
      if (!fs.existsSync(v)) throw new UsageError(`--archive ${v}: no such file`);
      archives.push(v);
    } else if (a === "--since") {
      const v = argv[++i];
      if (!v || v.startsWith("--")) throw new UsageError("--since needs a file: the checkpoint note you kept");
      since = v;
    } else if (a.startsWith("--since=")) since = a.slice("--since=".length);
    else throw new UsageError(`unknown argument ${JSON.stringify(a)} (usage: ledger:audit [--since CHECKPOINT_FILE] [--archive FILE ...])`);
  }
  return { since, archives };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let sinceNote: string | null = null;
  if (args.since !== null) {
    try {
      sinceNote = fs.readFileSync(args.since, "utf8");
    } catch (e) {
      throw new UsageError(`cannot read the kept checkpoint ${args.since}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const config = loadConfig();
  const db = await openDb(config);
  try {
    const keys = await loadLogKeys(config.dataDir, config.LEDGER_ORIGIN, DEPARTMENTS.map((d) => d.id));
    const witnessKeys = (await db.sql.query<{ witness_public_key: string | null }>(`SELECT witness_public_key FROM department`))
      .map((r) => r.witness_public_key)
      .filter((k): k is string => !!k);
    let since: KeptCheckpoint | undefined;
    if (sinceNote !== null) {
      try {
        since = await openKeptCheckpoint(sinceNote, keys.log.verifierKey);
      } catch (e) {
        throw new UsageError(`${args.since}: ${(e as Error).message}`);
      }
    }
    let last = 0;
    const report = await auditLedger(db.sql, {
      logVerifierKey: keys.log.verifierKey,
      witnessVerifierKeys: witnessKeys,
      quorum: config.WITNESS_QUORUM ?? Math.floor(witnessKeys.length / 2) + 1,
      since,
      witnessStateDir: path.join(config.dataDir, "witnesses"),
      onProgress: (done, total) => {
        if (process.stderr.isTTY && Date.now() - last > 250) {
          last = Date.now();
          process.stderr.write(`\raudit: ${done.toLocaleString()} / ${total.toLocaleString()} leaves`);
        }
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    // Archived days of readings, against the leaf hashes the log kept for them.
    let archiveProblems = 0;
    for (const file of args.archives) {
      const a = await checkArchive(db.sql, file);
      archiveProblems += a.problems.length;
      if (!a.problems.length) console.log(`archive ${file}: OK, ${a.readings} readings, each hashes to its leaf in the log`);
      else for (const p of a.problems) console.log(`archive ${file}\tleaf ${p.leafIndex ?? "-"}\t${p.what}`);
    }
    if (archiveProblems && report.ok) {
      console.log(`FAILED: ${archiveProblems} discrepancies in the archive files (the database audit passed)`);
      return 1;
    }
    const rate = Math.round(report.leaves / Math.max(report.seconds, 1e-9));
    if (report.ok) {
      console.log(
        `OK ${report.leaves} leaves (${report.readings} readings), ${report.checkpoints} checkpoints, ` +
          `${report.cosignatures} cosignatures, ${report.belowQuorum} checkpoints awaiting quorum; ` +
          `${report.seconds.toFixed(2)} s, ${rate} leaves/s (${report.threads} worker threads)` +
          (since ? `; a consistent extension of the kept checkpoint of size ${since.size}` : "") +
          Object.entries(report.withoutTable)
            .map(([k, n]) => `; ${n} ${k} entries with no table to compare (checked as leaves)`)
            .join(""),
      );
      if (report.unwitnessed.length) {
        console.log(
          `note: ${report.unwitnessed.length} older checkpoints have no cosignature (${report.unwitnessed.slice(0, 10).join(", ")}${report.unwitnessed.length > 10 ? ", …" : ""}): ` +
            `the console stopped before storing them, or they were deleted; the checkpoints after them are cosigned`,
        );
      }
      return 0;
    }
    console.log(`FAILED: ${report.discrepancyCount} discrepancies in ${report.leaves} leaves`);
    console.log("table\trow id\tleaf index\tfield\tledger\tstored\twhat differs");
    for (const d of report.discrepancies) console.log(`${d.table}\t${d.id}\t${d.leafIndex ?? "-"}\t${d.field ?? "-"}\t${d.ledger ?? "-"}\t${d.stored ?? "-"}\t${d.what}`);
    if (report.discrepancyCount > report.discrepancies.length) console.log(`… and ${report.discrepancyCount - report.discrepancies.length} more`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e instanceof UsageError ? `ledger:audit: ${e.message}` : `ledger:audit: cannot run: ${e.message}`);
    process.exit(2);
  },
);
