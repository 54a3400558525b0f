// A citizen's report receipt, verified offline (in the browser on /verify, or in Node): the
// report.v1 entry is in a checkpoint the log signed and a quorum of witnesses cosigned; and,
// when the receipt carries the content the reporter signed, that content is what the entry
// commits to and the reporter's key signed it. Pure: no DB, no React.
import { z } from "zod";
import { decodeEntry } from "../ledger/entries";
import { fromBase64, toHex, utf8Encode } from "../ledger/encoding";
import type { Ed25519 } from "../ledger/ed25519";
import type { Hasher } from "../ledger/sha256";
import { note, causeOf, englishNote, type Note } from "../provenance/check-note";
import type { Trust } from "../provenance/datum";
import { verifyEntryReceipt, type Check, type DatumVerification } from "../provenance/verify-datum";
import { reportContentBytes, reporterIdOf, type ReportContent } from "./report-content";

export const REPORT_RECEIPT_FORMAT = "city-brain-report-receipt/v1";

const Content = z.strictObject({
  kind: z.literal("city-brain-report.v1"),
  serviceCode: z.string(),
  description: z.string(),
  lon: z.number(),
  lat: z.number(),
  address: z.string().optional(),
  attributes: z.record(z.string(), z.string()),
  photos: z.array(z.string()),
  reporterKey: z.string().optional(),
  signedAt: z.string(),
});

export const ReportReceipt = z.strictObject({
  format: z.literal(REPORT_RECEIPT_FORMAT),
  report: z.string().min(1),
  ledger: z.strictObject({ leafIndex: z.number().int().nonnegative(), entry: z.string(), receipt: z.string() }),
  /** What the reporter signed, and the signature (added by the reporter's own browser; the public receipt has neither). */
  content: Content.optional(),
  signature: z.string().optional(),
});
export type ReportReceipt = z.infer<typeof ReportReceipt>;

export function isReportReceipt(x: unknown): boolean {
  return typeof x === "object" && x !== null && (x as { format?: unknown }).format === REPORT_RECEIPT_FORMAT;
}

const check = (id: Check["id"], ok: boolean, found: Note): Check => ({ id, ok, detail: englishNote(found), note: found });

/** Verifies a report receipt against trusted keys; never throws: a problem is a failed check. */
export async function verifyReportReceipt(input: unknown, deps: { hasher: Hasher; ed25519: Ed25519; trust: Trust }): Promise<DatumVerification> {
  const parsed = ReportReceipt.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, checks: [check("format", false, note("checkNote.notDatum", { path: i.path.join(".") || "(root)" }, { code: null, text: i.message }))] };
  }
  const r = parsed.data;
  const base = await verifyEntryReceipt({ leafIndex: r.ledger.leafIndex, text: r.ledger.entry, receipt: r.ledger.receipt }, deps);
  const extra: Check[] = [];
  let entry: ReturnType<typeof decodeEntry> | null = null;
  try {
    entry = decodeEntry(utf8Encode(r.ledger.entry));
  } catch {
    entry = null;
  }
  const report = entry?.kind === "report.v1" ? entry : null;
  if (!report || report.report !== r.report) {
    extra.push(check("report-content", false, note("checkNote.reportEntryOther", { report: r.report })));
  } else if (r.content) {
    const content = r.content as ReportContent;
    const hash = toHex(deps.hasher(reportContentBytes(content)));
    const same = hash === report.contentHash;
    extra.push(check("report-content", same, note(same ? "checkNote.reportContent" : "checkNote.reportContentDiffers", { hash: hash.slice(0, 16) })));
    try {
      if (!content.reporterKey || !r.signature) throw new Error("the receipt has no reporter key or signature");
      const key = fromBase64(content.reporterKey);
      const ok = (await (await deps.ed25519.importPublicKey(key))(reportContentBytes(content), fromBase64(r.signature))) && reporterIdOf(key) === report.reporter;
      extra.push(check("reporter-signature", ok, note(ok ? "checkNote.reporterSigned" : "checkNote.reporterBad", { reporter: report.reporter })));
    } catch (e) {
      extra.push(check("reporter-signature", false, note("checkNote.reporterBad", { reporter: report.reporter }, causeOf(e))));
    }
  } else {
    extra.push(check("report-content", true, note("checkNote.reportCommitted", { report: r.report, status: report.status ?? "submitted" })));
  }
  const checks = [...base.checks.slice(0, 1), ...extra, ...base.checks.slice(1)];
  return { ...base, ok: base.ok && extra.every((c) => c.ok), checks };
}
