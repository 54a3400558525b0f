import type { Sql } from "../db/sql";
import { AppError } from "../errors";
import os from "node:os";
import { DeviceCache } from "./device-cache";
import { arrayElementSpans } from "./json-spans";
import { commitCandidates, commitCandidatesInTurn, storeDeadLettersOnly, type Candidate, type DeadLetterBase, type GatewayBatch, type CommitHook, type OnCommit, type Outcome, type Source } from "./commit";
import { refuse, type Refusal } from "./refusal";
import { ed25519Check } from "./verifier";
import { checkGatewayBatch, checkSignedReading, type CheckContext, type CheckedBatch, type CheckedReading, type CheckEnv } from "./check-message";
import { startCheckPool, type CheckPool } from "./check-pool";
import { newSampleKey, type GatewaySample } from "./gateway-sample";
import { unsafeQuarantineGateway } from "../devices/quarantine-gateway";
import { WriterTurns, type Turn } from "./writer-turns";

export type { Outcome, Source } from "./commit";

/** What the transport knows about a message: for MQTT, the department and dataset of its topic. */
export type MessageContext = { source: Source; topicDepartment?: string; topicDataset?: string };

/** The outcome of a gateway batch: refused whole (bad gateway signature, malformed…) or one outcome per reading. */
export type BatchOutcome = { gateway: string | null; refused: Outcome | null; readings: Outcome[] };

export type IntakeOptions = {
  sql: Sql;
  /** Largest single reading message (HTTP body, NDJSON line, MQTT payload), bytes. */
  maxMessageBytes: number;
  /** Largest batch (HTTP NDJSON or gateway body, MQTT gateway payload), bytes. */
  maxBatchBytes: number;
  /** Check worker threads (parse, schema, signature, row preparation; default one per core); 0 checks on this thread. */
  threads?: number;
  /** Most readings stored in one transaction. */
  maxGroup?: number;
  /**
   * Transactions in flight on PostgreSQL (default 1): with 2 the second writes its reading rows
   * while the first commits, in commit order (writer-turns.ts). PGlite has one connection: always 1.
   */
  writers?: number;
  /**
   * Group commit pacing (default 0: none): a transaction of fewer than `commitMinGroup`
   * readings starts at least this many ms after the previous one started, so that a steady
   * trickle of messages is stored in a few larger transactions instead of one each.
   */
  commitIntervalMs?: number;
  /** Readings ready that start a transaction at once, paced or not (default 500). */
  commitMinGroup?: number;
  /** Most messages waiting; beyond it callers get 503 and should retry. */
  maxQueued?: number;
  /** Most message bytes waiting for storage (default DEFAULT_MAX_QUEUED_BYTES); beyond it callers get 503 and should retry. */
  maxQueuedBytes?: number;
  /** Seq window of the commit (commit.ts SEQ_WINDOW, the default). */
  seqWindow?: number;
  /** Share of each gateway batch's readings whose device signatures are checked (default 0.02; at least one per batch). */
  gatewaySampleRate?: number;
  /** Called inside each commit's transaction with the readings newly stored (the map folds them; see commit.ts). */
  onCommit?: OnCommit;
  log?: (m: string) => void;
  now?: () => number;
};

export type IntakeStats = {
  accepted: number;
  duplicates: number;
  refused: Record<string, number>;
  queued: number;
  queuedBytes: number;
  commits: number;
  /** Commits of a second writer's turn whose forecast leaves did not hold: stored again the one-writer way (writer-turns.ts). */
  forecastsMissed: number;
  checkThreads: number;
  devices: number;
};

type Entry = {
  cands: Candidate[] | null;
  resolve(o: Outcome[]): void;
  reject(e: Error): void;
  done: boolean;
  bytes: number;
  /** Messages that entered as one entry (submitReadings), one candidate each: a commit that fails is retried message by message. */
  split?: () => Entry[];
};

const enc = new TextEncoder();

