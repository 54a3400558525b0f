import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "../db/client";
import { appendEntries } from "./append-entries";
import { createLogPublisher } from "./log-service";
import { httpWitness, inProcessWitness } from "./witnesses";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { encodeEntry } from "../ledger/entries";

const ORIGIN = "remote.city-brain.example/ledger";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("a witness in its own process", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-witness-"));
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("cosigns over HTTP with its own state file, and refuses a rollback after a restart", async () => {
    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const wk = await generateNoteKey(ed, "remote/witness/energy", SIG_TYPE_COSIGNATURE_V1);
    const local = await generateNoteKey(ed, "remote/witness/traffic", SIG_TYPE_COSIGNATURE_V1);
    const port = await freePort();
    const stateFile = path.join(dir, "state.json");
    const start = () =>
      new Promise<ChildProcess>((resolve, reject) => {
        const c = spawn(process.execPath, ["--import", "tsx", path.resolve("scripts/witness-server.ts")], {
          env: { ...process.env, WITNESS_SIGNER_KEY: wk.signerKey, WITNESS_LOG_ORIGIN: ORIGIN, WITNESS_LOG_KEY: log.verifierKey, WITNESS_STATE_FILE: stateFile, WITNESS_PORT: String(port) },
          stdio: ["ignore", "pipe", "pipe"],
        });
        c.stdout!.on("data", (d: Buffer) => d.toString().includes("listening") && resolve(c));
        c.on("exit", (code) => reject(new Error(`witness exited ${code}`)));
      });
    child = await start();

    const db = await openDb({ dataDir: path.join(dir, "db") });
    try {
      const remote = httpWitness({ department: "energy", name: "remote/witness/energy", verifierKey: wk.verifierKey, url: `http://127.0.0.1:${port}` });
      const inproc = await inProcessWitness({ sql: db.sql, department: "traffic", signerKey: local.signerKey, verifierKey: local.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey } });
      const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses: [remote, inproc], intervalMs: 1000 });
      const add = async (n: number, from: number) =>
        db.sql.transaction((tx) =>
          appendEntries(
            tx,
            Array.from({ length: n }, (_, i) => ({
              kind: "credit.v1",
              bytes: encodeEntry({ kind: "credit.v1", reporter: "x", report: `r${from + i}`, amount: 1, at: "2026-11-25T00:00:00.000Z" }),
              refTable: "test",
              refId: String(from + i),
            })),
          ),
        );
      await add(10, 0);
      expect(await publisher.round()).toBe(10);
      await add(300, 10);
      expect(await publisher.round()).toBe(310);
      const cos = await db.sql.query<{ witness: string; checkpoint_size: number }>(`SELECT witness, checkpoint_size FROM cosignature ORDER BY 1, 2`);
      expect(cos.map((c) => `${c.witness}@${c.checkpoint_size}`)).toEqual([
        "remote/witness/energy@10",
        "remote/witness/energy@310",
        "remote/witness/traffic@10",
        "remote/witness/traffic@310",
      ]);
      expect(JSON.parse(fs.readFileSync(stateFile, "utf8"))[ORIGIN].size).toBe(310);

      // Restarted, the witness still remembers 310 and refuses the older checkpoint.
      child.kill();
      await new Promise((r) => child!.once("exit", r));
      child = await start();
      const [{ note }] = await db.sql.query<{ note: string }>(`SELECT note FROM checkpoint WHERE size = 10`);
      const { formatAddCheckpointBody } = await import("../ledger/witness");
      const res = await remote.addCheckpoint(formatAddCheckpointBody(10, [], note));
      expect(res.status).toBe(409);
      expect(res.body.trim()).toBe("310");
    } finally {
      await db.close();
    }
  }, 60_000);
});
