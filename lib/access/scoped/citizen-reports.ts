import type { Sql } from "../../db/sql";
import type { ReadBasis } from "../check-read";
import { scopeConditions } from "../scope-sql";
import { AGGREGATE_HEX_RADIUS_M, minGroupDevices } from "./map-basis";
import type { BBox } from "../../city/types";
import type { ScopedCells } from "../../api/map-specs";
import { aggregateHexCellOf, groupCells } from "./map-latest";

/**
 * The citizen-report KPIs under a read basis of reports.citizen: the reports the basis lets
 * through are those filed inside its data window (a report's time is when it was filed) and
 * inside its area (at the report's exact point). Counts are aggregates at every scope; under
 * anonymized or aggregated scope the median is given only over at least k resolved reports.
 */

/** The median time to resolution is over reports resolved in this span before `to`. */
export const RESOLUTION_SPAN_MS = 30 * 24 * 3_600_000;

export type ReportKpis = { open: number; resolved: number; medianResolutionH: number | null };

export async function scopedReportKpis(sql: Sql, basis: ReadBasis, to: Date): Promise<ReportKpis> {
  const params: unknown[] = [to];
  // The scope conditions are written over a reading's observed_at: a report's is its filing time.
  const where = ["r.created_at <= $1", ...scopeConditions(basis, params, "r")].join(" AND ");
  const source = `(SELECT id, status, lon, lat, created_at, created_at AS observed_at FROM citizen_report) r`;
  const [open] = await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${source} WHERE ${where} AND r.status IN ('submitted', 'assigned', 'confirmed')`, params);
  params.push(new Date(to.getTime() - RESOLUTION_SPAN_MS));
  const [res] = await sql.query<{ n: string; median_s: number | null }>(
    `SELECT count(*)::text AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - r.created_at)) AS median_s
       FROM ${source} JOIN citizen_report_event e ON e.report_id = r.id AND e.action = 'resolve'
      WHERE ${where} AND e.at <= $1 AND e.at > $${params.length}`,
    params,
  );
  const resolved = Number(res?.n ?? 0);
  const enough = basis.scope === "raw" || resolved >= minGroupDevices();
  const median = res?.median_s === null || res?.median_s === undefined || !enough ? null : Math.round((Number(res.median_s) / 3600) * 10) / 10;
  return { open: Number(open?.n ?? 0), resolved, medianResolutionH: median };
}

export type ConfirmedReportRow = { id: string; service_code: string; department_id: string; lon: number; lat: number; created_at: Date; confirmed_at: Date; leaf_index: string };

/**
 * Reports of the given categories that stand confirmed at `to` (confirmed, not yet resolved,
 * rejected or merged), under a basis of reports.citizen: filed inside its data window and
 * inside its area. With the confirmation's time and ledger leaf. The exact point is returned
 * for the caller to coarsen: only the owning department's triage shows it.
 */
export async function scopedConfirmedReports(sql: Sql, basis: ReadBasis, serviceCodes: readonly string[], to: Date): Promise<ConfirmedReportRow[]> {
  const params: unknown[] = [to, serviceCodes];
  const where = ["r.status = 'confirmed'", "r.service_code = ANY($2::text[])", "e.at <= $1", ...scopeConditions(basis, params, "r")].join(" AND ");
  return sql.query<ConfirmedReportRow>(
    `SELECT r.id, r.service_code, r.department_id, r.lon, r.lat, r.created_at, e.at AS confirmed_at, e.leaf_index::text
       FROM (SELECT id, status, service_code, department_id, lon, lat, created_at, created_at AS observed_at FROM citizen_report) r
       JOIN LATERAL (SELECT at, leaf_index FROM citizen_report_event WHERE report_id = r.id AND action = 'confirm' ORDER BY at DESC LIMIT 1) e ON true
      WHERE ${where} ORDER BY r.id LIMIT 1000`,
    params,
  );
}

export type ReportIncidentSpanRow = ConfirmedReportRow & { closed_at: Date | null; closed_by: string | null };

/**
 * For replay: reports of the given categories confirmed at or before `to` whose confirmation
 * was not closed (resolved, rejected or merged) before `from`, under a basis of
 * reports.citizen (filed inside its data window and area), with when and how each was closed.
 */
export async function scopedReportIncidentSpans(sql: Sql, basis: ReadBasis, serviceCodes: readonly string[], from: Date, to: Date): Promise<ReportIncidentSpanRow[]> {
  const params: unknown[] = [to, serviceCodes, from];
  const where = ["r.service_code = ANY($2::text[])", "(x.at IS NULL OR x.at >= $3)", ...scopeConditions(basis, params, "r")].join(" AND ");
  return sql.query<ReportIncidentSpanRow>(
    `SELECT r.id, r.service_code, r.department_id, r.lon, r.lat, r.created_at, c.at AS confirmed_at, c.leaf_index::text, x.at AS closed_at, x.action AS closed_by
       FROM (SELECT id, service_code, department_id, lon, lat, created_at, created_at AS observed_at FROM citizen_report) r
       JOIN LATERAL (SELECT at, leaf_index FROM citizen_report_event WHERE report_id = r.id AND action = 'confirm' AND at <= $1 ORDER BY at DESC LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT at, action FROM citizen_report_event WHERE report_id = r.id AND action IN ('resolve', 'reject', 'merge') AND at > c.at ORDER BY at LIMIT 1) x ON true
      WHERE ${where} ORDER BY r.id LIMIT 1000`,
    params,
  );
}

/**
 * Reports of the given categories standing confirmed at `to` under an aggregated basis of
 * reports.citizen, as hexagons of AGGREGATE_HEX_RADIUS_M: the count of reports per cell, a
 * cell with fewer than k reports suppressed (no count). No report id, category or point
 * leaves this function.
 */
export async function scopedConfirmedReportCells(sql: Sql, basis: ReadBasis, serviceCodes: readonly string[], to: Date, bbox?: BBox): Promise<ScopedCells> {
  if (basis.scope !== "aggregated") throw new Error(`scopedConfirmedReportCells is for aggregated scope (${basis.datasetId})`);
  const rows = await scopedConfirmedReports(sql, basis, serviceCodes, to);
  const cells = groupCells(basis, rows.map((r) => ({ device: r.id, lon: Number(r.lon), lat: Number(r.lat), payload: {} })), {
    k: minGroupDevices(),
    bbox,
    fields: [],
    shape: "hex",
    sizeM: AGGREGATE_HEX_RADIUS_M,
    cellOf: aggregateHexCellOf(),
  });
  // The value a cell is drawn by: its count of reports (none where suppressed).
  return { ...cells, fields: [{ key: "reports", unit: "1", values: cells.devices }] };
}