/** What a message's dead letter keeps of it: its first `keep` bytes, its size (`size`, else its length) and where it came from. */
const deadLetterBase = (ctx: MessageContext, raw: Uint8Array, keep: number, size = raw.length): DeadLetterBase => ({
  source: ctx.source, raw: raw.subarray(0, keep), rawSize: size, departmentId: ctx.topicDepartment ?? null,
});
/** Default bound of message bytes waiting for storage (IntakeOptions.maxQueuedBytes). */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/**
 * The intake: every transport (HTTP, MQTT) hands raw messages here. Each message is
 * parsed, checked against the device registry and its dataset's schema, its signature
 * verified on worker threads, and then stored in arrival order by a writer that groups
 * whatever is ready into one transaction (readings with their ledger leaves, refusals as
 * dead letters); on PostgreSQL, with `writers: 2`, two such transactions overlap, committing
 * in arrival order (writer-turns.ts). A message's promise resolves only after its commit: acknowledged means
 * stored, as a reading or as a dead letter.
 */
export class Intake {
  readonly devices: DeviceCache;
  private pool: CheckPool | null = null;
  private readonly verifyHere = ed25519Check();
  private readonly queue: Entry[] = [];
  private head = 0;
  /** Message bytes received and not yet stored: what bounds the queue (maxQueuedBytes). */
  private queuedBytes = 0;
  private writing = false;
  private closed = false;
  /** performance.now() when the last transaction started (commitIntervalMs). */
  private lastCommitAt = -Infinity;
  private readonly counters = { accepted: 0, duplicates: 0, commits: 0, forecastsMissed: 0, refused: {} as Record<string, number> };
  /** Groups being stored (at most `writers`). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly turns = new WriterTurns();
  /**
   * Groups still to store one writer at a time since a turn's forecast missed: another appender
   * (a second console process, say) is taking leaves, and turns would keep missing, each a COPY
   * done twice; after these, turns are tried again.
   */
  private aloneGroups = 0;
  private readonly now: () => number;
  private get hook(): CommitHook {
    return { onCommit: this.opts.onCommit, log: this.opts.log, seqWindow: this.opts.seqWindow };
  }
  private idle: (() => void)[] = [];
  /** Which readings of a gateway batch are checked: keyed with this process's secret (gateway-sample.ts says why). */
  private readonly gatewaySample: GatewaySample;

  private constructor(private readonly opts: IntakeOptions) {
    this.devices = new DeviceCache(opts.sql);
    this.now = opts.now ?? Date.now;
    this.gatewaySample = { rate: opts.gatewaySampleRate ?? 0.02, key: newSampleKey() };
  }

  /** Creates an intake, loads the device registry and starts the check workers with a copy of it. */
  static async start(opts: IntakeOptions): Promise<Intake> {
    const intake = new Intake(opts);
    await intake.devices.start();
    const pool = startCheckPool({ threads: opts.threads ?? os.availableParallelism(), snapshot: () => intake.devices.all(), log: opts.log });
    if (pool) intake.devices.onChange((set, del) => pool.devicesChanged(set, del));
    intake.pool = pool;
    return intake;
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }
  get maxBatchBytes(): number {
    return this.opts.maxBatchBytes;
  }

  stats(): IntakeStats {
    return { ...this.counters, refused: { ...this.counters.refused }, queued: this.queue.length - this.head, queuedBytes: this.queuedBytes, checkThreads: this.pool?.threads ?? 0, devices: this.devices.size };
  }

  /** One signed reading (JSON bytes). */
  submitReading(raw: Uint8Array, ctx: MessageContext): Promise<Outcome> {
    const base = deadLetterBase(ctx, raw, this.opts.maxMessageBytes);
    return this.enqueue(async () => [await this.signedReadingCandidate(raw, ctx, base, this.now())], base).then((o) => o[0]);
  }

  /** A signed reading's candidate: dead-lettered when larger than maxMessageBytes, else as its checks decide. */
  private async signedReadingCandidate(raw: Uint8Array, ctx: MessageContext, base: DeadLetterBase, now: number): Promise<Candidate> {
    if (raw.length > this.opts.maxMessageBytes) return oversize(base, raw, this.opts.maxMessageBytes);
    return this.readingCandidate(await this.checkReading(raw, ctx, now), base);
  }

