"use client";
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { useKeptCheckpoint } from "./kept-checkpoint";
import { TableHead } from "@/components/ui/table-head";

type Run = {
  id: number;
  finishedAt: string | null;
  done: number;
  total: number;
  error: string | null;
  sinceSize: number | null;
  report: null | {
    ok: boolean;
    leaves: number;
    readings: number;
    checkpoints: number;
    cosignatures: number;
    seconds: number;
    discrepancyCount: number;
    discrepancies: { table: string; id: string; leafIndex: number | null; what: string }[];
  };
};

/** Runs the full audit on the server with live progress, and shows its report. */
export function FullAudit() {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [kept] = useKeptCheckpoint();
  const [useKept, setUseKept] = useState(true);
  const [startError, setStartError] = useState<string | null>(null);
  const latest = useQuery({
    queryKey: ["audit-run"],
    queryFn: async () => {
      const res = await fetch("/api/audit/runs/latest");
      if (res.status === 401 || res.status === 403) return { forbidden: true as const };
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as { run: Run | null };
    },
    refetchInterval: (q) => {
      const d = q.state.data;
      return d && "run" in d && d.run && !d.run.finishedAt ? 500 : false;
    },
  });
  const data = latest.data;
  if (data && "forbidden" in data) {
    return (
      <section>
        <h2>{t("audit.full")}</h2>
        <p className="muted" data-testid="audit-sign-in">{t("audit.signInNeeded")}</p>
      </section>
    );
  }
  const run = data?.run ?? null;
  const running = !!run && !run.finishedAt;
  const start = async () => {
    setStartError(null);
    const res = await fetch("/api/audit/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(kept && useKept ? { since: kept.note } : {}),
    });
    const body = (await res.json().catch(() => null)) as (Run & { error?: { message?: string } }) | null;
    if (!res.ok) setStartError(body?.error?.message ?? `HTTP ${res.status}`);
    // The new run at once (running, no report): the previous result must not linger.
    else if (body) qc.setQueryData(["audit-run"], { run: body });
    await qc.invalidateQueries({ queryKey: ["audit-run"] });
  };
  return (
    <section data-testid="full-audit">
      <h2>{t("audit.full")}</h2>
      <button type="button" className="button" disabled={running} onClick={() => void start()} data-testid="audit-run">
        {running ? t("audit.running") : t("audit.run")}
      </button>
      {kept && (
        <label className="inline-check">
          <input type="checkbox" checked={useKept} onChange={(e) => setUseKept(e.target.checked)} data-testid="audit-use-kept" />{" "}
          {t("audit.sinceOption").replace("{size}", kept.size.toLocaleString(locale))}
        </label>
      )}
      {startError && <p className="error-box">{startError}</p>}
      {run && running && (
        <div className="progress" data-testid="audit-progress">
          <div className="progress-bar" style={{ width: `${run.total ? (100 * run.done) / run.total : 0}%` }} />
          <span>
            {run.done.toLocaleString()} / {run.total.toLocaleString()}
          </span>
        </div>
      )}
      {run?.error && <p className="error-box">{run.error}</p>}
      {run?.report && (
        <div data-testid="audit-report" data-ok={run.report.ok}>
          <div className={run.report.ok ? "verdict ok" : "verdict failed"}>
            {run.report.ok ? `✓ ${t("audit.ok")}` : `✗ ${t("audit.failed")} (${run.report.discrepancyCount})`}
          </div>
          <p className="muted">
            {[
              `${run.report.leaves.toLocaleString()} ${t("audit.leaves")}`,
              `${run.report.readings.toLocaleString()} ${t("audit.readings")}`,
              `${run.report.checkpoints.toLocaleString()} ${t("audit.checkpoints")}`,
              `${run.report.cosignatures.toLocaleString()} ${t("audit.cosigs")}`,
              `${run.report.seconds.toFixed(1)} s`,
              ...(run.sinceSize !== null ? [t("audit.sinceChecked").replace("{size}", run.sinceSize.toLocaleString(locale))] : []),
            ].join(" · ")}
          </p>
          {run.report.discrepancies.length > 0 && (
            <table className="data-table">
              <TableHead headings={[t("audit.table"), t("audit.row"), t("audit.leaf"), t("audit.what")]} />
              <tbody>
                {run.report.discrepancies.map((d, i) => (
                  <tr key={i}>
                    <td>{d.table}</td>
                    <td>{d.id}</td>
                    <td>{d.leafIndex ?? "—"}</td>
                    <td>{d.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
