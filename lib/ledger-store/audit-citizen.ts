// The audit's check of citizen reports and credit (issue 20) against their report.v1 and
// credit.v1 entries: every status change is a citizen_report_event row at its leaf, every
// report row holds what its entries say (and its stored content still hashes to what the
// reporter signed), every credit row is a credit.v1 leaf, every mark on a reporter key a
// reporter.v1 leaf. Called from audit-state.ts.
import type { Sql } from "../db/sql";
import type { CreditEntry, ReportEntry, ReporterEntry } from "../ledger/entries";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { toBase64 } from "../ledger/encoding";
import { reportContentBytes, reporterIdOf, sha256Hex, textHash, type ReportContent } from "../citizen/report-content";
import { compare, historyTable, iso, matchState, type Report, type StateEntry } from "./audit-state";

type EventRow = { id: string; report_id: string; action: string; status: string; by_id: string; role: string; department_id: string; note: string | null; at: Date; leaf_index: string };
type ReportRow = {
  id: string;
  service_code: string;
  department_id: string;
  status: string;
  description: string;
  lon: number;
  lat: number;
  location_cell: string;
  address: string | null;
  attributes: Record<string, string>;
  photo_hashes: string[];
  reporter: string;
  reporter_key: Uint8Array | null;
  signature: Uint8Array | null;
  signed_at: string;
  content_hash: string;
  leaf_index: string;
  duplicate_of: string | null;
};
type CreditRow = { id: string; reporter: string; report_id: string; amount: number; reason: string; at: Date; leaf_index: string };

/** What a report's entries imply for its row: the submit entry's content, the latest status. */
type ReportState = { index: number; submit: ReportEntry | null; submitIndex: number | null; status: string; department: string | undefined; duplicateOf: string | null };

/** The content a report row holds, as the reporter signed it (lib/citizen/report-content.ts). */
function contentOf(r: ReportRow): ReportContent {
  return {
    kind: "city-brain-report.v1",
    serviceCode: r.service_code,
    description: r.description,
    lon: r.lon,
    lat: r.lat,
    ...(r.address ? { address: r.address } : {}),
    attributes: r.attributes ?? {},
    photos: r.photo_hashes,
    ...(r.reporter_key ? { reporterKey: toBase64(new Uint8Array(r.reporter_key)) } : {}),
    signedAt: r.signed_at,
  };
}

/** Why a signed report's stored key and signature do not stand, or null if they do. */
async function signatureProblem(r: ReportRow, bytes: Uint8Array): Promise<string | null> {
  if (!r.reporter_key) return r.signature ? "a signature is stored without a reporter key" : null;
  const key = new Uint8Array(r.reporter_key);
  if (reporterIdOf(key) !== r.reporter) return `reporter ${r.reporter} is not the id of the stored reporter key (${reporterIdOf(key)})`;
  if (!r.signature) return "the reporter's signature is missing";
  try {
    const verify = await webCryptoEd25519().importPublicKey(key);
    return (await verify(bytes, new Uint8Array(r.signature))) ? null : "the reporter's signature does not verify over the stored content";
  } catch (e) {
    return `the reporter key cannot be read: ${(e as Error).message}`;
  }
}

