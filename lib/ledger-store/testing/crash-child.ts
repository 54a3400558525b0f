// A sequencer and publisher under load, for the crash test: appends batches as fast as it
// can, runs a publishing round every 200 ms, and prints "ack <first> <count>" after each
// commit. The parent kills it with SIGKILL at a random moment. Rounds integrate in steps of
// 64 leaves (each its own transaction and checkpoint), so kills land inside and between steps.
import path from "node:path";
import { openDb } from "../../db/client";
import { appendEntries } from "../append-entries";
import { createLogPublisher } from "../log-service";
import { inProcessWitness } from "../witnesses";
import { encodeEntry } from "../../ledger/entries";

const [dataDir, keysJson] = process.argv.slice(2);
const keys = JSON.parse(keysJson) as { origin: string; log: { signerKey: string; verifierKey: string }; witnesses: { signerKey: string; verifierKey: string }[] };
const db = await openDb({ DATABASE_URL: process.env.CRASH_DATABASE_URL || undefined, dataDir });
// Witnesses keep their state and history in their own files, as the console's do by default.
const witnesses = await Promise.all(
  keys.witnesses.map((k, i) =>
    inProcessWitness({ sql: db.sql, department: `d${i}`, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: keys.origin, verifierKey: keys.log.verifierKey }, stateDir: path.join(dataDir, "witnesses") }),
  ),
);
const publisher = await createLogPublisher({ sql: db.sql, origin: keys.origin, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 200, stepLeaves: 64 });
let n = Number((await db.sql.query<{ n: number }>(`SELECT next_index AS n FROM ledger_state`))[0].n);
const rounds = (async () => {
  for (;;) {
    await publisher.round();
    await new Promise((r) => setTimeout(r, 200));
  }
})();
void rounds;
for (;;) {
  const count = 50 + Math.floor(Math.random() * 200);
  const batch = Array.from({ length: count }, (_, i) => ({
    kind: "credit.v1",
    bytes: encodeEntry({ kind: "credit.v1", reporter: `r${n + i}`, report: `rep${n + i}`, amount: 1, at: new Date(1_790_000_000_000 + n + i).toISOString(), reason: "confirmed" }),
    refTable: "citizen_credit",
    refId: String(n + i),
  }));
  // Each credit entry with its citizen_credit row, in one transaction, as the console writes them (the audit matches them).
  const base = n;
  const first = await db.sql.transaction(async (tx) => {
    const at = await appendEntries(tx, batch);
    await tx.query(
      `INSERT INTO citizen_credit (id, reporter, report_id, amount, reason, at, leaf_index)
       SELECT (j + $1)::text, 'r' || (j + $1), 'rep' || (j + $1), 1, 'confirmed', to_timestamp((1790000000000 + j + $1) / 1000.0), j + $2 FROM generate_series(0, $3 - 1) AS j`,
      [base, at, count],
    );
    return at;
  });
  n = first + count;
  process.stdout.write(`ack ${first} ${count}\n`);
}