  /**
   * The lines of one NDJSON request, checked as chunks on the workers (CheckPool.readings), with
   * no promise per line; a line the workers could not settle (a device they do not know, or a
   * worker that failed) is checked as signedReadingCandidate checks it. Candidates in line order.
   */
  private async signedReadingCandidates(lines: readonly Uint8Array[], ctx: MessageContext, now: number): Promise<Candidate[]> {
    const c: CheckContext = { topicDepartment: ctx.topicDepartment, topicDataset: ctx.topicDataset };
    const max = this.opts.maxMessageBytes;
    const fit: Uint8Array[] = [];
    for (const line of lines) if (line.length <= max) fit.push(line);
    const pool = this.pool;
    const onWorker = pool && fit.length ? await pool.readings(fit, c, now).catch((e: Error) => this.workerFailed(e)) : null;
    const out: Candidate[] = new Array(lines.length);
    const later: Promise<void>[] = [];
    for (let i = 0, j = 0; i < lines.length; i++) {
      const line = lines[i];
      // A line's dead letter keeps the whole line (the request's own is cut to MERGED_RAW_BYTES).
      const base = deadLetterBase(ctx, line, line.length);
      if (line.length > max) {
        out[i] = oversize(base, line, max);
        continue;
      }
      const r = onWorker ? onWorker[j] : null;
      j++;
      if (r && r.kind !== "lookup") out[i] = this.readingCandidate(r, base);
      else {
        const here = (env: CheckEnv) => checkSignedReading(line, c, env);
        later.push(this.check(r ? () => Promise.resolve(r) : null, here, now).then((x) => void (out[i] = this.readingCandidate(x, base))));
      }
    }
    if (later.length) await Promise.all(later);
    return out;
  }

  /**
   * Signed readings that arrived together (what an MQTT broker read in one turn of the event
   * loop): one entry of the queue, as an NDJSON request is, instead of an entry, promise chain
   * and place in the commit's grouping per message. Each message keeps its own dead letter and
   * its own answer: `settle(i, outcome)` once message i is stored (as a reading or a dead
   * letter), `settle(i, null, error)` when it could not be, so that it is not acknowledged. A
   * commit that fails is retried message by message (`storeFailed`), so a message at fault
   * fails alone and the others are stored.
   */
  submitReadings(raws: readonly Uint8Array[], ctxs: readonly MessageContext[], settle: (i: number, o: Outcome | null, e?: Error) => void): void {
    const bases = raws.map((raw, i) => deadLetterBase(ctxs[i], raw, this.opts.maxMessageBytes));
    let bytes = 0;
    for (const raw of raws) bytes += raw.length;
    const entry: Entry = {
      cands: null,
      done: false,
      bytes,
      resolve: (outs) => {
        for (let i = 0; i < outs.length; i++) settle(i, outs[i]);
      },
      reject: (e) => {
        for (let i = 0; i < raws.length; i++) settle(i, null, e);
      },
      split: () => entry.cands!.map((c, i): Entry => ({ cands: [c], done: false, bytes: bases[i].rawSize, resolve: (o) => settle(i, o[0]), reject: (e) => settle(i, null, e) })),
    };
    this.push(entry, async () => {
      const now = this.now();
      return Promise.all(
        raws.map(async (raw, i): Promise<Candidate> => {
          try {
            return await this.signedReadingCandidate(raw, ctxs[i], bases[i], now);
          } catch (e) {
            return this.checkFailed(bases[i], e as Error);
          }
        }),
      );
    });
  }

  /** A message that was too large to read whole: dead-lettered with its first bytes. */
  refuseOversize(prefix: Uint8Array, size: number, limit: number, ctx: MessageContext): Promise<Outcome> {
    const base = deadLetterBase(ctx, prefix, limit, size);
    return this.enqueue(async () => [oversize(base, prefix, limit, size)], base).then((o) => o[0]);
  }

  /** A message the transport already refused (e.g. a topic that is not an intake topic): dead-lettered. */
  refuseMessage(raw: Uint8Array, refusal: Refusal, ctx: MessageContext): Promise<Outcome> {
    const base = deadLetterBase(ctx, raw, this.opts.maxBatchBytes);
    return this.enqueue(async () => [{ kind: "refusal", refusal, ...base }], base).then((o) => o[0]);
  }

