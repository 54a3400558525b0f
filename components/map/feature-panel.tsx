"use client";
import Link from "next/link";
import { useQuery, keepPreviousData } from "@tanstack/react-query";
import type { MessageKey } from "@/lib/i18n/messages";
import { DATASETS } from "@/lib/city/datasets";
import { useI18n } from "../i18n/i18n-provider";
import { featureQuery } from "./map-queries";
import { HttpError } from "./fetch-json";
import { TimeSeriesChart } from "./time-series-chart";
import { datasetName } from "./access-text";

const FACT_KEYS = new Set([
  "segment", "roadClass", "lanes", "freeFlow", "capacity", "length", "district", "substation", "profile", "meter", "voltage", "feeders",
  "source", "offshore", "heading", "stationKind", "node", "signalised", "degree", "interchange", "type", "severity", "status",
  "startedAt", "endedAt", "lanesBlocked", "reporter",
]);

function fieldLabel(datasetId: string | null, key: string, locale: string, t: (k: MessageKey) => string, kind?: string): string {
  if (key === "ratio") return t("field.ratio");
  if (kind === "substation" && key === "loadMw") return t("field.substationLoad");
  const spec = DATASETS.find((d) => d.id === datasetId)?.schema.fields[key];
  return spec ? (locale === "en" ? spec.descriptionEn : spec.descriptionZh) : key;
}
function fieldUnit(datasetId: string | null, key: string): string {
  const u = DATASETS.find((d) => d.id === datasetId)?.schema.fields[key]?.unit;
  return u && u !== "1" ? u : "";
}
function show(v: string | number | boolean, locale: string, t: (k: MessageKey) => string): string {
  if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
  if (typeof v === "number") return v.toLocaleString(locale, { maximumFractionDigits: 3 });
  if (/^\d{4}-\d\d-\d\dT/.test(v)) return new Date(v).toLocaleString(locale, { hour12: false });
  return v;
}

/**
 * The side panel of a clicked feature: what it is, its owner department, its latest
 * reading (with a link to the reading's provenance page), a 24-hour chart and its facts.
 */
export function FeaturePanel(props: { id: string; to: string | null; marker: number | null; onClose: () => void }) {
  const { t, locale } = useI18n();
  const q = useQuery({ ...featureQuery(props.id, props.to), placeholderData: keepPreviousData });
  const f = q.data && q.data.id === props.id ? q.data : undefined;
  const err = q.error;
  return (
    <aside className="map-overlay feature-panel" data-testid="feature-panel" data-feature={props.id} data-state={f ? "ok" : err ? "error" : "loading"}>
      <button className="close" onClick={props.onClose} aria-label={t("panel.close")} data-testid="feature-close">
        ×
      </button>
      {!f && !err ? <div className="muted">{t("panel.loading")}</div> : null}
      {err ? (
        <div className="panel-error" data-testid="feature-error">
          {err instanceof HttpError && err.status === 404 ? t("panel.notFound") : err instanceof HttpError && err.status === 403 ? `${t("panel.noAccess")} ${err.message}` : t("panel.error")}
        </div>
      ) : null}
      {f ? (
        <>
          <div className="panel-kind">{t(`kind.${f.kind}` as MessageKey)}</div>
          <h2 className="panel-name" data-testid="feature-name">
            {locale === "en" ? f.nameEn : f.nameZh}
          </h2>
          <div className="panel-id muted">{f.id}</div>
          <dl className="panel-owner">
            <dt>{t("panel.owner")}</dt>
            <dd data-testid="feature-owner">{locale === "en" ? f.departmentEn : f.departmentZh}</dd>
            {f.datasetId ? (
              <>
                <dt>{t("panel.dataset")}</dt>
                <dd>{datasetName(f.datasetId, locale)}</dd>
              </>
            ) : null}
          </dl>
          {f.latest ? (
            <section className="panel-latest" data-testid="feature-latest">
              <div className="panel-section">
                {t("panel.latest")} · {new Date(f.latest.observedAt).toLocaleTimeString(locale, { hour12: false })}
              </div>
              <table>
                <tbody>
                  {Object.entries(f.latest.values)
                    .filter(([k]) => !["segmentId", "incidentId", "meter"].includes(k))
                    .map(([k, v]) => (
                      <tr key={k}>
                        <th>{fieldLabel(f.datasetId, k, locale, t)}</th>
                        <td>
                          {show(v, locale, t)} {typeof v === "number" ? fieldUnit(f.datasetId, k) : ""}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
              <Link className="provenance-link" href={`/provenance/reading/${f.latest.leafIndex}`} data-testid="provenance-link">
                {t("panel.provenance")} #{f.latest.leafIndex}
              </Link>
            </section>
          ) : f.datasetId ? (
            <div className="muted">{t("panel.noReading")}</div>
          ) : (
            <div className="muted">{t("panel.static")}</div>
          )}
          {f.withheld?.length ? (
            <div className="muted" data-testid="feature-withheld" data-fields={f.withheld.join(",")}>
              {t("feature.withheld")} {f.withheld.map((k) => (f.datasetId ? fieldLabel(f.datasetId, k, locale, t, f.kind) : k)).join(locale === "en" ? ", " : "、")}
            </div>
          ) : null}
          {f.series ? (
            <section>
              <div className="panel-section">
                {t("panel.series")}: {fieldLabel(f.datasetId, f.series.fields[0].key, locale, t, f.kind)}
              </div>
              <TimeSeriesChart
                from={Date.parse(f.series.from)}
                bucketMs={f.series.bucketS * 1000}
                fields={f.series.fields.slice(0, 2).map((s) => ({ key: s.key, label: fieldLabel(f.datasetId, s.key, locale, t, f.kind), unit: s.unit, values: s.values }))}
                marker={props.marker}
                locale={locale}
                noData={t("panel.noSeries")}
              />
              {f.series.fields.length > 1 ? <div className="chart-key muted">— {fieldLabel(f.datasetId, f.series.fields[1].key, locale, t)}</div> : null}
            </section>
          ) : null}
          <dl className="panel-facts">
            {f.facts
              .filter((x) => FACT_KEYS.has(x.key))
              .map((x) => (
                <div key={x.key}>
                  <dt>{t(`fact.${x.key}` as MessageKey)}</dt>
                  <dd>
                    {show(x.value, locale, t)} {x.unit ?? ""}
                  </dd>
                </div>
              ))}
          </dl>
        </>
      ) : null}
    </aside>
  );
}
