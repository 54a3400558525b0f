"use client";
import { useQuery } from "@tanstack/react-query";
import { openCheckpoint } from "@/lib/ledger/checkpoint";
import { ed25519CosignatureVerifier } from "@/lib/ledger/cosignature";
import { webCryptoEd25519 } from "@/lib/ledger/ed25519";
import { fromHex, toHex, utf8Encode } from "@/lib/ledger/encoding";
import { ed25519NoteVerifier } from "@/lib/ledger/note";
import { sha256 } from "@/lib/ledger/sha256";
import { verifyConsistency } from "@/lib/ledger/verify";
import { fetchPublishedKeys } from "../provenance/browser-verify";
import { fetchJson } from "@/components/http/fetch-json";
import { useI18n } from "../i18n/i18n-provider";
import { formatCityTime } from "@/lib/i18n/city-time";
import { fill } from "@/lib/i18n/fill";
import { causeOf, note, renderNote, type Note } from "@/lib/provenance/check-note";
import { TableHead } from "@/components/ui/table-head";

type CheckpointResponse = {
  size: number;
  root: string;
  createdAt: string;
  note: string;
  cosignatures: { witness: string; line: string }[];
  latest: { size: number; root: string };
  previous: number | null;
  next: number | null;
};

type Verified = {
  signature: { ok: boolean; note: Note | null };
  cosigners: { name: string; ok: boolean }[];
  quorum: number;
  /** `hashes`: the proof's length when it verified; else why not. */
  consistency: { ok: true; hashes: number } | { ok: false; note: Note } | null;
};

/** Verifies a checkpoint page in this browser: the log's signature, each cosignature, and consistency to the newest checkpoint. */
async function verifyCheckpoint(cp: CheckpointResponse): Promise<Verified> {
  const keys = await fetchPublishedKeys();
  const ed = webCryptoEd25519();
  const log = await ed25519NoteVerifier(ed, keys.logVerifierKey);
  let opened;
  try {
    opened = await openCheckpoint(cp.note, [log], keys.origin);
  } catch (e) {
    return { signature: { ok: false, note: note("cpView.sigFailed", undefined, causeOf(e)) }, cosigners: [], quorum: keys.quorum, consistency: null };
  }
  const sameAsListed = opened.checkpoint.size === cp.size && toHex(opened.checkpoint.root) === cp.root;
  const witnesses = await Promise.all(keys.witnesses.map((w) => ed25519CosignatureVerifier(ed, w.verifierKey)));
  const cosigners: Verified["cosigners"] = [];
  for (const sig of opened.unverified) {
    const w = witnesses.find((v) => v.name === sig.name && v.keyId === sig.keyId);
    cosigners.push({ name: sig.name, ok: !!w && (await w.verify(utf8Encode(opened.text), sig.signature)) });
  }
  let consistency: Verified["consistency"] = null;
  if (cp.latest.size > cp.size) {
    try {
      const p = await fetchJson<{ proof: string[] }>(`/api/ledger/proof/consistency?size1=${cp.size}&size2=${cp.latest.size}`);
      verifyConsistency(sha256, cp.size, cp.latest.size, p.proof.map(fromHex), opened.checkpoint.root, fromHex(cp.latest.root));
      consistency = { ok: true, hashes: p.proof.length };
    } catch (e) {
      consistency = { ok: false, note: note("audit.consistencyFailed", undefined, causeOf(e)) };
    }
  }
  return {
    signature: { ok: sameAsListed, note: sameAsListed ? null : note("cpView.differs", { size: opened.checkpoint.size, root: toHex(opened.checkpoint.root) }) },
    cosigners,
    quorum: keys.quorum,
    consistency,
  };
}

