"use client";
import { useCallback, useEffect, useState } from "react";
import { webCryptoEd25519 } from "@/lib/ledger/ed25519";
import { fromHex } from "@/lib/ledger/encoding";
import { sha256 } from "@/lib/ledger/sha256";
import { checkKeptCheckpoint, type KeptVerdict } from "@/lib/ledger/kept-checkpoint";
import { parseCheckpoint } from "@/lib/ledger/checkpoint";
import { fetchPublishedKeys } from "../provenance/browser-verify";
import type { MessageKey } from "@/lib/i18n/messages";
import { fetchJson } from "@/components/http/fetch-json";
import { useI18n } from "../i18n/i18n-provider";
import { formatCityTime } from "@/lib/i18n/city-time";

/** A checkpoint the auditor kept in this browser: the note as the log signed it, and when it was kept. */
export type Kept = { note: string; keptAt: string; size: number };

const STORAGE = "citybrain.audit.keptCheckpoint";
const CHANGED = "citybrain-kept-checkpoint";

function readKept(): Kept | null {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE) ?? "null") as Kept | null;
    return v && typeof v.note === "string" ? v : null;
  } catch {
    return null;
  }
}

/** The kept checkpoint, shared by the panels of the audit page (and other tabs). */
export function useKeptCheckpoint(): [Kept | null, (k: Kept | null) => void] {
  const [kept, setKeptState] = useState<Kept | null>(null);
  useEffect(() => {
    const sync = () => setKeptState(readKept());
    sync();
    window.addEventListener(CHANGED, sync);
    window.addEventListener("storage", sync);
    return () => {
      window.removeEventListener(CHANGED, sync);
      window.removeEventListener("storage", sync);
    };
  }, []);
  const setKept = useCallback((k: Kept | null) => {
    if (k) localStorage.setItem(STORAGE, JSON.stringify(k));
    else localStorage.removeItem(STORAGE);
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return [kept, setKept];
}

/** The log's current signed checkpoint, as any tlog client reads it. */
async function currentNote(): Promise<string> {
  const res = await fetch("/ledger/checkpoint", { cache: "no-store" });
  if (!res.ok) throw new Error(`/ledger/checkpoint: HTTP ${res.status}`);
  return res.text();
}

/**
 * Checks in this browser that the log extends a checkpoint the auditor kept (or pastes):
 * both notes' signatures against the log's key, the sizes, and the consistency proof between
 * them. A log rolled back or rewritten since cannot pass, whatever the server's own audit says.
 */
export function KeptCheckpoint() {
  const { t, locale } = useI18n();
  const [kept, setKept] = useKeptCheckpoint();
  const [pasted, setPasted] = useState("");
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<KeptVerdict | { ok: false; reason: "error"; message: string; keptSize?: undefined; currentSize?: undefined } | null>(null);

  async function check(note: string) {
    setBusy(true);
    setVerdict(null);
    try {
      const keys = await fetchPublishedKeys();
      const v = await checkKeptCheckpoint({
        hasher: sha256,
        ed25519: webCryptoEd25519(),
        logVerifierKey: keys.logVerifierKey,
        origin: keys.origin,
        kept: note,
        current: await currentNote(),
        consistencyProof: async (size1, size2) => {
          const p = await fetchJson<{ proof: string[] }>(`/api/ledger/proof/consistency?size1=${size1}&size2=${size2}`);
          return p.proof.map(fromHex);
        },
      });
      setVerdict(v);
      return v;
    } catch (e) {
      setVerdict({ ok: false, reason: "error", message: (e as Error).message });
      return null;
    } finally {
      setBusy(false);
    }
  }

  async function keepCurrent() {
    const note = await currentNote();
    setKept({ note, keptAt: new Date().toISOString(), size: parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1)).size });
    setVerdict(null);
  }

  async function keepPasted() {
    const note = pasted.replace(/\r\n/g, "\n");
    // Kept only once its signature verifies: the check against itself tells nothing else.
    const v = await check(note);
    if (v && (v.ok || v.reason !== "not_a_checkpoint")) {
      setKept({ note, keptAt: new Date().toISOString(), size: v.keptSize ?? 0 });
      setPasted("");
    }
  }

  const download = () => {
    if (!kept) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([kept.note], { type: "text/plain" }));
    a.download = `checkpoint-${kept.size}.txt`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    <section data-testid="kept-checkpoint">
      <h2>{t("audit.kept.title")}</h2>
      <p className="muted">{t("audit.kept.intro")}</p>
      {kept ? (
        <p data-testid="kept-summary">
          {t("audit.kept.have")
            .replace("{size}", kept.size.toLocaleString(locale))
            .replace("{time}", formatCityTime(kept.keptAt, locale))}
        </p>
      ) : (
        <p className="muted" data-testid="kept-summary">
          {t("audit.kept.none")}
        </p>
      )}
      <div className="filters">
        <button type="button" className="button" onClick={() => void keepCurrent()} data-testid="kept-keep">
          {t("audit.kept.keep")}
        </button>
        <button type="button" className="button" disabled={!kept || busy} onClick={() => kept && void check(kept.note)} data-testid="kept-check">
          {t("audit.kept.check")}
        </button>
        <button type="button" className="button secondary" disabled={!kept} onClick={download} data-testid="kept-download">
          {t("audit.kept.download")}
        </button>
        <button type="button" className="button secondary" disabled={!kept} onClick={() => setKept(null)} data-testid="kept-forget">
          {t("audit.kept.forget")}
        </button>
      </div>
      <label className="field-block">
        {t("audit.kept.paste")}
        <textarea value={pasted} onChange={(e) => setPasted(e.target.value)} rows={5} spellCheck={false} data-testid="kept-paste" />
      </label>
      <button type="button" className="button" disabled={!pasted.trim() || busy} onClick={() => void keepPasted()} data-testid="kept-paste-keep">
        {t("audit.kept.pasteKeep")}
      </button>
      {verdict && (
        <div className={verdict.ok ? "verdict ok" : "verdict failed"} data-testid="kept-result" data-ok={verdict.ok} data-reason={verdict.ok ? "ok" : verdict.reason}>
          {verdict.ok
            ? `✓ ${t("audit.kept.ok").replace("{kept}", verdict.keptSize.toLocaleString(locale)).replace("{current}", verdict.currentSize.toLocaleString(locale))}`
            : `✗ ${t(`audit.kept.${verdict.reason}` as MessageKey)}`}
          {!verdict.ok && verdict.keptSize !== undefined && (
            <div className="verdict-sizes">
              {t("audit.kept.sizes")
                .replace("{current}", (verdict.currentSize ?? 0).toLocaleString(locale))
                .replace("{kept}", verdict.keptSize.toLocaleString(locale))}
            </div>
          )}
          {!verdict.ok && (
            <details className="verdict-detail">
              <summary>{t("audit.kept.detail")}</summary>
              <code>{verdict.message}</code>
            </details>
          )}
        </div>
      )}
    </section>
  );
}
