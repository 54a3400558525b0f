import type { AccessNote } from "@/lib/api/map-specs";
import type { Locale, MessageKey } from "@/lib/i18n/messages";
import { DATASETS, DEPARTMENTS } from "@/lib/city/datasets";
import { fieldName } from "./feature-text";

/** A dataset's name in the UI language. */
export function datasetName(id: string, locale: Locale): string {
  const d = DATASETS.find((x) => x.id === id);
  return d ? (locale === "en" ? d.nameEn : d.nameZh) : id;
}

export function departmentName(id: string, locale: Locale): string {
  const d = DEPARTMENTS.find((x) => x.id === id);
  return d ? (locale === "en" ? d.nameEn : d.nameZh) : id;
}

const CODE_KEYS: Record<string, MessageKey> = {
  sign_in: "access.reason.sign_in",
  no_grant: "access.reason.no_grant",
  requested: "access.reason.requested",
  revoked: "access.reason.revoked",
  expired: "access.reason.expired",
  rejected: "access.reason.rejected",
  limited: "mapAccess.limited",
};

/** Why a dataset is hidden, in the UI language (the server's words when it has no known code). */
export function deniedText(note: Extract<AccessNote, { allowed: false }>, t: (k: MessageKey) => string, locale: Locale): string {
  const key = note.code ? CODE_KEYS[note.code] : undefined;
  const why = key ? t(key) : note.reason;
  const dataset = datasetName(note.datasetId, locale), owner = departmentName(note.ownerDepartmentId, locale);
  return locale === "en" ? `${dataset} (${owner}): ${why}` : `${dataset}（${owner}）：${why}`;
}

import { fill } from "@/lib/i18n/fill";
import { formatCityTime } from "@/lib/i18n/city-time";
export { fill };

type AllowedNote = Extract<AccessNote, { allowed: true }> & {
  level?: string;
  grantId?: string;
  fields?: string[];
  withheld?: string[];
  window?: { from: string | null; until: string | null };
  area?: { center: [number, number]; radiusM: number };
  validUntil?: string;
  incident?: string;
  k?: number;
};

const hhmm = (iso: string, locale: Locale) => formatCityTime(iso, locale, "hm");
const when = (iso: string | null, locale: Locale) => (iso ? formatCityTime(iso, locale, "short") : "…");

/**
 * What the map draws of a dataset held under a grant, in the UI language: e.g. "raw within
 * 2 km of incident inc-… until 14:05 (grant g-…)", "aggregated by hexagon, k ≥ 5 (grant …)".
 * Null for ownership and public data (drawn whole).
 */
export function basisText(note: AccessNote, t: (k: MessageKey) => string, locale: Locale): string | null {
  if (!note.allowed) return null;
  const n = note as AllowedNote;
  if (n.basis !== "grant") return null;
  const parts: string[] = [];
  if (n.level === "aggregated") parts.push(fill(t("mapScope.aggregated"), { k: n.k ?? 5 }));
  else if (n.level === "anonymized") parts.push(t("mapScope.anonymized"));
  if (n.area) {
    const km = Math.round(n.area.radiusM / 100) / 10;
    const area = n.incident
      ? fill(t("mapScope.rawAreaIncident"), { km, incident: n.incident })
      : fill(t("mapScope.rawAreaPoint"), { km, lat: n.area.center[1].toFixed(4), lon: n.area.center[0].toFixed(4) });
    parts.push(n.level === "raw" ? area : area.replace(t("mapScope.raw"), "").trim());
  } else if (n.level === "raw") parts.push(t("mapScope.raw"));
  let text = parts.join(locale === "en" ? "; " : "；");
  if (n.validUntil) text += fill(t("mapScope.until"), { time: hhmm(n.validUntil, locale) });
  if (n.fields) {
    // Field names in the UI language, lower-case inside an English sentence.
    const names = (keys: string[]) =>
      keys.map((k) => (locale === "en" ? fieldName(k, t).replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase()) : fieldName(k, t))).join(locale === "en" ? ", " : "、");
    text += (locale === "en" ? "; " : "；") + fill(t("mapScope.fields"), { fields: names(n.fields), withheld: names(n.withheld ?? []) || "—" });
  }
  if (n.window) text += (locale === "en" ? "; " : "；") + fill(t("mapScope.window"), { from: when(n.window.from, locale), until: when(n.window.until, locale) });
  if (n.grantId) text += fill(t("mapScope.grant"), { id: n.grantId });
  return `${datasetName(n.datasetId, locale)}: ${text}`;
}

/** Where moment `at` lies against a note's data window. */
export function noteWindowState(note: AccessNote, at: number): "before" | "inside" | "after" {
  const w = note.allowed ? (note as AllowedNote).window : undefined;
  if (w?.from && at < Date.parse(w.from)) return "before";
  if (w?.until && at >= Date.parse(w.until)) return "after";
  return "inside";
}
