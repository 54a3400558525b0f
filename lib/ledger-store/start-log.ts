import path from "node:path";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { DEPARTMENTS } from "../city";
import { parseVerifierKey } from "../ledger/note";
import { getBus } from "../events/bus";
import { loadLogKeys } from "./keys";
import { httpWitness, inProcessWitness, type WitnessClient } from "./witnesses";
import { createLogPublisher } from "./log-service";
import { setLogInfo } from "./log-info";
import { soleLeadership, type Leadership } from "../cluster/leader";

/**
 * Starts the city log: its keys, one witness per department (in this process, or remote
 * when REMOTE_WITNESSES names one), and the publisher that integrates, checkpoints and
 * gathers cosignatures every CHECKPOINT_INTERVAL_MS. Returns its stop function.
 * In a cluster only the process holding the "ledger" role integrates and checkpoints
 * (lib/server/leader.ts); on taking the role it opens the witnesses and the publisher
 * afresh, since what they keep in memory (witness history, sizes cosigned) may have moved on
 * under another process.
 */
export async function startLog(opts: { db: Db; config: Config; log: (m: string) => void; leadership?: Leadership }): Promise<() => Promise<void>> {
  const { db, config } = opts;
  const departments = DEPARTMENTS.map((d) => d.id);
  const keys = await loadLogKeys(config.dataDir, config.LEDGER_ORIGIN, departments);
  const witnesses = await openWitnesses();
  setLogInfo({
    origin: config.LEDGER_ORIGIN,
    logVerifierKey: keys.log.verifierKey,
    witnesses: witnesses.map((w) => ({ department: w.department, name: w.name, verifierKey: w.verifierKey })),
    quorum: config.WITNESS_QUORUM ?? Math.floor(witnesses.length / 2) + 1,
  });
  const leadership = opts.leadership ?? soleLeadership();
  let publisher: { term: number; round: () => Promise<number> } | null = null;
  return leadership.every(
    "ledger",
    config.CHECKPOINT_INTERVAL_MS,
    async (term) => {
      if (publisher?.term !== term) {
        const fresh = term === 1 && publisher === null ? witnesses : await openWitnesses();
        const made = await createLogPublisher({
          sql: db.sql,
          origin: config.LEDGER_ORIGIN,
          logSignerKey: keys.log.signerKey,
          witnesses: fresh,
          intervalMs: config.CHECKPOINT_INTERVAL_MS,
          onCheckpoint: (c) => void getBus().publish("checkpoint", c).catch(() => {}),
          log: opts.log,
          // A long catch-up stops between its steps when another process took the role.
          keepGoing: () => leadership.holds("ledger"),
        });
        publisher = { term, round: made.round };
      }
      await publisher.round();
    },
    (e) => opts.log(`ledger round failed: ${e.message}`),
  );

  async function openWitnesses(): Promise<WitnessClient[]> {
    const witnesses: WitnessClient[] = [];
    for (const d of departments) {
      const remote = config.REMOTE_WITNESSES.find((w) => w.department === d);
      const k = keys.witnesses[d];
      if (!remote && !k) continue;
      const witness = remote
        ? httpWitness({ department: d, name: parseVerifierKey(remote.verifierKey).name, verifierKey: remote.verifierKey, url: remote.url })
        : await inProcessWitness({
            sql: db.sql,
            department: d,
            signerKey: k.signerKey,
            verifierKey: k.verifierKey,
            log: { origin: config.LEDGER_ORIGIN, verifierKey: keys.log.verifierKey },
            // Each witness keeps its state in its own file too, outside the console's database, so a
            // database restored or rolled back as a whole cannot roll the witnesses back with it.
            stateDir: path.join(config.dataDir, "witnesses"),
          });
      await db.sql.query(`UPDATE department SET witness_public_key = $2 WHERE id = $1`, [d, witness.verifierKey]);
      witnesses.push(witness);
    }
    return witnesses;
  }
}