export async function auditCitizen(sql: Pick<Sql, "query">, reports: readonly StateEntry[], credits: readonly StateEntry[], report: Report): Promise<void> {
  const events = await sql.query<EventRow>(`SELECT id, report_id, action, status, by_id, role, department_id, note, at, leaf_index FROM citizen_report_event ORDER BY citizen_report_event.leaf_index, id`);
  const history = historyTable("citizen_report_event", events, report);
  const state = new Map<string, ReportState>();
  for (const { index, entry } of reports) {
    if (entry.kind !== "report.v1") continue;
    const e = entry;
    const action = e.action ?? "submit";
    const status = e.status ?? "submitted";
    const prev = state.get(e.report);
    state.set(e.report, {
      index,
      submit: action === "submit" ? e : (prev?.submit ?? null),
      submitIndex: action === "submit" ? index : (prev?.submitIndex ?? null),
      status,
      department: e.department ?? prev?.department,
      duplicateOf: e.duplicateOf ?? prev?.duplicateOf ?? null,
    });
    history.check(index, { entry: `report.v1 entry (report ${e.report}, ${action})`, ledger: { report: e.report, action, status } }, (ev) => [
      ["report_id", e.report, ev.report_id],
      ["action", action, ev.action],
      ["status", status, ev.status],
      // A submission is made by its reporter (the pseudonymous id), a change by a user of the department.
      ["by_id", e.by ?? e.reporter, ev.by_id],
      ["role", e.role ?? "reporter", ev.role],
      ["department_id", e.department ?? null, ev.department_id],
      ["note (SHA-256)", e.noteHash ?? null, ev.note === null ? null : textHash(ev.note)],
      ["at", e.at, iso(ev.at)],
    ]);
  }
  history.unmatched("report.v1", (ev) => ({ report: ev.report_id, action: ev.action }));

  const rows = await sql.query<ReportRow>(
    `SELECT id, service_code, department_id, status, description, lon, lat, location_cell, address, attributes, photo_hashes, reporter, reporter_key, signature, signed_at,
            content_hash, leaf_index::text, duplicate_of FROM citizen_report ORDER BY id`,
  );
  const checks: Promise<void>[] = [];
  matchState(rows, state, {
    orphan: (r) => report({ table: "citizen_report", id: r.id, leafIndex: Number(r.leaf_index), what: "no report.v1 entry stands for this report" }),
    missing: (id, s) => report({ table: "citizen_report", id, leafIndex: s.index, what: "the report its report.v1 entries stand for is missing" }),
    check: (r, s) => {
      compare(report, "citizen_report", r.id, s.index, [
        ["status", s.status, r.status],
        ["department_id", s.department ?? null, r.department_id],
        ["duplicate_of", s.duplicateOf, r.duplicate_of],
      ]);
      const sub = s.submit;
      if (!sub) {
        report({ table: "citizen_report", id: r.id, leafIndex: s.index, what: "no report.v1 submit entry stands for this report (only changes of it)" });
        return;
      }
      const bytes = reportContentBytes(contentOf(r));
      compare(report, "citizen_report", r.id, s.submitIndex, [
        ["leaf_index", s.submitIndex, Number(r.leaf_index)],
        ["service_code", sub.serviceCode, r.service_code],
        ["location_cell", sub.locationCell, r.location_cell],
        ["description (SHA-256)", sub.descriptionHash, textHash(r.description)],
        ["photo_hashes", sub.mediaHashes ?? [], r.photo_hashes],
        ["reporter", sub.reporter, r.reporter],
        ["content_hash", sub.contentHash ?? null, r.content_hash],
        // The stored fields must still be what was signed: their canonical bytes hash to the ledgered content hash.
        ["content (SHA-256 of the stored fields)", sub.contentHash ?? null, sha256Hex(bytes)],
      ]);
      checks.push(
        signatureProblem(r, bytes).then((what) => {
          if (what) report({ table: "citizen_report", id: r.id, leafIndex: s.submitIndex, field: "signature", what });
        }),
      );
    },
  });
  await Promise.all(checks);

  const creditRows = await sql.query<CreditRow>(`SELECT id, reporter, report_id, amount, reason, at, leaf_index::text FROM citizen_credit ORDER BY citizen_credit.leaf_index, id`);
  const ledger = historyTable("citizen_credit", creditRows, report);
  for (const { index, entry } of credits) {
    if (entry.kind !== "credit.v1") continue;
    const e: CreditEntry = entry;
    ledger.check(index, { entry: `credit.v1 entry (report ${e.report}, ${e.amount})`, ledger: { reporter: e.reporter, report: e.report, amount: e.amount } }, (c) => [
      ["reporter", e.reporter, c.reporter],
      ["report_id", e.report, c.report_id],
      ["amount", e.amount, Number(c.amount)],
      ["reason", e.reason ?? null, c.reason],
      ["at", e.at, iso(c.at)],
    ]);
  }
  ledger.unmatched("credit.v1", (c) => ({ reporter: c.reporter, report: c.report_id, amount: Number(c.amount) }));
}

