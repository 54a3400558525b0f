"use client";
import { useQuery } from "@tanstack/react-query";
import type { Datum } from "@/lib/provenance/datum";
import { useI18n } from "../i18n/i18n-provider";
import { CheckList } from "./check-list";
import { fetchPublishedKeys, verifyInBrowser } from "./browser-verify";

type Trail = {
  leafIndex: number;
  device: { id: string; department: string; kind: string; status: string; keyFingerprint: string; keyStillActive: boolean; registrationLeaf: number };
  timeline: { observedAt: string; receivedAt: string; integratedAt: string | null; quorumAt: string | null };
  checkpoint: { size: number; note: string } | null;
  readers: { user: string; department: string; basis: string; at: string }[];
  datum: Datum | null;
};

async function fetchTrail(leaf: number): Promise<Trail> {
  const res = await fetch(`/api/provenance/reading/${leaf}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/**
 * A reading's provenance: its trail from the server, and every check re-run here in the
 * browser with lib/ledger (WebCrypto Ed25519, SHA-256) against the city's published keys,
 * so the page proves the number without trusting the server that sent it.
 */
export function ProvenanceView({ leaf }: { leaf: number }) {
  const { t, locale } = useI18n();
  const trail = useQuery({
    queryKey: ["provenance", leaf],
    queryFn: () => fetchTrail(leaf),
    refetchInterval: (q) => (q.state.data && !q.state.data.datum ? 1500 : false),
    retry: false,
  });
  const keys = useQuery({ queryKey: ["ledger-keys"], queryFn: fetchPublishedKeys, staleTime: 60_000 });
  const verification = useQuery({
    queryKey: ["provenance-verify", leaf, trail.data?.checkpoint?.size],
    queryFn: async () => {
      const t0 = performance.now();
      const result = await verifyInBrowser(trail.data!.datum, keys.data!);
      return { ...result, ms: performance.now() - t0 };
    },
    enabled: !!trail.data?.datum && !!keys.data,
  });
  const time = (s: string | null) => (s ? new Date(s).toLocaleString(locale, { hour12: false }) : "—");

  if (trail.error) return <div className="doc-page"><p className="error-box" data-testid="prov-error">{(trail.error as Error).message}</p></div>;
  if (!trail.data) return <div className="doc-page"><p className="muted">{t("prov.loading")}</p></div>;
  const d = trail.data;
  const v = verification.data;
  return (
    <div className="doc-page provenance" data-testid="provenance">
      <h1>
        {t("prov.title")} #{d.leafIndex}
      </h1>
      {!d.datum ? (
        <p className="muted" data-testid="prov-pending">{t("prov.pending")}</p>
      ) : !v ? (
        <p className="muted">{t("prov.verifying")}</p>
      ) : (
        <section>
          <div className={v.ok ? "verdict ok" : "verdict failed"} data-testid="verdict" data-ok={v.ok} data-verify-ms={Math.round(v.ms)}>
            {v.ok ? `✓ ${t("prov.allPassed")}` : `✗ ${t("prov.someFailed")}`}
          </div>
          <h2>{t("prov.checks")}</h2>
          <CheckList checks={v.checks} />
        </section>
      )}
      <div className="prov-grid">
        <section>
          <h2>{t("prov.reading")}</h2>
          {d.datum && (
            <table className="kv">
              <tbody>
                <tr><th>{t("prov.device")}</th><td>{d.device.id} ({d.device.kind})</td></tr>
                <tr><th>{t("prov.values")}</th><td><code>{JSON.stringify(d.datum.reading.envelope.values)}</code></td></tr>
                <tr><th>{t("prov.leaf")}</th><td>{d.leafIndex}</td></tr>
                {d.datum.gateway && <tr><th>{t("prov.gateway")}</th><td>{d.datum.gateway.device}</td></tr>}
              </tbody>
            </table>
          )}
          <h2>{t("prov.device")}</h2>
          <table className="kv">
            <tbody>
              <tr><th>{t("prov.department")}</th><td>{d.device.department}</td></tr>
              <tr><th>{t("prov.keyFingerprint")}</th><td><code>{d.device.keyFingerprint}</code></td></tr>
              <tr><th>{t("prov.keyRegistered")}</th><td>{d.device.registrationLeaf}</td></tr>
              <tr><th>{t("prov.keyActive")}</th><td data-testid="key-active">{d.device.keyStillActive ? t("common.yes") : `${t("common.no")} (${d.device.status})`}</td></tr>
            </tbody>
          </table>
        </section>
        <section>
          <h2>{t("prov.timeline")}</h2>
          <table className="kv">
            <tbody>
              <tr><th>{t("prov.observed")}</th><td>{time(d.timeline.observedAt)}</td></tr>
              <tr><th>{t("prov.received")}</th><td>{time(d.timeline.receivedAt)}</td></tr>
              <tr><th>{t("prov.integrated")}</th><td>{time(d.timeline.integratedAt)}</td></tr>
              <tr><th>{t("prov.quorum")}</th><td>{time(d.timeline.quorumAt)}</td></tr>
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
            <a href={`/api/provenance/reading/${d.leafIndex}/download?as=datum`} data-testid="download-datum">{t("prov.downloadDatum")}</a>
            <a href={`/api/provenance/reading/${d.leafIndex}/download?as=receipt`}>{t("prov.downloadReceipt")}</a>
            <a href={`/api/provenance/reading/${d.leafIndex}/download?as=prov`}>{t("prov.downloadProv")}</a>
          </div>
          <p className="muted">
            {t("prov.verifyHint")} <a href="/verify">/verify</a>
          </p>
          <h2>{t("prov.readers")}</h2>
          {d.readers.length === 0 ? (
            <p className="muted">{t("prov.noReaders")}</p>
          ) : (
            <table className="kv">
              <tbody>
                {d.readers.map((r, i) => (
                  <tr key={i}><th>{time(r.at)}</th><td>{r.user} · {r.department} · {r.basis}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
