/**
 * The duty officer's alarm list, from the live answers the map already loads (each scoped to
 * the viewer's grants by the server): open incidents, camera alerts and feeder outages.
 * Pure: runs in Node for tests.
 */
import type { EnergyFeatures, EnergyLatest, IncidentState, SafetyFeatures, SafetyLatest } from "@/lib/api/map-specs";

export type AlarmKind = "incident" | "camera" | "outage";
export type Alarm = {
  /** Unique in the list: the feature id (an incident, camera or feeder). */
  id: string;
  kind: AlarmKind;
  /** 1 is the most severe. */
  severity: 1 | 2 | 3;
  /** incident type (accident, fire, crime, hazard), camera alert (congestion, accident, fire, crowd) or "outage". */
  type: string;
  /** Incidents: reported or responding. */
  status: string | null;
  /** When it started (incidents) or was last observed (alerts, outages): ISO instant. */
  at: string;
  position: [number, number];
};

/** Camera alerts by how urgent they are (1 is reserved for incidents of severity 1). */
const CAMERA_SEVERITY: Record<string, 2 | 3> = { accident: 2, fire: 2, crowd: 3, congestion: 3 };
const clampSeverity = (s: number): 1 | 2 | 3 => (s <= 1 ? 1 : s >= 3 ? 3 : 2);

/** Open (not resolved) incidents as alarms. */
export function incidentAlarms(incidents: readonly IncidentState[] | null | undefined): Alarm[] {
  return (incidents ?? [])
    .filter((i) => i.status !== "resolved")
    .map((i) => ({ id: i.id, kind: "incident" as const, severity: clampSeverity(i.severity), type: i.type, status: i.status, at: i.startedAt, position: i.position }));
}

/** Online cameras reporting an alert, placed at the camera (null positions are skipped). */
export function cameraAlarms(features: SafetyFeatures | undefined, latest: SafetyLatest | undefined): Alarm[] {
  const cams = latest?.cameras, fc = features?.cameras;
  if (!cams || !fc) return [];
  const at = new Map(fc.ids.map((id, i) => [id, i]));
  const out: Alarm[] = [];
  cams.ids.forEach((id, k) => {
    const alert = cams.alert[k];
    const i = at.get(id);
    if (!cams.online[k] || !alert || alert === "none" || i === undefined) return;
    out.push({ id, kind: "camera", severity: CAMERA_SEVERITY[alert] ?? 3, type: alert, status: null, at: cams.observedAt[k], position: [fc.position[2 * i], fc.position[2 * i + 1]] });
  });
  return out;
}

/** Feeders in outage, placed at the middle vertex of the feeder's path. */
export function outageAlarms(features: EnergyFeatures | undefined, latest: EnergyLatest | undefined): Alarm[] {
  if (!features || !latest?.outages.length) return [];
  const f = features.feeders;
  const at = new Map(f.ids.map((id, i) => [id, i]));
  const seen = new Map(latest.feeders.ids.map((id, k) => [id, latest.feeders.observedAt[k]]));
  const out: Alarm[] = [];
  for (const id of latest.outages) {
    const i = at.get(id);
    if (i === undefined) continue;
    const v = Math.floor((f.startIndices[i] + f.startIndices[i + 1] - 1) / 2);
    out.push({ id, kind: "outage", severity: 2, type: "outage", status: null, at: seen.get(id) ?? latest.to, position: [f.path[2 * v], f.path[2 * v + 1]] });
  }
  return out;
}

/**
 * Open incidents by severity, counted from the same live answer the alarm list and the map
 * draw: the KPI tile and the list then always agree (the KPI answer alone is refreshed every
 * 15 s and would lag an incident the list already shows).
 */
export function openBySeverity(incidents: readonly IncidentState[] | null | undefined): { s1: number; s2: number; s3: number } {
  const out = { s1: 0, s2: 0, s3: 0 };
  for (const a of incidentAlarms(incidents)) out[`s${a.severity}`]++;
  return out;
}

/**
 * Newest first; at the same instant the more severe first, then by id (a stable order for
 * equal alarms). A later duplicate id is dropped (an incident reported by two layers).
 */
export function orderAlarms(alarms: readonly Alarm[]): Alarm[] {
  const seen = new Set<string>();
  const unique = alarms.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
  return unique.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.severity - b.severity || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

/**
 * Severity-1 alarms not among `known` ids: what the audible and visible cue announce. The
 * first call of a page (known = null) announces nothing: alarms already open when the page
 * loaded are shown, not rung.
 */
export function newSevere(known: ReadonlySet<string> | null, alarms: readonly Alarm[]): Alarm[] {
  if (!known) return [];
  return alarms.filter((a) => a.severity === 1 && !known.has(a.id));
}

/** Severity colours (red, orange, yellow), shared by the list, the ticker and the cue. */
export const SEVERITY_COLORS: Record<1 | 2 | 3, string> = { 1: "#ef4444", 2: "#f97316", 3: "#eab308" };
