import { AppError } from "../errors";
import { getIntake } from "./intake-instance";
import { intakeLimiter } from "./intake-limiter";
import type { Outcome, Source } from "./commit";

export type HttpReply = { status: number; body: unknown };

/**
 * Reads a request body up to `limit` bytes. Stops reading past the limit (the rest is never
 * buffered) and reports the size: the Content-Length when given, else what was read.
 */
export async function readBodyLimited(req: Request, limit: number): Promise<{ bytes: Uint8Array; size: number; over: boolean }> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const chunks: Uint8Array[] = [];
  let got = 0;
  let over = Number.isFinite(declared) && declared > limit;
  if (!over && req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      if (got > limit) {
        over = true;
        await reader.cancel().catch(() => {});
        break;
      }
    }
  }
  const bytes = new Uint8Array(Math.min(got, over ? limit : got));
  let o = 0;
  for (const c of chunks) {
    if (o >= bytes.length) break;
    const take = c.subarray(0, bytes.length - o);
    bytes.set(take, o);
    o += take.length;
  }
  return { bytes, size: over && Number.isFinite(declared) ? declared : got, over };
}

const remoteOf = (req: Request) => intakeLimiter().addressOf(req).slice(0, 64);

/** 429 for an address that sent too many requests refused whole lately (IntakeLimiter). */
function throttled(req: Request): void {
  const { limiter, addressOf } = intakeLimiter();
  const wait = limiter.check(addressOf(req));
  if (wait > 0) throw new AppError("rate_limited", `too many refused requests from this address; retry in ${wait} s`, `too many refused requests from this address; retry in ${wait} s`, { retryAfter: wait });
}

/** Counts a request nothing of which was accepted against its address. */
function countIfRefused(req: Request, outs: Outcome[]): void {
  if (outs.length && outs.every((o) => o.status === "refused")) {
    const { limiter, addressOf } = intakeLimiter();
    limiter.refusedRequest(addressOf(req));
  }
}

const statusOf = (o: Outcome) => (o.status === "accepted" ? 200 : o.reason === "oversize" ? 413 : o.reason === "malformed_json" ? 400 : o.reason === "internal" ? 500 : 422);

const summary = (outs: Outcome[]) => ({
  accepted: outs.filter((o) => o.status === "accepted" && !o.duplicate).length,
  duplicates: outs.filter((o) => o.status === "accepted" && o.duplicate).length,
  refused: outs.filter((o) => o.status === "refused").length,
});

/**
 * POST /api/ingest/readings: one signed reading (JSON). 200 with its leaf index when
 * stored (also for an idempotent resend), 4xx with the reason when refused (the message is
 * then a dead letter), 413 past INGEST_MAX_MESSAGE_BYTES, 503 when it could not be stored.
 */
export async function ingestHttpReading(opts: { req: Request }): Promise<HttpReply> {
  const intake = await getIntake();
  throttled(opts.req);
  const source: Source = { transport: "http", detail: `POST /api/ingest/readings from ${remoteOf(opts.req)}` };
  const body = await readBodyLimited(opts.req, intake.maxMessageBytes);
  const out = body.over
    ? await intake.refuseOversize(body.bytes, body.size, intake.maxMessageBytes, { source })
    : await intake.submitReading(body.bytes, { source });
  countIfRefused(opts.req, [out]);
  return { status: statusOf(out), body: out };
}

/**
 * POST /api/ingest/batch: NDJSON (application/x-ndjson, one signed reading per line) or a
 * gateway batch (application/json). 200 with one outcome per reading; a gateway batch
 * refused whole (bad gateway signature, malformed) answers 4xx with the reason.
 */
export async function ingestHttpBatch(opts: { req: Request }): Promise<HttpReply> {
  const intake = await getIntake();
  const type = (opts.req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  const ndjson = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"].includes(type);
  if (!ndjson && type !== "application/json") {
    throw new AppError("validation", `content type must be application/x-ndjson (readings) or application/json (a gateway batch), got ${type || "none"}`);
  }
  throttled(opts.req);
  const source: Source = { transport: "http", detail: `POST /api/ingest/batch (${ndjson ? "ndjson" : "gateway"}) from ${remoteOf(opts.req)}` };
  const body = await readBodyLimited(opts.req, intake.maxBatchBytes);
  if (body.over) {
    const out = await intake.refuseOversize(body.bytes.subarray(0, Math.min(body.bytes.length, 64 * 1024)), body.size, intake.maxBatchBytes, { source });
    countIfRefused(opts.req, [out]);
    return { status: 413, body: out };
  }
  if (ndjson) {
    const outs = await intake.submitNdjson(body.bytes, { source });
    countIfRefused(opts.req, outs);
    return { status: 200, body: { ...summary(outs), results: outs } };
  }
  const r = await intake.submitGatewayBatch(body.bytes, { source });
  if (r.refused) {
    countIfRefused(opts.req, [r.refused]);
    return { status: statusOf(r.refused), body: { gateway: r.gateway, ...r.refused } };
  }
  return { status: 200, body: { gateway: r.gateway, ...summary(r.readings), results: r.readings } };
}
