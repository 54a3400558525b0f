import type { AccessNote } from "@/lib/api/map-specs";
import type { Locale, MessageKey } from "@/lib/i18n/messages";
import { DATASETS, DEPARTMENTS } from "@/lib/city/datasets";

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
  return `${datasetName(note.datasetId, locale)} (${departmentName(note.ownerDepartmentId, locale)}): ${why}`;
}
