import { encodeEntry, type ReportEntry } from "../ledger/entries";
import type { NewEntry } from "../ledger-store/append-entries";
import { textHash } from "./report-content";

export type ReportAction = NonNullable<ReportEntry["action"]>;
export type ReportStatus = NonNullable<ReportEntry["status"]>;

/**
 * The report.v1 entry of a report or of a change of its status. It commits to the report's
 * content (contentHash), description and photos by SHA-256 and names only the coarse cell:
 * no text, no exact point, no contact details.
 */
export function reportEntry(e: {
  report: string;
  serviceCode: string;
  department: string;
  cell: string;
  description: string;
  photos: string[];
  contentHash: string;
  reporter: string;
  action: ReportAction;
  status: ReportStatus;
  by?: string;
  role?: string;
  note?: string;
  /** A merge's kept report. */
  duplicateOf?: string;
  at: Date;
}): NewEntry {
  const entry: ReportEntry = {
    kind: "report.v1",
    report: e.report,
    serviceCode: e.serviceCode,
    locationCell: e.cell,
    descriptionHash: textHash(e.description),
    ...(e.photos.length ? { mediaHashes: e.photos } : {}),
    contentHash: e.contentHash,
    reporter: e.reporter,
    department: e.department,
    action: e.action,
    status: e.status,
    ...(e.by ? { by: e.by } : {}),
    ...(e.role ? { role: e.role } : {}),
    ...(e.note ? { noteHash: textHash(e.note) } : {}),
    ...(e.duplicateOf ? { duplicateOf: e.duplicateOf } : {}),
    at: e.at.toISOString(),
  };
  return { kind: "report.v1", bytes: encodeEntry(entry), refTable: "citizen_report", refId: e.report };
}
