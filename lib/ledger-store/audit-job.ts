import type { Viewer } from "../access/viewer";
import { requireAuditor } from "../access/require-auditor";
import { getDb } from "../db/client";
import path from "node:path";
import { loadConfig } from "../config";
import { AppError, badRequest } from "../errors";
import { openKeptCheckpoint, type KeptCheckpoint } from "./audit-checks";
import { auditLedger, type AuditReport } from "./audit";
import { getLogInfo } from "./log-info";

export type AuditRun = {
  id: number;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  done: number;
  total: number;
  report: AuditReport | null;
  /** The size of the checkpoint the auditor kept, when the run checks the log extends it. */
  sinceSize: number | null;
  error: string | null;
};

const KEY = Symbol.for("city-brain.audit-run");
const state = () => globalThis as { [KEY]?: AuditRun };

/**
 * Starts the full ledger audit in this process (one at a time) and returns at once; the
 * run's progress and report are read with latestAuditRun. Auditors and sysadmins only.
 */
export async function startAuditRun(opts: { viewer: Viewer; since?: string }): Promise<AuditRun> {
  requireAuditor(opts.viewer);
  const current = state()[KEY];
  if (current && !current.finishedAt) throw new AppError("conflict", `audit run ${current.id} is still running`);
  const { sql } = await getDb();
  const info = getLogInfo();
  let since: KeptCheckpoint | undefined;
  if (opts.since !== undefined) {
    try {
      since = await openKeptCheckpoint(opts.since, info.logVerifierKey);
    } catch (e) {
      throw badRequest(`since: ${(e as Error).message}`);
    }
  }
  const run: AuditRun = {
    id: (current?.id ?? 0) + 1,
    startedBy: opts.viewer.kind === "user" ? opts.viewer.userId : "?",
    startedAt: new Date().toISOString(),
    finishedAt: null,
    done: 0,
    total: 0,
    report: null,
    error: null,
    sinceSize: since?.size ?? null,
  };
  state()[KEY] = run;
  void auditLedger(sql, {
    logVerifierKey: info.logVerifierKey,
    witnessVerifierKeys: info.witnesses.map((w) => w.verifierKey),
    quorum: info.quorum,
    since,
    // The in-process witnesses' own state and history files, as `npm run ledger:audit` reads them.
    witnessStateDir: path.join(loadConfig().dataDir, "witnesses"),
    onProgress: (done, total) => {
      run.done = done;
      run.total = total;
    },
  })
    .then((report) => {
      run.report = report;
      run.done = report.leaves;
    })
    .catch((e: Error) => {
      run.error = e.message;
    })
    .finally(() => {
      run.finishedAt = new Date().toISOString();
    });
  return run;
}

/** The latest audit run (running or finished), or null. Auditors and sysadmins only. */
export async function latestAuditRun(opts: { viewer: Viewer }): Promise<{ run: AuditRun | null }> {
  requireAuditor(opts.viewer);
  return { run: state()[KEY] ?? null };
}
