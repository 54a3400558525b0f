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