  /** Newline-delimited JSON: one signed reading per line (blank lines are skipped). */
  submitNdjson(raw: Uint8Array, ctx: MessageContext): Promise<Outcome[]> {
    const lines: Uint8Array[] = [];
    const blank = (line: Uint8Array) => {
      for (let j = 0; j < line.length; j++) if (line[j] !== 0x20 && line[j] !== 0x09) return false;
      return true;
    };
    for (let start = 0; start <= raw.length; ) {
      let i = raw.indexOf(0x0a, start);
      if (i < 0) i = raw.length;
      let end = i;
      if (end > start && raw[end - 1] === 0x0d) end--;
      const line = raw.subarray(start, end);
      if (!blank(line)) lines.push(line);
      start = i + 1;
    }
    if (lines.length === 0) return Promise.resolve([]);
    const base = deadLetterBase(ctx, raw, MERGED_RAW_BYTES);
    let refusedLines: { line: number; cand: Candidate & { kind: "refusal" } }[] = [];
    let candOfLine: number[] = [];
    return this.enqueue(async () => {
      const now = this.now();
      const checked = await this.signedReadingCandidates(lines, ctx, now);
      // Readings keep their own candidates; refused lines make one dead letter for the request
      // (a single refused line keeps its own, with its exact bytes).
      const cands: Candidate[] = [];
      refusedLines = [];
      candOfLine = checked.map((c, line) => {
        if (c.kind === "refusal") {
          refusedLines.push({ line, cand: c });
          return -1;
        }
        cands.push(c);
        return cands.length - 1;
      });
      if (refusedLines.length === 1) cands.push(refusedLines[0].cand);
      else if (refusedLines.length > 1) cands.push(mergedRefusal(base, refusedLines, lines.length));
      return cands;
    }, base).then((outs) => {
      const merged = refusedLines.length ? outs[outs.length - 1] : null;
      const byLine = new Map(refusedLines.map((r) => [r.line, r.cand]));
      return lines.map((_, line): Outcome => {
        if (candOfLine[line] >= 0) return outs[candOfLine[line]];
        const c = byLine.get(line)!;
        const deadLetterId = merged && merged.status === "refused" ? merged.deadLetterId : null;
        const device = c.refusal.device ?? c.deviceId ?? undefined;
        return { status: "refused", reason: c.refusal.reason, message: c.refusal.message, ...(c.refusal.path ? { path: c.refusal.path } : {}), deadLetterId, ...(device ? { device } : {}) };
      });
    });
  }

  /** A gateway batch (JSON bytes, see gateway.ts). */
  async submitGatewayBatch(raw: Uint8Array, ctx: MessageContext): Promise<BatchOutcome> {
    let gateway: string | null = null;
    let whole = false;
    const base = deadLetterBase(ctx, raw, this.opts.maxBatchBytes);
    const outs = await this.enqueue(async () => {
      const r = await this.prepareBatch(raw, base, ctx);
      gateway = r.gateway;
      whole = r.whole;
      return r.cands;
    }, base);
    if (outs.length === 1 && outs[0].status === "refused" && outs[0].reason === "internal") whole = true;
    return whole ? { gateway, refused: outs[0], readings: [] } : { gateway, refused: null, readings: outs };
  }

