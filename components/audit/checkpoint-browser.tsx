"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { verifyConsistency } from "@/lib/ledger/verify";
import { fromHex } from "@/lib/ledger/encoding";
import { sha256 } from "@/lib/ledger/sha256";
import { useI18n } from "../i18n/i18n-provider";

type Cp = { size: number; root: string; createdAt: string; cosignatures: number; final: boolean };

/** Checkpoints with their cosignatures, and a consistency check between any two, run in this browser. */
export function CheckpointBrowser() {
  const { t, locale } = useI18n();
  const cps = useQuery({
    queryKey: ["checkpoints"],
    queryFn: async () => (await (await fetch("/api/ledger/checkpoints?limit=100")).json()) as { checkpoints: Cp[] },
    refetchInterval: 5000,
  });
  const [older, setOlder] = useState<number | "">("");
  const [newer, setNewer] = useState<number | "">("");
  const [result, setResult] = useState<{ ok: boolean; detail: string } | null>(null);
  const list = cps.data?.checkpoints ?? [];

  async function check() {
    setResult(null);
    try {
      const res = await fetch(`/api/ledger/proof/consistency?size1=${older}&size2=${newer}`);
      const p = await res.json();
      if (!res.ok) throw new Error(p?.error?.message ?? `HTTP ${res.status}`);
      // The roots come from the checkpoint list, the proof from the server: verify here.
      const r1 = list.find((c) => c.size === older)?.root ?? p.root1;
      const r2 = list.find((c) => c.size === newer)?.root ?? p.root2;
      verifyConsistency(sha256, p.size1, p.size2, p.proof.map(fromHex), fromHex(r1), fromHex(r2));
      setResult({ ok: true, detail: `${p.size1} → ${p.size2}, ${p.proof.length} hashes` });
    } catch (e) {
      setResult({ ok: false, detail: (e as Error).message });
    }
  }

  return (
    <section data-testid="checkpoint-browser">
      <h2>{t("audit.checkpoints")}</h2>
      <div className="filters">
        <CheckpointSelect label={t("audit.older")} value={older} onChange={setOlder} sizes={list.map((c) => c.size)} testId="cp-older" />
        <CheckpointSelect label={t("audit.newer")} value={newer} onChange={setNewer} sizes={list.map((c) => c.size)} testId="cp-newer" />
        <button type="button" className="button" disabled={older === "" || newer === ""} onClick={() => void check()} data-testid="cp-check">
          {t("audit.check")}
        </button>
      </div>
      <p className="muted">{t("audit.consistency")}</p>
      {result && (
        <div className={result.ok ? "verdict ok" : "verdict failed"} data-testid="consistency-result" data-ok={result.ok}>
          {result.ok ? `✓ ${t("audit.consistent")}` : `✗ ${t("audit.inconsistent")}`} — {result.detail}
        </div>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th>{t("audit.size")}</th>
            <th>{t("audit.root")}</th>
            <th>{t("audit.cosignatures")}</th>
            <th>{t("audit.final")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 20).map((c) => (
            <tr key={c.size}>
              <td>{c.size}</td>
              <td>
                <code>{c.root.slice(0, 16)}…</code>
              </td>
              <td>{c.cosignatures}</td>
              <td>{c.final ? "✓" : "…"}</td>
              <td className="muted">{new Date(c.createdAt).toLocaleTimeString(locale, { hour12: false })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function CheckpointSelect(props: { label: string; value: number | ""; onChange: (v: number) => void; sizes: number[]; testId: string }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))} data-testid={props.testId}>
        <option value="" />
        {props.sizes.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
