import type { MessageKey } from "@/lib/i18n/messages";

type T = (k: MessageKey) => string;

/**
 * A reading field's name in the UI language (`field.<key>`), the key itself when no
 * message names it. The dataset schema's descriptions state constraints ("never above
 * free-flow speed") and are no labels.
 */
export function fieldName(key: string, t: T): string {
  const s: string | undefined = t(`field.${key}` as MessageKey);
  return s ?? key;
}

/** A unit in the UI language (辆/时 for veh/h); "1" (a ratio) shows none. */
export function unitText(unit: string | undefined, t: T): string {
  if (!unit || unit === "1") return "";
  const s: string | undefined = t(`unit.${unit}` as MessageKey);
  return s ?? unit;
}

/** A coded value (road class, incident type, status, …) in the UI language; other values as they are. */
export function valueText(key: string, value: string, t: T): string {
  const s: string | undefined = t(`value.${key}.${value}` as MessageKey);
  return s ?? value;
}
