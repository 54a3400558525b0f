"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { verifyConsistency } from "@/lib/ledger/verify";
import { fromHex } from "@/lib/ledger/encoding";
import { sha256 } from "@/lib/ledger/sha256";
import { fetchJson } from "@/components/http/fetch-json";
import { useI18n } from "../i18n/i18n-provider";
import { formatCityTime } from "@/lib/i18n/city-time";
import { causeOf, note, renderNote } from "@/lib/provenance/check-note";
import { cityInputIso } from "@/lib/i18n/city-time";
import { TableHead } from "@/components/ui/table-head";

type Cp = { size: number; root: string; createdAt: string; cosignatures: number; final: boolean };

const PAGE = 25;

/**
 * Checkpoints by size and time, a page at a time (the newest page refreshes; older pages stay
 * put), each linking to its own page; and a consistency check between any two sizes, run in
 * this browser. The sizes are typed or taken from a row, so a refresh never drops a choice.
 */
export function CheckpointBrowser() {
  const { t, locale } = useI18n();
  // Pages visited, newest first: each page's `before` cursor (undefined: the newest).
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [at, setAt] = useState("");
  const before = cursors[cursors.length - 1];
  const cps = useQuery({
    queryKey: ["checkpoints", before, at],
    queryFn: async () => {
      const p = new URLSearchParams({ limit: String(PAGE) });
      if (before !== undefined) p.set("before", String(before));
      if (at && cityInputIso(at)) p.set("at", cityInputIso(at)!);
      return fetchJson<{ checkpoints: Cp[] }>(`/api/ledger/checkpoints?${p}`);
    },
    refetchInterval: before === undefined && !at ? 5000 : false,
  });
  const [older, setOlder] = useState("");
  const [newer, setNewer] = useState("");
  const [result, setResult] = useState<{ ok: boolean; detail: string } | null>(null);
  const [checking, setChecking] = useState(false);
  const list = cps.data?.checkpoints ?? [];
  const o = older === "" ? NaN : Number(older);
  const n = newer === "" ? NaN : Number(newer);
  const inputProblem = Number.isNaN(o) || Number.isNaN(n) ? t("audit.pickSizes") : o >= n ? t("audit.wrongOrder") : null;

  async function check() {
    setResult(null);
    setChecking(true);
    try {
      const p = await fetchJson<{ size1: number; size2: number; root1: string; root2: string; proof: string[] }>(`/api/ledger/proof/consistency?size1=${o}&size2=${n}`);
      // The roots come with the proof; the proof is verified here against them.
      verifyConsistency(sha256, p.size1, p.size2, p.proof.map(fromHex), fromHex(p.root1), fromHex(p.root2));
      setResult({ ok: true, detail: `${p.size1.toLocaleString(locale)} → ${p.size2.toLocaleString(locale)}, ${t("audit.hashes").replace("{n}", String(p.proof.length))}` });
    } catch (e) {
      setResult({ ok: false, detail: renderNote(note("audit.consistencyFailed", undefined, causeOf(e)), t, locale === "en") });
    } finally {
      setChecking(false);
    }
  }

  return (
    <section data-testid="checkpoint-browser">
      <h2>{t("audit.checkpoints")}</h2>
      <p className="muted">{t("audit.consistency")}</p>
      <div className="filters">
        <label>
          {t("audit.older")}
          <input inputMode="numeric" value={older} onChange={(e) => (setOlder(e.target.value.replace(/\D/g, "")), setResult(null))} data-testid="cp-older" />
        </label>
        <label>
          {t("audit.newer")}
          <input inputMode="numeric" value={newer} onChange={(e) => (setNewer(e.target.value.replace(/\D/g, "")), setResult(null))} data-testid="cp-newer" />
        </label>
        <button type="button" className="button" disabled={inputProblem !== null || checking} onClick={() => void check()} data-testid="cp-check">
          {t("audit.check")}
        </button>
      </div>
      {inputProblem && (older !== "" || newer !== "") && (
        <p className="muted" data-testid="cp-input-warning">
          {inputProblem}
        </p>
      )}
      {result && (
        <div className={result.ok ? "verdict ok" : "verdict failed"} data-testid="consistency-result" data-ok={result.ok}>
          {result.ok ? `✓ ${t("audit.consistent")}` : `✗ ${t("audit.inconsistent")}`} — {result.detail}
        </div>
      )}
      <div className="filters">
        <label>
          {t("audit.atTime")}
          <input type="datetime-local" value={at} onChange={(e) => (setAt(e.target.value), setCursors([undefined]))} data-testid="cp-at" />
        </label>
        <button type="button" className="button secondary" disabled={cursors.length === 1 && !at} onClick={() => (setAt(""), setCursors([undefined]))} data-testid="cp-newest">
          {t("audit.newest")}
        </button>
        <button type="button" className="button secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="cp-newer-page">
          {t("audit.newerPage")}
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={list.length < PAGE}
          onClick={() => setCursors([...cursors, list[list.length - 1].size])}
          data-testid="cp-older-page"
        >
          {t("audit.olderPage")}
        </button>
      </div>
      {cps.data && list.length === 0 && (
        <p className="muted" data-testid="cp-none">
          {t("audit.noCheckpoints")}
        </p>
      )}
      <table className="data-table" data-testid="checkpoint-list">
        <TableHead headings={[t("audit.size"), t("audit.root"), t("audit.cosignatures"), t("audit.final"), t("audit.sequenced"), null]} />
        <tbody>
          {list.map((c) => (
            <tr key={c.size}>
              <td>
                <a href={`/audit/checkpoints/${c.size}`}>{c.size.toLocaleString(locale)}</a>
              </td>
              <td>
                <code>{c.root.slice(0, 16)}…</code>
              </td>
              <td>{c.cosignatures}</td>
              <td>{c.final ? "✓" : "…"}</td>
              <td className="muted">{formatCityTime(c.createdAt, locale)}</td>
              <td>
                <button type="button" className="link-button" onClick={() => (setOlder(String(c.size)), setResult(null))} data-testid="cp-use-older">
                  {t("audit.useOlder")}
                </button>{" "}
                <button type="button" className="link-button" onClick={() => (setNewer(String(c.size)), setResult(null))} data-testid="cp-use-newer">
                  {t("audit.useNewer")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
