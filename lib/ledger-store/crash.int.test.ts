import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../db/client";
import { auditLedger } from "./audit";
import { createLogPublisher } from "./log-service";
import { inProcessWitness } from "./witnesses";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { testTargets } from "../testing/test-databases";
import { readWitnessHistories } from "./witness-file-store";

const ORIGIN = "crash.city-brain.example/ledger";
const CHILD = path.join(import.meta.dirname, "testing", "crash-child.ts");

/** Runs the child until it has acknowledged something, then SIGKILLs it at a random moment. */
function runAndKill(dataDir: string, keys: string, acked: Set<number>, databaseUrl?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, keys], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CRASH_DATABASE_URL: databaseUrl ?? "" },
    });
    let buf = "";
    let err = "";
    let killAt = 0;
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        for (let i = 0; i < Number(m[2]); i++) acked.add(Number(m[1]) + i);
        if (!killAt) {
          killAt = 300 + Math.random() * 1500;
          setTimeout(() => child.kill("SIGKILL"), killAt);
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

const targets = await testTargets();

describe.each(targets)("crash safety of the sequencer and integrator ($name)", (target) => {
  it("after repeated kill -9 during sustained appends, every acknowledged entry is present and the audit is clean", async () => {
    // The witnesses' own files live beside the data; the database is the target's.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-crash-"));
    const stateDir = path.join(dataDir, "witnesses");
    // PGlite: the child opens the data directory itself. PostgreSQL: a fresh database.
    const fresh = target.name === "postgresql" ? await target.open() : null;
    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const witnesses = await Promise.all([0, 1, 2].map((i) => generateNoteKey(ed, `crash/witness/${i}`, SIG_TYPE_COSIGNATURE_V1)));
    const keys = JSON.stringify({ origin: ORIGIN, log, witnesses });
    const acked = new Set<number>();
    try {
      for (let run = 0; run < 3; run++) await runAndKill(dataDir, keys, acked, fresh?.url);
      expect(acked.size).toBeGreaterThan(100);

      const db = await openDb({ DATABASE_URL: fresh?.url, dataDir });
      try {
        // Restart: the publisher integrates whatever was sequenced before the last kill, and a
        // witness that recorded a checkpoint whose cosignature was never stored cosigns it again.
        const ws = await Promise.all(
          witnesses.map((k, i) => inProcessWitness({ sql: db.sql, department: `d${i}`, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey }, stateDir })),
        );
        const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses: ws, intervalMs: 1000 });
        const size = await publisher.round();
        const present = await db.sql.query<{ leaf_index: number }>(`SELECT leaf_index FROM ledger_leaf`);
        const have = new Set(present.map((r) => Number(r.leaf_index)));
        const missing = [...acked].filter((i) => !have.has(i));
        expect(missing).toEqual([]);
        expect(size).toBe(have.size);
        // Every witness kept a history of the checkpoints it cosigned across the kills, which the audit reads.
        expect(new Set(readWitnessHistories(stateDir).map((h) => h.witness)).size).toBe(3);
        const report = await auditLedger(db.sql, { logVerifierKey: log.verifierKey, witnessVerifierKeys: witnesses.map((w) => w.verifierKey), quorum: 2, witnessStateDir: stateDir });
        expect(report.discrepancies).toEqual([]);
        expect(report.leaves).toBe(have.size);
      } finally {
        await db.close();
      }
    } finally {
      if (fresh) await fresh.drop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
