import crypto from "node:crypto";
import fs from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks";
import v8 from "node:v8";
import { loadConfig } from "../config";
import { getDb } from "../db/client";
import { AppError } from "../errors";
import { getIntake } from "../ingest/intake-instance";

/**
 * The console process's own health figures for an operator's scraper (and `npm run soak`):
 * resident memory, V8 heap, event-loop delay and the database's size, in the Prometheus
 * text exposition format. Behind METRICS_TOKEN: they tell an outsider how loaded the city is.
 */

const KEY = Symbol.for("city-brain.event-loop-delay");
/** heapAfterGc: V8 heap in use just after the last full (mark-compact) collection, what a leak raises. */
type Monitor = { histogram: IntervalHistogram; since: number; heapAfterGc: number | null; majorGcs: number };

/** Starts measuring event-loop delay and the heap after full collections in this process (once; the server calls it at start). */
export function startProcessMetrics(): void {
  const g = globalThis as { [KEY]?: Monitor };
  if (g[KEY]) return;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const m: Monitor = { histogram, since: Date.now(), heapAfterGc: null, majorGcs: 0 };
  g[KEY] = m;
  // The heap sampled at a random moment swings with the collector (hundreds of MB under load);
  // right after a mark-compact it holds only what is reachable, so its trend shows a leak.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      m.majorGcs++;
      m.heapAfterGc = v8.getHeapStatistics().used_heap_size;
    }
  }).observe({ entryTypes: ["gc"] });
}

function takeEventLoopDelay(): { p50: number; p99: number; max: number; seconds: number } | null {
  const m = (globalThis as { [KEY]?: Monitor })[KEY];
  if (!m || m.histogram.count === 0) return null;
  // Nanoseconds to seconds; the window restarts at each scrape ("since the previous scrape").
  const out = { p50: m.histogram.percentile(50) / 1e9, p99: m.histogram.percentile(99) / 1e9, max: m.histogram.max / 1e9, seconds: (Date.now() - m.since) / 1000 };
  m.histogram.reset();
  m.since = Date.now();
  return out;
}

/** Resident memory from the kernel (VmRSS), which counts PGlite's WebAssembly memory and every worker thread. */
function residentBytes(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage.rss();
}

function sameToken(given: string, expected: string): boolean {
  const a = crypto.hash("sha256", given, "buffer");
  const b = crypto.hash("sha256", expected, "buffer");
  return crypto.timingSafeEqual(a, b);
}

/** The metrics text for a request carrying `Authorization: Bearer <METRICS_TOKEN>`. */
export async function getProcessMetrics(authorization: string | null): Promise<string> {
  const token = loadConfig().METRICS_TOKEN;
  if (!token) throw new AppError("not_found", "metrics are off", "metrics are off: set METRICS_TOKEN to enable GET /api/metrics");
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!given) throw new AppError("unauthenticated", "no metrics token", "send Authorization: Bearer <METRICS_TOKEN>");
  if (!sameToken(given, token)) throw new AppError("forbidden", "wrong metrics token", "the metrics token does not match METRICS_TOKEN");

  const db = await getDb();
  const [{ bytes }] = await db.sql.query<{ bytes: string }>(`SELECT pg_database_size(current_database())::text AS bytes`);
  const [state] = await db.sql.query<{ next_index: string; integrated_size: string }>(`SELECT next_index::text, integrated_size::text FROM ledger_state`);
  const mem = process.memoryUsage();
  const monitor = (globalThis as { [KEY]?: Monitor })[KEY];
  const loop = takeEventLoopDelay();
  const lines: string[] = [];
  const metric = (name: string, help: string, type: "gauge" | "counter" | "summary", samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
  };
  metric("process_resident_memory_bytes", "Resident memory of the console process (kernel VmRSS: V8, workers, PGlite's WebAssembly memory).", "gauge", [["", residentBytes()]]);
  metric("nodejs_heap_used_bytes", "V8 heap in use on the main thread.", "gauge", [["", mem.heapUsed]]);
  metric("nodejs_heap_total_bytes", "V8 heap reserved on the main thread.", "gauge", [["", mem.heapTotal]]);
  if (monitor?.heapAfterGc != null) {
    metric("nodejs_heap_after_major_gc_bytes", "V8 heap in use right after the last full (mark-compact) collection: what stays reachable.", "gauge", [["", monitor.heapAfterGc]]);
    metric("nodejs_major_gc_total", "Full (mark-compact) collections on the main thread.", "counter", [["", monitor.majorGcs]]);
  }
  const engine = db.sql.engineMemoryBytes?.() ?? null;
  if (engine != null) metric("citybrain_pglite_memory_bytes", "The embedded database's WebAssembly memory (part of resident memory; it only grows).", "gauge", [["", engine]]);
  metric("nodejs_external_memory_bytes", "Memory of C++ objects bound to JavaScript objects (buffers included).", "gauge", [["", mem.external]]);
  metric("nodejs_array_buffers_bytes", "Memory of ArrayBuffers and SharedArrayBuffers (not PGlite's WebAssembly memory: citybrain_pglite_memory_bytes).", "gauge", [["", mem.arrayBuffers]]);
  if (loop)
    metric("nodejs_eventloop_delay_seconds", `Event-loop delay since the previous scrape (${loop.seconds.toFixed(0)} s).`, "summary", [
      ['{quantile="0.5"}', loop.p50],
      ['{quantile="0.99"}', loop.p99],
      ['{quantile="1"}', loop.max],
    ]);
  metric("citybrain_database_bytes", "Size of the console's database (pg_database_size).", "gauge", [["", Number(bytes)]]);
  metric("citybrain_ledger_entries", "Entries appended to the city log.", "counter", [["", Number(state?.next_index ?? 0)]]);
  metric("citybrain_ledger_integrated_entries", "Entries integrated into the log's tree.", "counter", [["", Number(state?.integrated_size ?? 0)]]);
  const intake = await getIntake().then((i) => i.stats(), () => null);
  if (intake) {
    metric("citybrain_intake_queued_messages", "Messages the intake has taken and not yet stored.", "gauge", [["", intake.queued]]);
    metric("citybrain_intake_queued_bytes", "Bytes of those messages (bounded by INGEST_MAX_QUEUED_BYTES; past it senders are told to retry).", "gauge", [["", intake.queuedBytes]]);
    metric("citybrain_intake_accepted_total", "Readings stored by this process's intake.", "counter", [["", intake.accepted]]);
    metric("citybrain_intake_refused_total", "Messages refused by this process's intake, by reason.", "counter", Object.entries(intake.refused).map(([r, n]) => [`{reason="${r}"}`, n]));
  }
  metric("process_uptime_seconds", "Seconds since the console process started.", "gauge", [["", process.uptime()]]);
  return lines.join("\n") + "\n";
}

/** Parses the text format back into name{labels} → value (for the soak and the tests). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