  /** Waits until everything submitted so far is stored. */
  async drain(): Promise<void> {
    if (this.queue.length - this.head === 0 && !this.writing && this.inFlight.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Stops taking messages, stores what is queued, and stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, 10_000))]);
    this.devices.stop();
    await this.pool?.close();
  }

  // ---- preparation (parallel) ----

  private enqueue(prepare: () => Promise<Candidate[]>, fallback: DeadLetterBase): Promise<Outcome[]> {
    return new Promise<Outcome[]>((resolve, reject) => {
      this.push({ cands: null, resolve, reject, done: false, bytes: fallback.rawSize }, () => prepare().catch((e: Error) => [this.checkFailed(fallback, e)]));
    });
  }

  /** Queues an entry (or rejects it when the intake is closing or full) and stores it once `prepare` has decided its candidates. */
  private push(entry: Entry, prepare: () => Promise<Candidate[]>): void {
    if (this.closed) return entry.reject(new AppError("unavailable", "intake is shutting down", "the intake is shutting down; retry later"));
    // Back-pressure: what waits for storage is held in memory (parsed, about 7 times its raw
    // size), so a console that cannot keep up answers "busy" (HTTP 503, MQTT no PUBACK) instead
    // of growing until it fails. A message always gets in when nothing waits, however large.
    const bytes = entry.bytes;
    const waiting = this.queue.length - this.head;
    if (waiting >= (this.opts.maxQueued ?? 200_000) || (waiting > 0 && this.queuedBytes + bytes > (this.opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES))) {
      return entry.reject(new AppError("unavailable", `intake queue full (${waiting} messages, ${this.queuedBytes} bytes waiting)`, "the intake is busy; retry later"));
    }
    this.queuedBytes += bytes;
    this.queue.push(entry);
    void prepare().then((cands) => {
      entry.cands = cands;
      void this.pump();
    });
  }

  /** A message whose checks failed: kept as a dead letter with its raw bytes; if even that cannot be stored, the sender is not acknowledged. */
  private checkFailed(base: DeadLetterBase, e: Error): Candidate {
    this.opts.log?.(`intake: checking a message failed: ${e.message}`);
    return { kind: "refusal", refusal: refuse("internal", `the console could not check this message: ${e.message.slice(0, 200)}`), ...base };
  }

  /** The checks on this thread, with the device registry as cached (after the lookups the checks asked for). */
  private hereEnv(now: number): CheckEnv {
    return { now, device: (id) => this.devices.peek(id) ?? null, verify: this.verifyHere };
  }

  private async lookUp(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.devices.get(id)));
  }

  /**
   * Runs a message's checks on a worker; a device the worker does not know is looked up in
   * the database and the message checked again here (so is every message when no worker runs).
   */
  private async check<T extends CheckedReading | CheckedBatch>(onWorker: (() => Promise<T>) | null, here: (env: CheckEnv) => T, now: number): Promise<T> {
    const r = onWorker ? await onWorker().catch((e: Error) => this.workerFailed(e)) : null;
    // Without a worker's answer: this thread, with the cache as it is, asking for what it lacks.
    const first = r ?? here({ ...this.hereEnv(now), device: (id) => this.devices.peek(id) });
    if (first.kind !== "lookup") return first;
    await this.lookUp(first.ids);
    return here(this.hereEnv(now));
  }

  private checkReading(raw: Uint8Array, ctx: MessageContext, now: number): Promise<CheckedReading> {
    const c: CheckContext = { topicDepartment: ctx.topicDepartment, topicDataset: ctx.topicDataset };
    const pool = this.pool;
    return this.check(pool && (() => pool.reading(raw, c, now)), (env) => checkSignedReading(raw, c, env), now);
  }

  private lastWorkerWarning = 0;
  /** A worker could not check a message: it is checked here instead; said at most once a minute. */
  private workerFailed(e: Error): null {
    if (Date.now() - this.lastWorkerWarning > 60_000) {
      this.lastWorkerWarning = Date.now();
      this.opts.log?.(`intake: a check worker failed (${e.message}); checking on the main thread`);
    }
    return null;
  }

  private readingCandidate(r: CheckedReading, base: DeadLetterBase): Candidate {
    // A literal of one shape (no spread of the base: an NDJSON request makes a thousand of these).
    if (r.kind === "reading") {
      const { source, raw, rawSize, gatewayDeviceId, resolve, resolveAt } = base;
      return { kind: "reading", reading: r.reading, key: r.key, source, raw, rawSize, gatewayDeviceId, resolve, resolveAt, deviceId: r.deviceId, departmentId: r.departmentId };
    }
    if (r.kind === "refusal") return { kind: "refusal", refusal: r.refusal, ...base, deviceId: r.deviceId, departmentId: r.departmentId ?? base.departmentId };
    throw new Error("a reading was left waiting for a device lookup");
  }

  private checkBatch(raw: Uint8Array, ctx: MessageContext, now: number): Promise<CheckedBatch> {
    const c: CheckContext = { topicDepartment: ctx.topicDepartment, topicDataset: ctx.topicDataset, gatewaySample: this.gatewaySample };
    const pool = this.pool;
    return this.check(pool && (() => pool.batch(raw, c, now)), (env) => checkGatewayBatch(raw, c, env), now);
  }

  private async recheckWithFormerKeys(raw: Uint8Array, ctx: MessageContext, now: number): Promise<CheckedBatch> {
    const readings = (JSON.parse(new TextDecoder().decode(raw)) as { readings: { device?: unknown }[] }).readings;
    const ids = [...new Set(readings.map((x) => x?.device).filter((d): d is string => typeof d === "string"))];
    const rows = await this.opts.sql.query<{ device_id: string; public_key: Uint8Array }>(
      `SELECT device_id, public_key FROM device_key WHERE device_id = ANY($1::text[]) AND valid_until_leaf IS NOT NULL`,
      [ids],
    );
    const former = new Map<string, Uint8Array[]>();
    for (const row of rows) former.set(row.device_id, [...(former.get(row.device_id) ?? []), new Uint8Array(row.public_key)]);
    const c: CheckContext = { topicDepartment: ctx.topicDepartment, topicDataset: ctx.topicDataset, gatewaySample: this.gatewaySample };
    await this.lookUp(ids);
    return checkGatewayBatch(raw, c, { ...this.hereEnv(now), formerKeys: (d) => former.get(d) ?? [] });
  }

  private async prepareBatch(raw: Uint8Array, base: DeadLetterBase, ctx: MessageContext): Promise<{ gateway: string | null; whole: boolean; cands: Candidate[] }> {
    if (raw.length > this.opts.maxBatchBytes) return { gateway: null, whole: true, cands: [oversize(base, raw, this.opts.maxBatchBytes)] };
    const now = this.now();
    let r = await this.checkBatch(raw, ctx, now);
    // A sampled device signature failed: before quarantining, check it here against the keys its
    // device held before (a rotation while the reading waited at the gateway is no tampering).
    if (r.kind === "whole" && r.quarantine) r = await this.recheckWithFormerKeys(raw, ctx, now);
    if (r.kind === "lookup") throw new Error("a batch was left waiting for a device lookup");
    if (r.kind === "whole") {
      if (r.quarantine && r.gateway) await this.quarantine(r.gateway, r.refusal.message);
      const cand: Candidate = { kind: "refusal", refusal: r.refusal, ...base, deviceId: r.gateway, gatewayDeviceId: r.gateway, departmentId: r.departmentId ?? base.departmentId };
      return { gateway: r.gateway, whole: true, cands: [cand] };
    }
    const batch: GatewayBatch = { gateway: r.gateway, root: r.root, signature: r.signature, payloadHashes: r.payloadHashes };
    // A refused reading's dead letter keeps the exact bytes the gateway sent for it: found in
    // the raw batch only when it is dead-lettered (DeadLetterBase.resolve).
    let spans: [number, number][] | null | undefined;
    const rawOf = (i: number): Uint8Array => {
      if (spans === undefined) spans = arrayElementSpans(raw, "readings");
      const at = spans?.[i];
      if (at) return raw.subarray(at[0], at[1]);
      const all = JSON.parse(new TextDecoder().decode(raw)) as { readings: unknown[] };
      return enc.encode(JSON.stringify(all.readings[i]));
    };
    const transport = ctx.source.transport;
    const source = ctx.source;
    const noBytes = new Uint8Array(0);
    const { departmentId, gateway } = r;
    const resolve = (i: number) => ({ raw: rawOf(i), source: { transport, detail: `${source.detail} (batch of ${gateway}, reading ${i})` } });
    // One literal of a fixed shape per reading (no spreads: a batch makes thousands of these).
    const cands: Candidate[] = new Array(r.items.length);
    for (let i = 0; i < r.items.length; i++) {
      const it = r.items[i];
      cands[i] =
        it.kind === "reading"
          ? { kind: "reading", reading: it.reading, key: null, batch, source, raw: noBytes, rawSize: 0, departmentId, gatewayDeviceId: gateway, deviceId: it.reading.device, resolve, resolveAt: i }
          : { kind: "refusal", refusal: it.refusal, source, raw: noBytes, rawSize: 0, departmentId, gatewayDeviceId: gateway, deviceId: it.device, resolve, resolveAt: i };
    }
    return { gateway, whole: false, cands };
  }

  /**
   * A gateway carried a reading whose device signature does not verify: quarantined on the
   * ledger, and this intake's registry (and its workers' copies) told before the batch is
   * answered, so the gateway's next batch is refused. Batches of it already checked and
   * waiting for storage are still stored.
   */
  private async quarantine(gateway: string, reason: string): Promise<void> {
    try {
      if (await unsafeQuarantineGateway(this.opts.sql, { gateway, reason })) this.opts.log?.(`intake: gateway ${gateway} quarantined: ${reason}`);
      await this.devices.reload([gateway]);
    } catch (e) {
      this.opts.log?.(`intake: quarantining gateway ${gateway} failed: ${(e as Error).message}`);
    }
  }

  // ---- storage (arrival order; two writers in commit order on PostgreSQL) ----

  private get writers(): number {
    return this.opts.sql.mode === "server" ? Math.max(1, Math.min(2, this.opts.writers ?? 1)) : 1;
  }

  private ready(): boolean {
    return this.head < this.queue.length && !!this.queue[this.head].cands;
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      const max = this.opts.maxGroup ?? 5000;
      while (this.ready()) {
        const inTurn = this.writers > 1 && this.aloneGroups === 0;
        if (this.inFlight.size >= (inTurn ? this.writers : 1)) {
          // A group stored alone starts after every group in flight has ended, so in arrival order.
          await (inTurn ? Promise.race(this.inFlight) : Promise.all(this.inFlight));
          continue;
        }
        // Paced commits wait here; unpaced ones form their group in this very turn.
        const wait = this.paceWait();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastCommitAt = performance.now();
        const group: Entry[] = [];
        let n = 0;
        while (this.head < this.queue.length && this.queue[this.head].cands && (n === 0 || n + this.queue[this.head].cands!.length <= max)) {
          const e = this.queue[this.head++];
          group.push(e);
          n += e.cands!.length;
        }
        if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        // One writer: each group's store awaited before the next (PGlite, writers: 1, or after a missed forecast).
        const turn = inTurn ? this.turns.next() : null;
        if (!inTurn && this.aloneGroups > 0) this.aloneGroups--;
        const stored = this.store(group, turn)
          .catch((e: Error) => this.opts.log?.(`intake: storing a group failed: ${e.message}`))
          .finally(() => {
            for (const e of group) this.queuedBytes -= e.bytes;
            turn?.ended();
            this.inFlight.delete(stored);
            if (turn) void this.pump();
          });
        this.inFlight.add(stored);
        if (!turn) await stored;
      }
    } finally {
      this.writing = false;
    }
    if (this.ready()) return this.pump();
    if (this.head >= this.queue.length && this.inFlight.size === 0) {
      const w = this.idle;
      this.idle = [];
      w.forEach((f) => f());
    }
  }

  /**
   * How long the next transaction waits (ms, 0: none): when commits are paced and fewer than
   * commitMinGroup readings are ready, until commitIntervalMs after the previous transaction
   * started, so that what arrives meanwhile joins it. A message after a quiet spell is stored at once.
   */
  private paceWait(): number {
    const interval = this.opts.commitIntervalMs ?? 0;
    if (interval <= 0 || this.closed) return 0;
    const wait = this.lastCommitAt + interval - performance.now();
    const min = this.opts.commitMinGroup ?? 500;
    return wait > 0 && this.readyReadings(min) < min ? wait : 0;
  }

  /** Candidates ready to store at the head of the queue, counted up to `upTo`. */
  private readyReadings(upTo: number): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length && this.queue[i].cands && n < upTo; i++) n += this.queue[i].cands!.length;
    return n;
  }

  private async store(group: Entry[], turn: Turn | null = null): Promise<void> {
    const cands = group.flatMap((e) => e.cands!);
    try {
      let outcomes: Outcome[];
      if (turn) {
        const r = await commitCandidatesInTurn(this.opts.sql, cands, turn, this.hook);
        if (!r.forecastHeld) {
          this.counters.forecastsMissed++;
          this.aloneGroups = ALONE_AFTER_MISS;
        }
        outcomes = r.outcomes;
      } else outcomes = (await commitCandidates(this.opts.sql, cands, this.hook)).outcomes;
      this.counters.commits++;
      let o = 0;
      for (const e of group) {
        const mine = outcomes.slice(o, o + e.cands!.length);
        o += e.cands!.length;
        this.count(mine);
        e.resolve(mine);
      }
    } catch (err) {
      // Stored again one message at a time after the turn before has ended, so in arrival order.
      await turn?.predecessorEnded();
      await this.storeFailed(group, err as Error);
    }
  }

  /** A group that could not be stored: find the message at fault, or report the database unavailable. */
  private async storeFailed(group: Entry[], err: Error): Promise<void> {
    const alive = await this.opts.sql.query(`SELECT 1`).then(
      () => true,
      () => false,
    );
    if (!alive) {
      this.opts.log?.(`intake: database unavailable (${err.message}); ${group.length} messages not acknowledged`);
      const e = new AppError("unavailable", `database unavailable: ${err.message}`, "the database is unavailable; retry later");
      group.forEach((g) => g.reject(e));
      return;
    }
    // An entry of several messages (submitReadings) is split into them: each is stored or fails alone.
    if (group.length === 1 && group[0].split && group[0].cands!.length > 1) group = group[0].split();
    if (group.length > 1) {
      const mid = Math.floor(group.length / 2);
      await this.store(group.slice(0, mid));
      await this.store(group.slice(mid));
      return;
    }
    // One message: try once more (the failure may have been passing), then keep it as a dead
    // letter rather than lose it or retry forever.
    const [entry] = group;
    await new Promise((r) => setTimeout(r, 100));
    try {
      const { outcomes } = await commitCandidates(this.opts.sql, entry.cands!, this.hook);
      this.counters.commits++;
      this.count(outcomes);
      entry.resolve(outcomes);
      return;
    } catch (again) {
      err = again as Error;
    }
    this.opts.log?.(`intake: a message could not be stored (${err.message}); dead-lettered as internal`);
    try {
      const rows = entry.cands!.map((c) => ({ ...c, refusal: refuse("internal", `the console could not store this message: ${err.message.slice(0, 200)}`) }));
      const ids = await storeDeadLettersOnly(this.opts.sql, rows);
      const outs: Outcome[] = rows.map((r, i) => ({ status: "refused", reason: "internal", message: r.refusal.message, deadLetterId: ids[i] }));
      this.count(outs);
      entry.resolve(outs);
    } catch (e2) {
      entry.reject(new AppError("unavailable", `could not store: ${(e2 as Error).message}`, "the message could not be stored; retry later"));
    }
  }

  private count(outs: Outcome[]): void {
    for (const o of outs) {
      if (o.status === "accepted") {
        if (o.duplicate) this.counters.duplicates++;
        else this.counters.accepted++;
      } else this.counters.refused[o.reason] = (this.counters.refused[o.reason] ?? 0) + 1;
    }
  }
}

