"use client";
import { useQuery } from "@tanstack/react-query";
import type { ReadingTrail } from "@/lib/provenance/get-reading-trail";
import { en, type MessageKey } from "@/lib/i18n/messages";
import { fill } from "@/lib/i18n/fill";
import { formatCityTime } from "@/lib/i18n/city-time";
import { DEVICE_KINDS } from "@/lib/devices/device-kinds";
import { departmentName } from "@/components/map/access-text";
import { useI18n } from "../i18n/i18n-provider";
import { CheckList } from "./check-list";
import { fetchPublishedKeys, verifyTrailInBrowser } from "./browser-verify";

async function fetchTrail(leaf: number): Promise<ReadingTrail> {
  const res = await fetch(`/api/provenance/reading/${leaf}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

const DOWNLOADS = [
  ["datum", "prov.downloadDatum"],
  ["receipt", "prov.downloadReceipt"],
  ["prov", "prov.downloadProv"],
] as const;

/**
 * A reading's provenance: its trail from the server, and the checks its viewer's grant
 * allows re-run here in the browser with lib/ledger (WebCrypto Ed25519, SHA-256) against the
 * city's published keys, so the page proves what it shows without trusting the server that
 * sent it. What the grant withholds is said, and its checks are shown as withheld.
 */
export function ProvenanceView({ leaf }: { leaf: number }) {
  const { t, locale } = useI18n();
  const trail = useQuery({
    queryKey: ["provenance", leaf],
    queryFn: () => fetchTrail(leaf),
    refetchInterval: (q) => (q.state.data && !q.state.data.ledgerProof ? 1500 : false),
    retry: false,
  });
  const keys = useQuery({ queryKey: ["ledger-keys"], queryFn: fetchPublishedKeys, staleTime: 60_000 });
  const verification = useQuery({
    queryKey: ["provenance-verify", leaf, trail.data?.checkpoint?.size],
    queryFn: async () => {
      const t0 = performance.now();
      const result = await verifyTrailInBrowser(trail.data!, keys.data!);
      return result && { ...result, ms: performance.now() - t0 };
    },
    enabled: !!trail.data?.ledgerProof && !!keys.data,
  });
  const time = (s: string | null) => (s ? formatCityTime(s, locale) : "—");
  /** A code in words when the messages have it (device kinds, statuses, read bases), else as it is. */
  const word = (prefix: string, code: string) => (`${prefix}${code}` in en ? t(`${prefix}${code}` as MessageKey) : code);
  const kindWord = (kind: string) => ((DEVICE_KINDS as readonly string[]).includes(kind) ? t(`deviceKind.${kind}` as MessageKey) : kind);
  /** A reader's basis ("ownership", "grant grt_…"): its kind in words, a grant's id as it is. */
  const basisText = (basis: string) => {
    const [kind, ...rest] = basis.split(" ");
    return [word("access.", kind), ...rest].join(" ");
  };
  // The server's explanations of what a grant withholds are English; the page says the same in its own words.
  const englishTitle = (s: string | null | undefined) => (locale === "en" ? (s ?? undefined) : undefined);

  if (trail.error) return <div className="doc-page"><p className="error-box" data-testid="prov-error">{(trail.error as Error).message}</p></div>;
  if (!trail.data) return <div className="doc-page"><p className="muted">{t("prov.loading")}</p></div>;
  const d = trail.data;
  const v = verification.data;
  const disclosure = d.disclosure;
  const scopeName = t(`scope.${disclosure.scope}` as MessageKey);
  const shown = d.datum ?? d.partialDatum;
  const withheldChecks = v?.checks.filter((c) => c.withheld).length ?? 0;
  return (
    <div className="doc-page provenance" data-testid="provenance">
      <h1>
        {t("prov.title")} #{d.leafIndex}
      </h1>
      {disclosure.level !== "full" && (
        <p className="kpi-note" data-testid="prov-disclosure" data-level={disclosure.level} data-scope={disclosure.scope} title={englishTitle(disclosure.reason)}>
          {disclosure.level === "fields"
            ? fill(t("prov.fieldsNote"), { fields: disclosure.withheldFields.join(", ") })
            : fill(t("prov.ledgerNote"), { scope: scopeName })}
        </p>
      )}
      {!d.ledgerProof ? (
        <p className="muted" data-testid="prov-pending">{t("prov.pending")}</p>
      ) : !v ? (
        <p className="muted">{t("prov.verifying")}</p>
      ) : (
        <section>
          <div className={v.ok ? "verdict ok" : "verdict failed"} data-testid="verdict" data-ok={v.ok} data-withheld={withheldChecks} data-verify-ms={Math.round(v.ms)}>
            {v.ok ? `✓ ${withheldChecks ? `${t("prov.allowedPassed")} · ${withheldChecks} ${t("prov.withheldCount")}` : t("prov.allPassed")}` : `✗ ${t("prov.someFailed")}`}
          </div>
          <h2>{t("prov.checks")}</h2>
          <CheckList checks={v.checks} />
        </section>
      )}
      <div className="prov-grid">
        <section>
          <h2>{t("prov.reading")}</h2>
          <table className="kv">
            <tbody>
              <tr><th>{t("prov.leaf")}</th><td>{d.leafIndex}</td></tr>
              {d.ledgerProof && <tr><th>{t("prov.leafHash")}</th><td><code>{d.ledgerProof.leafHash}</code></td></tr>}
              <tr><th>{t("prov.device")}</th><td data-testid="prov-device">{d.device ? `${d.device.id} (${kindWord(d.device.kind)})` : <span className="muted">{t("prov.withheld")}</span>}</td></tr>
              <tr>
                <th>{t("prov.values")}</th>
                <td data-testid="prov-values">
                  {shown ? <code>{JSON.stringify(shown.reading.envelope.values)}</code> : d.device ? "—" : <span className="muted">{t("prov.withheld")}</span>}
                  {disclosure.withheldFields.length > 0 && <span className="muted"> · {t("prov.withheld")}: {disclosure.withheldFields.join(", ")}</span>}
                </td>
              </tr>
              {shown?.gateway && <tr><th>{t("prov.gateway")}</th><td>{shown.gateway.device}</td></tr>}
            </tbody>
          </table>
          {d.device && (
            <>
              <h2>{t("prov.device")}</h2>
              <table className="kv">
                <tbody>
                  <tr><th>{t("prov.department")}</th><td>{departmentName(d.device.department, locale)}</td></tr>
                  <tr><th>{t("prov.keyFingerprint")}</th><td><code>{d.device.keyFingerprint}</code></td></tr>
                  <tr><th>{t("prov.keyRegistered")}</th><td>{d.device.registrationLeaf}</td></tr>
                  <tr><th>{t("prov.keyActive")}</th><td data-testid="key-active">{d.device.keyStillActive ? t("common.yes") : `${t("common.no")} (${word("status.", d.device.status)})`}</td></tr>
                </tbody>
              </table>
            </>
          )}
        </section>
        <section>
          <h2>{t("prov.timeline")}</h2>
          <table className="kv">
            <tbody>
              {d.timeline.observedWithin ? (
                <tr><th>{t("prov.observedWithin")}</th><td>{time(d.timeline.observedWithin.from)} – {time(d.timeline.observedWithin.until)}</td></tr>
              ) : (
                <>
                  <tr><th>{t("prov.observed")}</th><td>{time(d.timeline.observedAt)}</td></tr>
                  <tr><th>{t("prov.received")}</th><td>{time(d.timeline.receivedAt)}</td></tr>
                  <tr><th>{t("prov.integrated")}</th><td>{time(d.timeline.integratedAt)}</td></tr>
                  <tr><th>{t("prov.quorum")}</th><td>{time(d.timeline.quorumAt)}</td></tr>
                </>
              )}
            </tbody>
          </table>
          {d.checkpoint && (
            <>
              <h2>{t("prov.checkpoint")} ({d.checkpoint.size})</h2>
              <pre className="note" data-testid="checkpoint-note">{d.checkpoint.note}</pre>
              {v?.cosignedBy && (
                <p className="muted">
                  {t("prov.witnesses")}: {v.cosignedBy.join(", ")}
                </p>
              )}
            </>
          )}
          <h2>{t("prov.download")}</h2>
          <div className="downloads">
            {DOWNLOADS.map(([as, label]) => {
              const refused = as === "receipt" ? undefined : disclosure.refused[as];
              return refused ? (
                <span key={as} className="muted" title={englishTitle(refused)} data-testid={`download-${as}-refused`}>
                  {t(label)}: {t("prov.downloadRefused")}
                </span>
              ) : (
                <a key={as} href={`/api/provenance/reading/${d.leafIndex}/download?as=${as}`} data-testid={`download-${as}`}>
                  {t(label)}
                </a>
              );
            })}
          </div>
          <p className="muted">
            {t("prov.verifyHint")} <a href="/verify">/verify</a>
          </p>
          <h2>{t("prov.readers")}</h2>
          {d.readers.names === null ? (
            <p className="muted" data-testid="readers-count">
              {d.readers.count.toLocaleString(locale)} {t("prov.readersCount")}
            </p>
          ) : d.readers.names.length === 0 ? (
            <p className="muted">{t("prov.noReaders")}</p>
          ) : (
            <table className="kv" data-testid="readers">
              <tbody>
                {d.readers.names.map((r, i) => (
                  <tr key={i}><th>{time(r.at)}</th><td>{r.user === "guest" ? t("accesslog.guest") : r.user} · {r.department === "—" ? r.department : departmentName(r.department, locale)} · {basisText(r.basis)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
