"use client";
import { webCryptoEd25519 } from "@/lib/ledger/ed25519";
import { sha256 } from "@/lib/ledger/sha256";
import { verifyDatum, type DatumVerification } from "@/lib/provenance/verify-datum";
import type { Trust } from "@/lib/provenance/datum";

export type PublishedKeys = { origin: string; logVerifierKey: string; witnesses: { verifierKey: string }[]; quorum: number };

/** Verifies a datum in this browser (WebCrypto Ed25519, pure SHA-256) against the city's published keys. */
export function verifyInBrowser(datum: unknown, keys: PublishedKeys): Promise<DatumVerification> {
  const trust: Trust = { origin: keys.origin, logVerifierKey: keys.logVerifierKey, witnessVerifierKeys: keys.witnesses.map((w) => w.verifierKey), quorum: keys.quorum };
  return verifyDatum(datum, { hasher: sha256, ed25519: webCryptoEd25519(), trust });
}

export async function fetchPublishedKeys(): Promise<PublishedKeys> {
  const res = await fetch("/api/ledger/info");
  if (!res.ok) throw new Error(`/api/ledger/info: HTTP ${res.status}`);
  return res.json();
}
