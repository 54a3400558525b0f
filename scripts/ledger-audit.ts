// npm run ledger:audit – recompute every leaf from the stored rows and every root against
// the cosigned checkpoints. Prints OK with counts, or each discrepancy as
// table, row id, leaf index and what differs; exits 1 on any discrepancy, 2 if it cannot run.
// With the embedded database, stop the console first (PGlite is single-process).
import { loadConfig } from "../lib/config";
import { openDb } from "../lib/db/client";
import { loadLogKeys } from "../lib/log/keys";
import { auditLedger } from "../lib/log/audit";
import { DEPARTMENTS } from "../lib/city";

async function main() {
  const config = loadConfig();
  const db = await openDb(config);
  try {
    const keys = await loadLogKeys(config.dataDir, config.LEDGER_ORIGIN, DEPARTMENTS.map((d) => d.id));
    const witnessKeys = (await db.sql.query<{ witness_public_key: string | null }>(`SELECT witness_public_key FROM department`))
      .map((r) => r.witness_public_key)
      .filter((k): k is string => !!k);
    let last = 0;
    const report = await auditLedger(db.sql, {
      logVerifierKey: keys.log.verifierKey,
      witnessVerifierKeys: witnessKeys,
      quorum: config.WITNESS_QUORUM ?? Math.floor(witnessKeys.length / 2) + 1,
      onProgress: (done, total) => {
        if (process.stderr.isTTY && Date.now() - last > 250) {
          last = Date.now();
          process.stderr.write(`\raudit: ${done.toLocaleString()} / ${total.toLocaleString()} leaves`);
        }
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const rate = Math.round(report.leaves / Math.max(report.seconds, 1e-9));
    if (report.ok) {
      console.log(
        `OK ${report.leaves} leaves (${report.readings} readings), ${report.checkpoints} checkpoints, ` +
          `${report.cosignatures} cosignatures, ${report.belowQuorum} checkpoints awaiting quorum; ` +
          `${report.seconds.toFixed(2)} s, ${rate} leaves/s (${report.threads} worker threads)`,
      );
      return 0;
    }
    console.log(`FAILED: ${report.discrepancyCount} discrepancies in ${report.leaves} leaves`);
    console.log("table\trow id\tleaf index\twhat differs");
    for (const d of report.discrepancies) console.log(`${d.table}\t${d.id}\t${d.leafIndex ?? "-"}\t${d.what}`);
    if (report.discrepancyCount > report.discrepancies.length) console.log(`… and ${report.discrepancyCount - report.discrepancies.length} more`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`ledger:audit: cannot run: ${e.message}`);
    process.exit(2);
  },
);
