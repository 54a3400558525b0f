"use client";
import { MAP_LAYERS, type AccessNote, type MapLayerId } from "@/lib/api/map-specs";
import { DATASETS } from "@/lib/city/datasets";
import { LAYER_DATASETS } from "@/lib/map/layer-datasets";
import { useI18n } from "../i18n/i18n-provider";
import { datasetName, fill } from "./access-text";
import styles from "./ops.module.css";

type Denied = Extract<AccessNote, { allowed: false }>;

/** The least detail that still serves a map layer, by the dataset's sensitivity. */
export function suggestedScope(datasetId: string): "raw" | "anonymized" | "aggregated" {
  const s = DATASETS.find((d) => d.id === datasetId)?.sensitivity;
  return s === "confidential" ? "aggregated" : s === "restricted" ? "anonymized" : "raw";
}

/** Codes under which asking again makes sense (not while a request is pending). */
const ASKABLE = new Set(["no_grant", "revoked", "expired", "rejected", "limited", undefined]);

/** The grants page's request form, prefilled: dataset, suggested scope and purpose. */
export function requestAccessHref(datasetId: string, purpose: string): string {
  const q = new URLSearchParams({ request: datasetId, scope: suggestedScope(datasetId), purpose });
  return `/admin/grants?${q.toString()}#request-form`;
}

/** A link to ask for access to a hidden dataset; none for guests (sign in first) or a pending request. */
export function RequestAccessLink(props: { note: Denied; layer: MapLayerId }) {
  const { t } = useI18n();
  if (!ASKABLE.has(props.note.code) || props.note.code === "sign_in") return null;
  const purpose = fill(t("request.purpose"), { layer: t(`layer.${props.layer}`) });
  return (
    <a className={styles.requestButton} href={requestAccessHref(props.note.datasetId, purpose)} data-testid={`request-access-${props.note.datasetId}`}>
      {t("request.button")}
    </a>
  );
}

/** The hidden datasets of the layers that are on, each with its request button. */
export function RequestAccess(props: { notes: AccessNote[] | undefined; active: ReadonlySet<MapLayerId> }) {
  const { locale } = useI18n();
  const rows: { note: Denied; layer: MapLayerId }[] = [];
  const seen = new Set<string>();
  for (const layer of MAP_LAYERS) {
    if (!props.active.has(layer)) continue;
    for (const n of props.notes ?? []) {
      if (n.allowed || seen.has(n.datasetId) || !LAYER_DATASETS[layer].some((d) => d.id === n.datasetId)) continue;
      if (!ASKABLE.has(n.code) || n.code === "sign_in") continue;
      seen.add(n.datasetId);
      rows.push({ note: n, layer });
    }
  }
  if (!rows.length) return null;
  return (
    <div className={`map-overlay ${styles.requestList}`} data-testid="request-access">
      {rows.map(({ note, layer }) => (
        <div key={note.datasetId} className={styles.requestRow}>
          <span title={datasetName(note.datasetId, locale)}>{datasetName(note.datasetId, locale)}</span>
          <RequestAccessLink note={note} layer={layer} />
        </div>
      ))}
    </div>
  );
}
