import type { ConsoleSession } from "./console-session";
import type { GatewayBatchWire } from "../ingest/gateway";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The console's answer for one reading of a post. */
export type IngestOutcome = { status: "accepted"; duplicate: boolean } | { status: "refused"; reason: string; message: string };

/**
 * Posts signed readings to the console's ingest API (POST /api/ingest/batch) until it answers
 * for every one: NDJSON lines of device-signed readings, or one edge gateway's signed batch. A
 * busy console (503, 429) or a lost connection is retried with backoff: resending is safe,
 * since a reading the console already stored is acknowledged as a duplicate, so nothing
 * accepted is lost and nothing is stored twice. A gateway batch the console refuses whole
 * (bad gateway signature, quarantined gateway) gives every reading that refusal.
 */
export async function postIngest(session: ConsoleSession, what: { ndjson: string[] } | { batch: GatewayBatchWire }): Promise<IngestOutcome[]> {
  const n = "ndjson" in what ? what.ndjson.length : what.batch.readings.length;
  const body = "ndjson" in what ? what.ndjson.join("\n") + "\n" : JSON.stringify(what.batch);
  const type = "ndjson" in what ? "application/x-ndjson" : "application/json";
  let wait = 500;
  for (let attempt = 1; ; attempt++) {
    let res: Response | null = null;
    try {
      res = await session.fetch("/api/ingest/batch", { method: "POST", headers: { "content-type": type }, body });
    } catch (e) {
      if (attempt >= 20) throw new Error(`the console did not answer after ${attempt} tries: ${(e as Error).message}`);
    }
    if (res && res.status === 200) {
      const out = (await res.json()) as { results: IngestOutcome[] };
      if (out.results?.length !== n) throw new Error(`the console answered ${out.results?.length} outcomes for ${n} readings`);
      return out.results;
    }
    if (res && res.status !== 503 && res.status !== 429) {
      const text = await res.text();
      let whole: { reason?: unknown; message?: unknown } | null = null;
      try {
        whole = JSON.parse(text) as { reason?: unknown; message?: unknown };
      } catch {
        // not JSON: reported below
      }
      if ("batch" in what && res.status < 500 && typeof whole?.reason === "string") {
        return Array.from({ length: n }, () => ({ status: "refused" as const, reason: String(whole.reason), message: `the batch was refused whole: ${String(whole.message)}` }));
      }
      throw new Error(`the console refused the whole post: ${res.status} ${text.slice(0, 300)}`);
    }
    if (res && attempt >= 20) throw new Error(`the console stayed busy (${res.status}) after ${attempt} tries`);
    const retryAfter = Number(res?.headers.get("retry-after"));
    await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : wait);
    wait = Math.min(wait * 2, 10_000);
  }
}
