import type { IncidentState } from "../api/map-specs";

/**
 * An incident reading's payload as the map shows the incident; null when the payload is not
 * an incident. Pure: the server's latest values (get-layer-latest.ts) and the browser's live
 * patches (components/map/live-patch.ts) read incidents the same way.
 */
export function incidentFromPayload(p: Record<string, unknown>, position: [number, number], observedAt: string, leafIndex: number): IncidentState | null {
  if (typeof p.incidentId !== "string") return null;
  return {
    id: p.incidentId,
    type: p.type as IncidentState["type"],
    severity: Number(p.severity),
    status: p.status as IncidentState["status"],
    startedAt: String(p.startedAt),
    endedAt: String(p.endedAt),
    segmentId: String(p.segmentId),
    lanesBlocked: Number(p.lanesBlocked),
    position,
    observedAt,
    leafIndex,
  };
}

/** The incident type a confirmed citizen report of a safety category shows as. */
const REPORT_INCIDENT_TYPE: Record<string, IncidentState["type"]> = { fire_hazard: "fire", public_order: "crime", flooding: "hazard", power_outage: "hazard", traffic_signal: "hazard" };
/** How long a confirmed citizen report is expected to stay on the map unless resolved sooner. */
const REPORT_INCIDENT_SPAN_MS = 24 * 3_600_000;

/**
 * A confirmed citizen report of a safety category as an incident of source "citizen": the
 * lowest severity (3), "responding" (the department confirmed it), no lanes blocked, at the
 * report's public (coarsened) position, observed when it was confirmed, at that ledger leaf.
 */
export function incidentFromReport(r: { id: string; serviceCode: string; position: [number, number]; createdAt: string; confirmedAt: string; leafIndex: number }): IncidentState {
  return {
    id: `citizen-${r.id}`,
    type: REPORT_INCIDENT_TYPE[r.serviceCode] ?? "hazard",
    severity: 3,
    status: "responding",
    startedAt: r.createdAt,
    endedAt: new Date(Date.parse(r.createdAt) + REPORT_INCIDENT_SPAN_MS).toISOString(),
    segmentId: "",
    lanesBlocked: 0,
    position: r.position,
    observedAt: r.confirmedAt,
    leafIndex: r.leafIndex,
    source: "citizen",
  };
}
