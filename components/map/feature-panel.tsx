"use client";
import Link from "next/link";
import { useQuery, keepPreviousData } from "@tanstack/react-query";
import type { AccessNote, CitizenReportState } from "@/lib/api/map-specs";
import type { Locale, MessageKey } from "@/lib/i18n/messages";
import { DATASETS } from "@/lib/city/datasets";
import { useI18n } from "../i18n/i18n-provider";
import { featureQuery } from "./map-queries";
import { HttpError } from "@/components/http/fetch-json";
import { TimeSeriesChart } from "./time-series-chart";
import { datasetName, deniedText, departmentName, fill } from "./access-text";
import { reportAge } from "./citizen-layers";
import { fieldName, unitText, valueText } from "./feature-text";
import { formatCityTime } from "@/lib/i18n/city-time";

const FACT_KEYS = new Set([
  "segment", "roadClass", "lanes", "freeFlow", "capacity", "length", "district", "substation", "profile", "meter", "voltage", "feeders",
  "source", "offshore", "heading", "stationKind", "node", "signalised", "degree", "interchange", "type", "severity", "status",
  "startedAt", "endedAt", "lanesBlocked", "reporter",
]);

function fieldLabel(key: string, t: (k: MessageKey) => string, kind?: string): string {
  if (kind === "substation" && key === "loadMw") return t("field.substationLoad");
  return fieldName(key, t);
}
function fieldUnit(datasetId: string | null, key: string): string | undefined {
  return DATASETS.find((d) => d.id === datasetId)?.schema.fields[key]?.unit;
}
function show(v: string | number | boolean, locale: string, t: (k: MessageKey) => string, key?: string): string {
  if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
  if (typeof v === "number") return v.toLocaleString(locale, { maximumFractionDigits: 3 });
  if (/^\d{4}-\d\d-\d\dT/.test(v)) return formatCityTime(v, locale);
  return key ? valueText(key, v, t) : v;
}

/** The dataset a feature's readings belong to, from its id's prefix (for a refusal's words). */
function datasetOfFeature(id: string): string | null {
  const prefix = id.slice(0, id.indexOf("-"));
  if (prefix === "trf") return "traffic.flow";
  if (["fdr", "fdm", "sub", "ren", "prm"].includes(prefix)) return "energy.load";
  if (prefix === "cam") return "safety.cameras";
  if (prefix === "inc") return "safety.incidents";
  return null;
}

/** Why the viewer may not see a feature's details, in the UI language, from the access notes. */
function refusalText(id: string, notes: AccessNote[] | undefined, t: (k: MessageKey) => string, locale: Locale): string {
  const ds = datasetOfFeature(id);
  const note = ds ? notes?.find((n) => n.datasetId === ds) : undefined;
  if (!ds || !note) return t("panel.noAccess").replace(/[:：]$/, "");
  if (!note.allowed) return `${t("panel.noAccess")} ${deniedText(note, t, locale)}`;
  const scope = (note as { level?: string }).level ?? "raw";
  if (scope !== "raw") return fill(t("panel.cellsOnly"), { dataset: datasetName(ds, locale), scope: t(`scope.${scope}` as MessageKey) });
  return fill(t("panel.outsideArea"), { dataset: datasetName(ds, locale) });
}

/**
 * The side panel of a clicked feature: what it is, its owner department, its latest
 * reading (with a link to the reading's provenance page), a 24-hour chart and its facts.
 */
