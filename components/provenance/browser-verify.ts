"use client";
import { webCryptoEd25519 } from "@/lib/ledger/ed25519";
import { sha256 } from "@/lib/ledger/sha256";
import { verifyDatum, verifyLedgerProof, type DatumVerification } from "@/lib/provenance/verify-datum";
import type { Trust } from "@/lib/provenance/datum";
import type { ReadingTrail } from "@/lib/provenance/get-reading-trail";
import { isReportReceipt, verifyReportReceipt } from "@/lib/citizen/verify-report-receipt";

export type PublishedKeys = { origin: string; logVerifierKey: string; witnesses: { verifierKey: string }[]; quorum: number };

export const trustOf = (keys: PublishedKeys): Trust & { quorum: number } => ({ origin: keys.origin, logVerifierKey: keys.logVerifierKey, witnessVerifierKeys: keys.witnesses.map((w) => w.verifierKey), quorum: keys.quorum });
const deps = (keys: PublishedKeys) => ({ hasher: sha256, ed25519: webCryptoEd25519(), trust: trustOf(keys) });

/** Verifies a datum, or a citizen's report receipt, in this browser (WebCrypto Ed25519, pure SHA-256) against the city's published keys. */
export function verifyInBrowser(datum: unknown, keys: PublishedKeys): Promise<DatumVerification> {
  if (isReportReceipt(datum)) return verifyReportReceipt(datum, deps(keys));
  return verifyDatum(datum, deps(keys));
}

/**
 * Runs the checks a trail's disclosure allows: every check on a whole datum; all but the
 * envelope hash and device signature when fields are withheld; the ledger facts only under
 * anonymized or aggregated scope. The others come back marked withheld. Null while no
 * quorum-cosigned checkpoint holds the reading.
 */
export async function verifyTrailInBrowser(trail: ReadingTrail, keys: PublishedKeys): Promise<DatumVerification | null> {
  const d = trail.disclosure;
  if (trail.datum) return verifyDatum(trail.datum, deps(keys));
  if (trail.partialDatum) return verifyDatum(trail.partialDatum, { ...deps(keys), withheld: { scope: "raw", fields: d.withheldFields } });
  if (trail.ledgerProof && d.level === "ledger" && d.scope !== "raw") return verifyLedgerProof(trail.ledgerProof, d.scope, deps(keys));
  return null;
}

export async function fetchPublishedKeys(): Promise<PublishedKeys> {
  const res = await fetch("/api/ledger/info");
  if (!res.ok) throw new Error(`/api/ledger/info: HTTP ${res.status}`);
  return res.json();
}