/** One checkpoint: its note, who cosigned it, and its consistency with the newest, all checked here. */
export function CheckpointView({ size }: { size: number }) {
  const { t, locale } = useI18n();
  const cp = useQuery({
    queryKey: ["checkpoint", size],
    queryFn: () => fetchJson<CheckpointResponse>(`/api/ledger/checkpoints/${size}`),
  });
  const v = useQuery({ queryKey: ["checkpoint-verify", size, cp.data?.latest.size], enabled: !!cp.data, queryFn: () => verifyCheckpoint(cp.data!) });
  if (cp.error) return <p className="error-box" data-testid="checkpoint-error">{(cp.error as Error).message}</p>;
  const c = cp.data;
  if (!c) return <p className="muted">{t("map.loading")}</p>;
  const valid = v.data?.cosigners.filter((x) => x.ok).length ?? 0;
  return (
    <div data-testid="checkpoint-view">
      <h1>{t("cpView.title").replace("{size}", c.size.toLocaleString(locale))}</h1>
      <p className="muted">
        {formatCityTime(c.createdAt, locale)}
        {c.previous !== null && (
          <>
            {" · "}
            <a href={`/audit/checkpoints/${c.previous}`}>← {t("cpView.previous")}</a>
          </>
        )}
        {c.next !== null && (
          <>
            {" · "}
            <a href={`/audit/checkpoints/${c.next}`}>{t("cpView.next")} →</a>
          </>
        )}
        {" · "}
        <a href={`/audit/entries/${Math.max(0, c.size - 1)}`}>{t("cpView.lastEntry")}</a>
      </p>
      <table className="data-table">
        <tbody>
          <tr>
            <th>{t("audit.size")}</th>
            <td>{c.size.toLocaleString(locale)}</td>
          </tr>
          <tr>
            <th>{t("audit.root")}</th>
            <td>
              <code>{c.root}</code>
            </td>
          </tr>
        </tbody>
      </table>
      <h2>{t("prov.checks")}</h2>
      {v.data && (
        <ul className="check-list" data-testid="checkpoint-checks">
          <li className={v.data.signature.ok ? "check ok" : "check failed"} data-check="signature" data-ok={v.data.signature.ok}>
            <span className="check-mark">{v.data.signature.ok ? "✓" : "✗"}</span>
            <span className="check-name">{t("check.checkpoint-signature")}</span>
            <span className="check-detail">{v.data.signature.note && renderNote(v.data.signature.note, t, locale === "en")}</span>
          </li>
          <li className={valid >= v.data.quorum ? "check ok" : "check failed"} data-check="cosignatures" data-ok={valid >= v.data.quorum}>
            <span className="check-mark">{valid >= v.data.quorum ? "✓" : "✗"}</span>
            <span className="check-name">{t("check.witness-cosignatures")}</span>
            <span className="check-detail">{t("cpView.cosigned").replace("{n}", String(valid)).replace("{quorum}", String(v.data.quorum))}</span>
          </li>
          {v.data.consistency && (
            <li className={v.data.consistency.ok ? "check ok" : "check failed"} data-check="consistency" data-ok={v.data.consistency.ok}>
              <span className="check-mark">{v.data.consistency.ok ? "✓" : "✗"}</span>
              <span className="check-name">{t("cpView.consistency").replace("{latest}", c.latest.size.toLocaleString(locale))}</span>
              <span className="check-detail">{v.data.consistency.ok ? fill(t("audit.hashes"), { n: v.data.consistency.hashes }) : renderNote(v.data.consistency.note, t, locale === "en")}</span>
            </li>
          )}
        </ul>
      )}
      <h2>{t("audit.cosignatures")}</h2>
      <table className="data-table" data-testid="checkpoint-cosignatures">
        <TableHead headings={[t("cpView.witness"), t("cpView.verified")]} />
        <tbody>
          {c.cosignatures.map((s) => {
            const ok = v.data?.cosigners.find((x) => x.name === s.witness)?.ok;
            return (
              <tr key={s.witness}>
                <td>{s.witness}</td>
                <td>{ok === undefined ? "…" : ok ? "✓" : "✗"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>{t("cpView.note")}</h2>
      <pre className="note" data-testid="checkpoint-note">
        {c.note}
      </pre>
    </div>
  );
}
