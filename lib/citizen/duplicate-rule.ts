// Duplicate suggestions for citizen reports: which other reports probably describe the same
// problem. Pure (no database), so the rule is unit-tested on its own and the triage queue,
// the merge check and the README state one rule.
import { distanceM } from "../grants/area";

/** Reports within this distance of each other (metres, between exact points) may be one problem. */
export const DUPLICATE_RADIUS_M = 100;
/** Reports filed within this time of each other (either order) may be one problem. */
export const DUPLICATE_WINDOW_MS = 72 * 3600_000;
/** Statuses a report can be merged into: still open, or confirmed (not resolved, rejected or merged). */
export const MERGEABLE_STATUSES: readonly string[] = ["submitted", "assigned", "confirmed"];

export type DuplicateCandidate = { id: string; serviceCode: string; department: string; status: string; lon: number; lat: number; createdAt: string };
export type DuplicateSuggestion = { id: string; status: string; distanceM: number; hoursApart: number };

/**
 * Whether `other` may be a duplicate of `report`: another report of the same department and the
 * same category, open or confirmed, within DUPLICATE_RADIUS_M metres and DUPLICATE_WINDOW_MS of it.
 * The edges count (exactly 100 m, exactly 72 h are duplicates).
 */
export function isDuplicateOf(report: DuplicateCandidate, other: DuplicateCandidate): boolean {
  if (other.id === report.id) return false;
  if (other.department !== report.department || other.serviceCode !== report.serviceCode) return false;
  if (!MERGEABLE_STATUSES.includes(other.status)) return false;
  if (Math.abs(Date.parse(other.createdAt) - Date.parse(report.createdAt)) > DUPLICATE_WINDOW_MS) return false;
  return distanceM(report, other) <= DUPLICATE_RADIUS_M;
}

/** The duplicates `candidates` hold for `report`, nearest first (then closest in time). */
export function suggestDuplicates(report: DuplicateCandidate, candidates: readonly DuplicateCandidate[]): DuplicateSuggestion[] {
  return candidates
    .filter((c) => isDuplicateOf(report, c))
    .map((c) => ({
      id: c.id,
      status: c.status,
      distanceM: Math.round(distanceM(report, c)),
      hoursApart: Math.round((Math.abs(Date.parse(c.createdAt) - Date.parse(report.createdAt)) / 3600_000) * 10) / 10,
    }))
    .sort((a, b) => a.distanceM - b.distanceM || a.hoursApart - b.hoursApart);
}
