import type { MessageKey } from "@/lib/i18n/messages";

/**
 * The fields of a ledger entry in the order a reader wants them, each with its localized
 * label: who and what first (action, device, grant, parties), then the rest; `kind` is shown
 * apart. Values are strings: nested objects (a grant's area, a gateway) as compact JSON.
 */
const ORDER = ["action", "device", "grant", "rule", "account", "batch", "report", "reporter", "from", "to", "dataset", "department", "role", "scope", "fields", "seq", "observedAt", "validFrom", "validUntil", "dataFrom", "dataUntil", "count", "amount", "by", "at", "reason", "commitment"];

export const ENTRY_FIELD_LABELS: Record<string, MessageKey> = {
  action: "entryField.action",
  device: "entryField.device",
  grant: "entryField.grant",
  rule: "entryField.rule",
  account: "entryField.account",
  batch: "entryField.batch",
  report: "entryField.report",
  reporter: "entryField.reporter",
  from: "entryField.from",
  to: "entryField.to",
  dataset: "entryField.dataset",
  department: "entryField.department",
  role: "entryField.role",
  scope: "entryField.scope",
  fields: "entryField.fields",
  seq: "entryField.seq",
  observedAt: "entryField.observedAt",
  validFrom: "entryField.validFrom",
  validUntil: "entryField.validUntil",
  dataFrom: "entryField.dataFrom",
  dataUntil: "entryField.dataUntil",
  count: "entryField.count",
  amount: "entryField.amount",
  by: "entryField.by",
  at: "entryField.at",
  reason: "entryField.reason",
  commitment: "entryField.commitment",
  payloadHash: "entryField.payloadHash",
  signature: "entryField.signature",
  gateway: "entryField.gateway",
  publicKey: "entryField.publicKey",
  purposeHash: "entryField.purposeHash",
  definitionHash: "entryField.definitionHash",
  events: "entryField.events",
  disabled: "entryField.disabled",
  locationCell: "entryField.locationCell",
  mediaHash: "entryField.mediaHash",
  descriptionHash: "entryField.descriptionHash",
  serviceCode: "entryField.serviceCode",
  automatic: "entryField.automatic",
  area: "entryField.area",
};

export type EntryField = { key: string; value: string };

export function entryFields(entry: Record<string, unknown>): EntryField[] {
  const keys = Object.keys(entry).filter((k) => k !== "kind");
  const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((key) => {
    const v = entry[key];
    return { key, value: typeof v === "string" ? v : Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join(", ") : JSON.stringify(v) };
  });
}

/** The few fields that say what an entry is about, for a row of search results. */
export function entryHeadline(entry: Record<string, unknown>): EntryField[] {
  return entryFields(entry).filter((f) => ORDER.indexOf(f.key) >= 0 && ORDER.indexOf(f.key) <= ORDER.indexOf("scope")).slice(0, 5);
}
