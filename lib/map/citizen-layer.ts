import type { CitizenReportSpan, CitizenReportState } from "../api/map-specs";
import type { ConfirmedReportRow, ReportIncidentSpanRow } from "../access/scoped/citizen-reports";
import { CITIZEN_LAYER_SERVICES } from "../citizen/service-catalogue";
import { coarsen } from "../citizen/report-content";

/**
 * The citizen-reports layer (市民上报): confirmed reports of the categories that are not safety
 * categories (those join the safety layer as incidents, lib/map/incident-state.ts), at their
 * public, coarsened position. Pure: the server's latest and frames answers build it here.
 */

export { CITIZEN_LAYER_SERVICES };
/** The categories the citizen layer draws: the catalogue's non-safety ones. */
export const CITIZEN_LAYER_CODES = CITIZEN_LAYER_SERVICES.map((s) => s.code);

/** A confirmed report as the layer draws it: the public position only (never the exact point). */
export function reportState(r: ConfirmedReportRow): CitizenReportState {
  return {
    id: r.id,
    serviceCode: r.service_code,
    department: r.department_id,
    position: coarsen(Number(r.lon), Number(r.lat)),
    createdAt: new Date(r.created_at).toISOString(),
    confirmedAt: new Date(r.confirmed_at).toISOString(),
    leafIndex: Number(r.leaf_index),
  };
}

/** A report's span on the layer for replay: from its confirmation until it was closed at or before `to` (null: still standing). */
export function reportSpan(r: ReportIncidentSpanRow, to: Date): CitizenReportSpan {
  const closed = r.closed_at ? new Date(r.closed_at).getTime() : null;
  return { ...reportState(r), closedAt: closed !== null && closed <= to.getTime() ? closed : null };
}