type FlagEventRow = { id: string; reporter: string; action: string; status: string; by_id: string; role: string; department_id: string; note: string; at: Date; leaf_index: string };
type FlagRow = { reporter: string; department_id: string; status: string; reason: string; appeal: string | null; decision_note: string | null; flagged_by: string; flagged_at: Date; leaf_index: string };
const FLAG_STATUS: Record<ReporterEntry["action"], string> = { flag: "flagged", appeal: "appealed", lift: "lifted", uphold: "upheld" };

/** Marks on reporter keys (lib/citizen/key-flags.ts) against their reporter.v1 entries. */
export async function auditKeyFlags(sql: Pick<Sql, "query">, entries: readonly StateEntry[], report: Report): Promise<void> {
  const events = await sql.query<FlagEventRow>(`SELECT id, reporter, action, status, by_id, role, department_id, note, at, leaf_index FROM citizen_key_flag_event ORDER BY citizen_key_flag_event.leaf_index, id`);
  const history = historyTable("citizen_key_flag_event", events, report);
  type State = { id: string; index: number; status: string; department: string; reasonHash: string; appealHash: string | null; decisionHash: string | null; flaggedBy: string; flaggedAt: string };
  const state = new Map<string, State>();
  for (const { index, entry } of entries) {
    if (entry.kind !== "reporter.v1") continue;
    const e = entry;
    const status = FLAG_STATUS[e.action];
    const prev = state.get(e.reporter);
    state.set(e.reporter, {
      id: e.reporter,
      index,
      status,
      department: e.department,
      reasonHash: e.action === "flag" ? e.reasonHash : (prev?.reasonHash ?? ""),
      appealHash: e.action === "flag" ? null : e.action === "appeal" ? e.reasonHash : (prev?.appealHash ?? null),
      decisionHash: e.action === "lift" || e.action === "uphold" ? e.reasonHash : e.action === "flag" ? null : (prev?.decisionHash ?? null),
      flaggedBy: e.action === "flag" ? e.by : (prev?.flaggedBy ?? ""),
      flaggedAt: e.action === "flag" ? e.at : (prev?.flaggedAt ?? ""),
    });
    history.check(index, { entry: `reporter.v1 entry (${e.reporter}, ${e.action})`, ledger: { reporter: e.reporter, action: e.action } }, (ev) => [
      ["reporter", e.reporter, ev.reporter],
      ["action", e.action, ev.action],
      ["status", status, ev.status],
      ["by_id", e.by, ev.by_id],
      ["role", e.role, ev.role],
      ["department_id", e.department, ev.department_id],
      ["note (SHA-256)", e.reasonHash, textHash(ev.note)],
      ["at", e.at, iso(ev.at)],
    ]);
  }
  history.unmatched("reporter.v1", (ev) => ({ reporter: ev.reporter, action: ev.action }));
  const rows = await sql.query<FlagRow & { id: string }>(
    `SELECT reporter AS id, reporter, department_id, status, reason, appeal, decision_note, flagged_by, flagged_at, leaf_index::text FROM citizen_key_flag ORDER BY reporter`,
  );
  matchState(rows, state, {
    orphan: (r) => report({ table: "citizen_key_flag", id: r.id, leafIndex: Number(r.leaf_index), what: "no reporter.v1 entry stands for this mark" }),
    missing: (id, s) => report({ table: "citizen_key_flag", id, leafIndex: s.index, what: "the mark its reporter.v1 entries stand for is missing" }),
    check: (r, s) =>
      compare(report, "citizen_key_flag", r.id, s.index, [
        ["status", s.status, r.status],
        ["department_id", s.department, r.department_id],
        ["reason (SHA-256)", s.reasonHash, textHash(r.reason)],
        ["appeal (SHA-256)", s.appealHash, r.appeal === null ? null : textHash(r.appeal)],
        ["decision_note (SHA-256)", s.decisionHash, r.decision_note === null ? null : textHash(r.decision_note)],
        ["flagged_by", s.flaggedBy, r.flagged_by],
        ["flagged_at", s.flaggedAt, iso(r.flagged_at)],
        ["leaf_index", s.index, Number(r.leaf_index)],
      ]),
  });
}