/** Groups stored one writer at a time after a turn's forecast missed (Intake.aloneGroups). */
const ALONE_AFTER_MISS = 8;

/** How much of a request whose lines were refused its one dead letter keeps (its size is kept too). */
const MERGED_RAW_BYTES = 64 * 1024;

/**
 * One dead letter for the refused lines of an NDJSON request: the reason they share (or
 * refused_lines when they differ), how many of how many lines were refused by reason, and the
 * first refused line's message and field; the request's first bytes.
 */
function mergedRefusal(base: DeadLetterBase, refused: { line: number; cand: Candidate & { kind: "refusal" } }[], total: number): Candidate {
  const counts = new Map<string, number>();
  for (const r of refused) counts.set(r.cand.refusal.reason, (counts.get(r.cand.refusal.reason) ?? 0) + 1);
  const first = refused[0];
  const reasons = [...counts.keys()];
  const devices = new Set(refused.map((r) => r.cand.refusal.device ?? r.cand.deviceId ?? null));
  const departments = new Set(refused.map((r) => r.cand.refusal.department ?? r.cand.departmentId ?? null));
  const byReason = [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
  const refusal: Refusal = {
    reason: reasons.length === 1 ? first.cand.refusal.reason : "refused_lines",
    message: `${refused.length} of ${total} lines refused (${byReason}); line ${first.line + 1}: ${first.cand.refusal.message}`.slice(0, 2000),
    path: `line ${first.line + 1}${first.cand.refusal.path ? `: ${first.cand.refusal.path}` : ""}`,
  };
  const device = devices.size === 1 ? [...devices][0] : null;
  const department = departments.size === 1 ? [...departments][0] : base.departmentId;
  return { kind: "refusal", refusal, ...base, deviceId: device, departmentId: department ?? null };
}

function oversize(base: DeadLetterBase, raw: Uint8Array, limit: number, size = raw.length): Candidate {
  return {
    kind: "refusal",
    refusal: refuse("oversize", `message of ${size} bytes exceeds the limit of ${limit} bytes`),
    ...base,
    raw: raw.subarray(0, Math.min(raw.length, limit)),
    rawSize: size,
  };
}
