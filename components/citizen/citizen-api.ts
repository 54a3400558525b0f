"use client";
import { toBase64 } from "@/lib/ledger/encoding";
import { appealStatement, myReportsStatement } from "@/lib/citizen/report-content";
import type { KeyFlag } from "@/lib/citizen/key-flags";
import type { PublicReport } from "@/lib/citizen/report-rows";
import type { CreditBalance } from "@/lib/citizen/list-my-reports";
import type { ReportReceipt } from "@/lib/citizen/verify-report-receipt";
import type { ReporterKey } from "./reporter-key";

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | { description?: string }[] | null;
    const msg = Array.isArray(body) ? body.map((e) => e.description).join("; ") : body?.error?.message;
    throw new Error(msg ?? `HTTP ${res.status}`);
  }
  return res.json() as Promise<T>;
}

export const fetchReport = async (id: string) => json<PublicReport>(await fetch(`/api/citizen/reports/${encodeURIComponent(id)}`));
export const fetchReceipt = async (id: string, leaf?: number) =>
  json<{ ready: false; leafIndex: number } | ({ ready: true } & ReportReceipt)>(await fetch(`/api/citizen/reports/${encodeURIComponent(id)}/receipt${leaf !== undefined ? `?leaf=${leaf}` : ""}`));

export async function fetchMine(key: ReporterKey) {
  const at = new Date().toISOString();
  const signature = toBase64(await key.sign(myReportsStatement(key.publicKey, at)));
  return json<{ reporter: string; reports: PublicReport[]; credit: CreditBalance; flag: KeyFlag | null }>(await fetch("/api/citizen/mine", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ reporter_key: key.publicKey, at, signature }) }));
}

export async function postReport(form: FormData) {
  return json<{ service_request_id: string; token: string }[]>(await fetch("/open311/v2/requests.json", { method: "POST", body: form }));
}

/** Appeals a department's mark on this browser's key, signed with the key (lib/citizen/key-flags.ts). */
export async function postAppeal(key: ReporterKey, reporter: string, text: string) {
  const at = new Date().toISOString();
  const signature = toBase64(await key.sign(appealStatement(key.publicKey, text, at)));
  return json<KeyFlag>(
    await fetch(`/api/citizen/reporters/${encodeURIComponent(reporter)}/appeal`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ reporter_key: key.publicKey, text, at, signature }) }),
  );
}