export function FeaturePanel(props: {
  id: string;
  to: string | null;
  marker: number | null;
  onClose: () => void;
  /** The viewer's access notes: a refusal says why in the UI language. */
  notes?: AccessNote[];
  /** A report of the citizen layer (its facts come from the layer's answer), with its category and the moment shown. */
  report?: CitizenReportState & { category?: { nameZh: string; nameEn: string }; at: number };
}) {
  const { t, locale } = useI18n();
  // An incident of source "citizen" (a confirmed citizen report) has its own public page, not feature details.
  const citizenReport = props.id.startsWith("citizen-") ? props.id.slice("citizen-".length) : null;
  const q = useQuery({ ...featureQuery(props.id, props.to), placeholderData: keepPreviousData, enabled: !citizenReport });
  const err = q.error;
  // A refused refetch (a grant revoked while the panel is open) keeps TanStack's previous
  // answer: never show it, the panel says why instead.
  const refused = err instanceof HttpError && (err.status === 403 || err.status === 404);
  const f = q.data && q.data.id === props.id && !refused ? q.data : undefined;
  return (
    <aside className="map-overlay feature-panel" data-testid="feature-panel" data-feature={props.id} data-state={f ? "ok" : err ? "error" : "loading"}>
      <button className="close" onClick={props.onClose} aria-label={t("panel.close")} data-testid="feature-close">
        ×
      </button>
      {citizenReport && props.report ? (
        <CitizenReportFacts report={props.report} />
      ) : citizenReport ? (
        <div data-testid="feature-citizen">
          <div className="panel-kind">{t("kpi.reports")}</div>
          <a href={`/report/${citizenReport}`}>{t("report.viewPublic")}</a>
        </div>
      ) : null}
      {!f && !err && !citizenReport ? <div className="muted">{t("panel.loading")}</div> : null}
      {err ? (
        <div className="panel-error" data-testid="feature-error">
          {err instanceof HttpError && err.status === 404 ? t("panel.notFound") : err instanceof HttpError && err.status === 403 ? refusalText(props.id, props.notes, t, locale) : t("panel.error")}
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
                {t("panel.latest")} · {formatCityTime(f.latest.observedAt, locale, "time")}
              </div>
              <table>
                <tbody>
                  {Object.entries(f.latest.values)
                    .filter(([k]) => !["segmentId", "incidentId", "meter"].includes(k))
                    .map(([k, v]) => (
                      <tr key={k}>
                        <th>{fieldLabel(k, t)}</th>
                        <td>
                          {show(v, locale, t, k)} {typeof v === "number" ? unitText(fieldUnit(f.datasetId, k), t) : ""}
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
              {t("feature.withheld")} {f.withheld.map((k) => fieldLabel(k, t, f.kind)).join(locale === "en" ? ", " : "、")}
            </div>
          ) : null}
          {f.series ? (
            <section>
              <div className="panel-section">
                {t("panel.series")}: {fieldLabel(f.series.fields[0].key, t, f.kind)}
              </div>
              <TimeSeriesChart
                from={Date.parse(f.series.from)}
                bucketMs={f.series.bucketS * 1000}
                fields={f.series.fields.slice(0, 2).map((s) => ({ key: s.key, label: fieldLabel(s.key, t, f.kind), unit: unitText(s.unit, t) || "1", values: s.values }))}
                marker={props.marker}
                locale={locale}
                noData={t("panel.noSeries")}
              />
              {f.series.fields.length > 1 ? <div className="chart-key muted">— {fieldLabel(f.series.fields[1].key, t)}</div> : null}
            </section>
          ) : null}
          <dl className="panel-facts">
            {f.facts
              // What the latest reading already shows (an incident's type, status, times) is not repeated.
              .filter((x) => FACT_KEYS.has(x.key) && f.latest?.values[x.key] !== x.value)
              .map((x) => (
                <div key={x.key}>
                  <dt>{t(`fact.${x.key}` as MessageKey)}</dt>
                  <dd>
                    {x.nameZh ? (locale === "en" ? (x.nameEn ?? x.nameZh) : x.nameZh) : show(x.value, locale, t, x.key)} {unitText(x.unit, t)}
                  </dd>
                </div>
              ))}
          </dl>
        </>
      ) : null}
    </aside>
  );
}

/**
 * A report of the citizen layer: what its public page shows (category, status, when the
 * owning department confirmed it, the coarsened position), a link to that page and the ledger
 * receipt of the report (verifiable on /verify).
 */
function CitizenReportFacts({ report: r }: { report: NonNullable<Parameters<typeof FeaturePanel>[0]["report"]> }) {
  const { t, locale } = useI18n();
  const age = reportAge(r.confirmedAt, r.at);
  return (
    <div data-testid="feature-citizen" data-report={r.id} data-category={r.serviceCode}>
      <div className="panel-kind">{t("layer.citizen")}</div>
      <h2 className="panel-name" data-testid="feature-name">
        {r.category ? (locale === "en" ? r.category.nameEn : r.category.nameZh) : r.serviceCode}
      </h2>
      <div className="panel-id muted" data-testid="citizen-report-id">{r.id}</div>
      <dl className="panel-owner">
        <dt>{t("citizenLayer.status")}</dt>
        <dd data-testid="citizen-report-status">
          {t("report.status.confirmed")} · {t(`citizenLayer.age.${age}`)}
        </dd>
        <dt>{t("citizenLayer.owner")}</dt>
        <dd data-testid="feature-owner">{departmentName(r.department, locale)}</dd>
      </dl>
      <div>{fill(t("citizenLayer.confirmedAt"), { time: formatCityTime(r.confirmedAt, locale) })}</div>
      <div className="muted" data-testid="citizen-report-position">
        {r.position[1].toFixed(3)}, {r.position[0].toFixed(3)} · {t("citizenLayer.exact")}
      </div>
      <div style={{ display: "flex", flexDirection: "column", gap: 4, marginTop: 8 }}>
        <a href={`/report/${r.id}`} data-testid="citizen-report-page">{t("report.viewPublic")}</a>
        <a href={`/api/citizen/reports/${r.id}/receipt?leaf=${r.leafIndex}`} download={`report-${r.id}-${r.leafIndex}.receipt.json`} data-testid="citizen-report-proof">
          {fill(t("citizenLayer.proof"), { leaf: String(r.leafIndex) })}
        </a>
      </div>
    </div>
  );
}
