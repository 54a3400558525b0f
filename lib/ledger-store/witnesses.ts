import type { Sql } from "../db/sql";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { ed25519Cosigner } from "../ledger/cosignature";
import { ed25519NoteVerifier } from "../ledger/note";
import { addCheckpoint } from "../ledger/witness";
import { nodeSha256 } from "./node-hasher";
import { dbWitnessStore, fileFirstWitnessStore } from "./witness-store-db";
import { fileWitnessStore, witnessStateFile } from "./witness-file-store";

/** A department's witness as the log sees it: send an add-checkpoint body, get the answer. */
export type WitnessClient = {
  department: string;
  name: string;
  verifierKey: string;
  addCheckpoint(body: string): Promise<{ status: number; contentType: string; body: string }>;
};

/**
 * A witness running inside this process with its own key and its own state. It checks
 * every request exactly as a remote one would: log signature, recorded size, consistency.
 * Its state is a row of witness_state, unless `stateDir` is given: then its own file there
 * (witnessStateFile), mirrored into witness_state, so that a database restored or rolled
 * back as a whole does not roll the witness back with it.
 */
export async function inProcessWitness(opts: {
  sql: Sql;
  department: string;
  signerKey: string;
  verifierKey: string;
  log: { origin: string; verifierKey: string };
  stateDir?: string;
}): Promise<WitnessClient> {
  const ed = webCryptoEd25519();
  const cosigner = await ed25519Cosigner(ed, opts.signerKey);
  const logVerifier = await ed25519NoteVerifier(ed, opts.log.verifierKey);
  const store = opts.stateDir
    ? fileFirstWitnessStore(opts.sql, cosigner.name, fileWitnessStore(witnessStateFile(opts.stateDir, cosigner.name)))
    : dbWitnessStore(opts.sql, cosigner.name);
  return {
    department: opts.department,
    name: cosigner.name,
    verifierKey: opts.verifierKey,
    addCheckpoint: (body) =>
      addCheckpoint({ hasher: nodeSha256, logs: [{ origin: opts.log.origin, verifiers: [logVerifier] }], cosigners: [cosigner], store }, body),
  };
}

/** A witness in its own process or on its own host (C2SP tlog-witness over HTTP). */
export function httpWitness(opts: { department: string; name: string; verifierKey: string; url: string }): WitnessClient {
  return {
    department: opts.department,
    name: opts.name,
    verifierKey: opts.verifierKey,
    async addCheckpoint(body) {
      const res = await fetch(`${opts.url.replace(/\/$/, "")}/add-checkpoint`, {
        method: "POST",
        body,
        headers: { "content-type": "text/plain; charset=utf-8" },
        signal: AbortSignal.timeout(5000),
      });
      return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
    },
  };
}
