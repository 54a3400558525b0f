import { getDb } from "../db/client";
import { notFound } from "../errors";
import { authorshipStatement, reporterIdOf } from "./report-content";
import { requireReporterSignature } from "./list-my-reports";

/**
 * Checks a reporter's proof that report `id` is theirs, for a `challenge` the verifier chose
 * (a department following up, a credit claim): the signature over
 * authorshipStatement(id, challenge) verifies with `reporterKey`, and that key filed the
 * report. Answers { proven } without revealing anything else about the reporter.
 */
export async function proveAuthorship(opts: { id: string; challenge: string; reporterKey: string; signature: string }): Promise<{ report: string; reporter: string; proven: boolean }> {
  const { sql } = await getDb();
  const [row] = await sql.query<{ reporter: string }>(`SELECT reporter FROM citizen_report WHERE id = $1`, [opts.id]);
  if (!row) throw notFound("report", opts.id);
  const key = await requireReporterSignature(opts.reporterKey, opts.signature, authorshipStatement(opts.id, opts.challenge));
  return { report: opts.id, reporter: row.reporter, proven: reporterIdOf(key) === row.reporter };
}
