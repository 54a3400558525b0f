"use client";
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { DatumVerification } from "@/lib/provenance/verify-datum";
import { useI18n } from "../i18n/i18n-provider";
import { CheckList } from "./check-list";
import { fetchPublishedKeys, verifyInBrowser } from "./browser-verify";

/** Public verification: drop a datum, verify it here against the city's published keys. No sign-in, no upload. */
export function VerifyDrop() {
  const { t } = useI18n();
  const keys = useQuery({ queryKey: ["ledger-keys"], queryFn: fetchPublishedKeys, staleTime: 60_000 });
  const [result, setResult] = useState<DatumVerification | null>(null);
  const [dropped, setDropped] = useState<{ json: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  async function check(file: File) {
    setResult(null);
    setError(null);
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      setError(t("verify.badFile"));
      return;
    }
    setDropped({ json });
  }

  // Verify once both the file and the published keys are here, whichever comes last.
  useEffect(() => {
    if (!dropped || !keys.data) return;
    let live = true;
    void verifyInBrowser(dropped.json, keys.data).then((r) => live && setResult(r));
    return () => {
      live = false;
    };
  }, [dropped, keys.data]);

  return (
    <div className="doc-page" data-testid="verify-page">
      <h1>{t("verify.title")}</h1>
      <p>{t("verify.intro")}</p>
      <label
        className={over ? "drop-zone over" : "drop-zone"}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer.files[0];
          if (f) void check(f);
        }}
      >
        {t("verify.drop")}
        <input type="file" accept=".json,application/json" data-testid="verify-file" onChange={(e) => e.target.files?.[0] && void check(e.target.files[0])} />
      </label>
      {error && <p className="error-box" data-testid="verify-error">{error}</p>}
      {result && (
        <section>
          <h2>{t("verify.result")}</h2>
          <div className={result.ok ? "verdict ok" : "verdict failed"} data-testid="verdict" data-ok={result.ok}>
            {result.ok ? `✓ ${t("verify.verified")}` : `✗ ${t("verify.notVerified")}`}
          </div>
          <CheckList checks={result.checks} />
        </section>
      )}
      {keys.data && (
        <details>
          <summary>{t("verify.keys")}</summary>
          <pre className="note">{[keys.data.logVerifierKey, ...keys.data.witnesses.map((w) => w.verifierKey)].join("\n")}</pre>
        </details>
      )}
    </div>
  );
}
