// Reading reports and their status history from the database, in the shapes the public
// answers use. Contact details are never selected here: they live in citizen_report_contact,
// which only the owning department's triage reads.
import type { Sql } from "../db/sql";
import { coarsen, UNSIGNED_REPORTER } from "./report-content";
import { photoReuse, type PhotoReport, type PhotoReuse } from "./photo-reuse";
import { serviceByCode } from "./service-catalogue";

/** Statuses that end a report: Open311's "closed", not in the triage queue's open reports. */
export const CLOSED_STATUSES: readonly string[] = ["rejected", "resolved", "merged"];
export const CLOSED_SQL = CLOSED_STATUSES.map((s) => `'${s}'`).join(", ");

export type ReportEvent = { action: string; status: string; by: string; role: string; department: string; note: string | null; at: string; leafIndex: number };

/** A report as anyone may see it: the location coarsened, no contact details, no photos. */
export type PublicReport = {
  id: string;
  serviceCode: string;
  serviceNameZh: string;
  serviceNameEn: string;
  department: string;
  status: string;
  description: string;
  /** [lon, lat] coarsened to the public cell. */
  location: [number, number];
  locationCell: string;
  reporter: string;
  photoCount: number;
  createdAt: string;
  updatedAt: string;
  leafIndex: number;
  /** For a merged report: the report it duplicates, which is kept. */
  duplicateOf: string | null;
  events: ReportEvent[];
};

type Row = {
  id: string; service_code: string; department_id: string; status: string; description: string; lon: number; lat: number; location_cell: string;
  reporter: string; photo_hashes: string[]; created_at: Date; updated_at: Date; leaf_index: string; duplicate_of: string | null;
};

export const PUBLIC_COLUMNS = `id, service_code, department_id, status, description, lon, lat, location_cell, reporter, photo_hashes, created_at, updated_at, leaf_index::text, duplicate_of`;

/** Public reports of the given ids (or of a where-clause), with their events, in the rows' order. */
export async function publicReports(sql: Sql, where: string, params: unknown[], tail = "ORDER BY created_at DESC"): Promise<PublicReport[]> {
  const rows = await sql.query<Row>(`SELECT ${PUBLIC_COLUMNS} FROM citizen_report WHERE ${where} ${tail}`, params);
  if (!rows.length) return [];
  const events = await sql.query<{ report_id: string; action: string; status: string; by_id: string; role: string; department_id: string; note: string | null; at: Date; leaf_index: string }>(
    `SELECT report_id, action, status, by_id, role, department_id, note, at, leaf_index::text FROM citizen_report_event WHERE report_id = ANY($1::text[]) ORDER BY at, leaf_index`,
    [rows.map((r) => r.id)],
  );
  const byReport = new Map<string, ReportEvent[]>();
  for (const e of events) {
    const list = byReport.get(e.report_id) ?? [];
    list.push({ action: e.action, status: e.status, by: e.role === "reporter" ? e.by_id : e.department_id, role: e.role, department: e.department_id, note: e.note, at: new Date(e.at).toISOString(), leafIndex: Number(e.leaf_index) });
    byReport.set(e.report_id, list);
  }
  return rows.map((r) => {
    const s = serviceByCode(r.service_code);
    return {
      id: r.id,
      serviceCode: r.service_code,
      serviceNameZh: s?.nameZh ?? r.service_code,
      serviceNameEn: s?.nameEn ?? r.service_code,
      department: r.department_id,
      status: r.status,
      description: r.description,
      location: coarsen(r.lon, r.lat),
      locationCell: r.location_cell,
      reporter: r.reporter,
      photoCount: r.photo_hashes.length,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
      leafIndex: Number(r.leaf_index),
      duplicateOf: r.duplicate_of,
      events: byReport.get(r.id) ?? [],
    };
  });
}

/**
 * Photo re-use (photo-reuse.ts) of each given report, by id: every report carrying any of
 * their photos is read (the photo_hashes GIN index answers `&&`) and the rule applied.
 */
export async function photoReuseOf(sql: Pick<Sql, "query">, reports: readonly PhotoReport[]): Promise<Map<string, PhotoReuse[]>> {
  const photos = [...new Set(reports.flatMap((r) => r.photos))];
  const out = new Map<string, PhotoReuse[]>();
  if (!photos.length) return out;
  const sharing = (
    await sql.query<{ id: string; reporter: string; created_at: Date; photo_hashes: string[] }>(
      `SELECT id, reporter, created_at, photo_hashes FROM citizen_report WHERE photo_hashes && $1::text[]`,
      [photos],
    )
  ).map((r): PhotoReport => ({ id: r.id, reporter: r.reporter, createdAt: new Date(r.created_at).toISOString(), photos: r.photo_hashes }));
  for (const r of reports) {
    const found = photoReuse(r, sharing, UNSIGNED_REPORTER);
    if (found.length) out.set(r.id, found);
  }
  return out;
}
