"use client";
import { MAP_LAYERS, type AccessNote, type MapLayerId } from "@/lib/api/map-specs";
import { LAYER_DATASETS } from "@/lib/map/layer-datasets";
import { useI18n } from "../i18n/i18n-provider";
import { HttpError } from "@/components/http/fetch-json";
import { basisText, deniedText, fill, noteWindowState } from "./access-text";
import type { LayerData } from "./use-map-data";

export type LayerState = "off" | "loading" | "error" | "hidden" | "partial" | "empty" | "ok";

/** What a layer shows now, for the panel and for tests (data-status). */
export function layerState(on: boolean, d: LayerData<unknown, { count: number }>, notes: AccessNote[] | undefined, layer: MapLayerId): LayerState {
  const drawn = (d.values?.count ?? 0) + (d.cells ?? 0);
  if (!on) return "off";
  const denied = (notes ?? []).filter((n) => !n.allowed && LAYER_DATASETS[layer].some((x) => x.id === n.datasetId));
  const primaryDenied = denied.some((n) => LAYER_DATASETS[layer].find((x) => x.id === n.datasetId)?.primary);
  if (d.valuesError instanceof HttpError && d.valuesError.status === 403) return "hidden";
  if (d.featuresError || d.valuesError) return "error";
  if (!d.features) return "loading";
  // Hidden only when nothing of the layer's data is drawn (cells of another dataset count).
  if (primaryDenied && drawn === 0) return "hidden";
  if (d.values && drawn === 0) return "empty";
  if (!d.values) return "loading";
  return denied.length ? "partial" : "ok";
}

export function LayerPanel(props: {
  active: ReadonlySet<MapLayerId>;
  onToggle: (l: MapLayerId) => void;
  data: Record<MapLayerId, LayerData<unknown, { count: number }>>;
  notes: AccessNote[] | undefined;
  replay: boolean;
  /** The moment shown (ms): live now or the replayed moment, against grants' data windows. */
  at: number;
}) {
  const { t, locale } = useI18n();
  const LAYERS = MAP_LAYERS;
  return (
    <div className="map-overlay layer-panel" data-testid="layer-panel">
      <div className="panel-title">{t("map.layers")}</div>
      {LAYERS.map((l) => {
        const on = props.active.has(l);
        const d = props.data[l];
        const state = layerState(on, d, props.notes, l);
        const denied = (props.notes ?? []).filter(
          (n): n is Extract<AccessNote, { allowed: false }> => !n.allowed && LAYER_DATASETS[l].some((x) => x.id === n.datasetId),
        );
        const mine = (props.notes ?? []).filter((n) => n.allowed && LAYER_DATASETS[l].some((x) => x.id === n.datasetId));
        const scoped = mine.map((n) => ({ n, text: basisText(n, t, locale), outside: noteWindowState(n, props.at) !== "inside" })).filter((x) => x.text);
        const k = mine.map((n) => (n as { k?: number }).k).find((x) => x !== undefined);
        return (
          <div key={l} className={`layer-row${on ? " on" : ""}`} data-testid={`layer-${l}`} data-status={state}>
            <label className="layer-toggle">
              <input type="checkbox" checked={on} onChange={() => props.onToggle(l)} data-testid={`layer-toggle-${l}`} />
              <span className={`layer-dot ${l}`} aria-hidden />
              <span className="layer-name">{t(`layer.${l}`)}</span>
              <span className={`layer-state ${state}`}>{state === "off" ? "" : t(`layer.state.${state}`)}</span>
            </label>
            {on && state === "error" ? <div className="layer-note">{t("layer.errorNote")}</div> : null}
            {on && state === "empty" ? <div className="layer-note">{props.replay ? t("layer.emptyReplay") : t("layer.emptyLive")}</div> : null}
            {on && state === "ok" ? (
              <div className="layer-note muted">
                {d.values?.count.toLocaleString(locale)} {t("layer.withData")}
              </div>
            ) : null}
            {on
              ? denied.map((n) => (
                  <div key={n.datasetId} className="layer-note denied" data-testid={`layer-denied-${n.datasetId}`} data-code={n.code ?? ""}>
                    {t("layer.hiddenPrefix")} {deniedText(n, t, locale)}
                  </div>
                ))
              : null}
            {on
              ? scoped.map(({ n, text, outside }) => (
                  <div key={n.datasetId} className="layer-note" data-testid={`layer-basis-${n.datasetId}`} data-scope={(n as { level?: string }).level ?? ""} data-outside={outside ? "1" : "0"}>
                    {text}
                    {outside ? <div className="muted">{props.replay ? t("mapScope.replayOutside") : t("mapScope.liveOutside")}</div> : null}
                  </div>
                ))
              : null}
            {on && k !== undefined ? <div className="layer-note muted" data-testid={`layer-suppressed-${l}`}>{fill(t("mapScope.suppressed"), { k })}</div> : null}
            {on && mine.some((n) => (n as { area?: unknown }).area) ? <div className="layer-note muted">{t("mapScope.area")}</div> : null}
          </div>
        );
      })}
    </div>
  );
}
