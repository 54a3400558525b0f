import type { Sql } from "../db/sql";
import { AppError } from "../errors";
import { fromBase64, toHex } from "../ledger/encoding";
import { DeviceCache, type DeviceInfo } from "./device-cache";
import { envelopeBytes, isRefusal, MAX_CLOCK_SKEW_MS, parseJsonBytes, parseSignedEnvelope, payloadHashOf, type ParsedReading } from "./envelope";
import { batchRootOf, GatewayBatchShape, gatewayStatementBytes } from "./gateway";
import { checkValues } from "./values-schema";
import { arrayElementSpans } from "./json-spans";
import { commitCandidates, storeDeadLettersOnly, type Candidate, type DeadLetterBase, type GatewayBatch, type Outcome, type Source } from "./commit";
import { refuse, type Refusal } from "./refusal";
import { createVerifier, type VerifyItem, type Verifier } from "./verifier";
import { prepareReadingRows, type AcceptedReading } from "./store-readings";

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
  /** Verification worker threads (default: one per core); 0 verifies on this thread. */
  threads?: number;
  verifier?: Verifier;
  /** Most readings stored in one transaction. */
  maxGroup?: number;
  /** Most messages waiting; beyond it callers get 503 and should retry. */
  maxQueued?: number;
  /** Called after each commit with the readings newly stored (e.g. to announce live updates). */
  onStored?: (readings: AcceptedReading[]) => void;
  log?: (m: string) => void;
  now?: () => number;
};

export type IntakeStats = { accepted: number; duplicates: number; refused: Record<string, number>; queued: number; commits: number; verifyThreads: number; devices: number };

type Entry = { cands: Candidate[] | null; resolve(o: Outcome[]): void; reject(e: Error): void; done: boolean };

const enc = new TextEncoder();

/**
 * A large batch is checked in slices with the event loop let through in between, so the
 * writer's commit (and other I/O) goes on while it is checked: the database is not left
 * waiting behind one batch's hashing.
 */
const YIELD_EVERY = 128;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The intake: every transport (HTTP, MQTT) hands raw messages here. Each message is
 * parsed, checked against the device registry and its dataset's schema, its signature
 * verified on worker threads, and then stored in arrival order by one writer that groups
 * whatever is ready into one transaction (readings with their ledger leaves, refusals as
 * dead letters). A message's promise resolves only after that commit: acknowledged means
 * stored, as a reading or as a dead letter.
 */
export class Intake {
  readonly devices: DeviceCache;
  private readonly verifier: Verifier;
  private readonly queue: Entry[] = [];
  private head = 0;
  private writing = false;
  private closed = false;
  private verifyQueue: { item: VerifyItem; resolve(ok: boolean): void; reject(e: Error): void }[] = [];
  private verifyScheduled = false;
  private readonly counters = { accepted: 0, duplicates: 0, commits: 0, refused: {} as Record<string, number> };
  private readonly now: () => number;
  private idle: (() => void)[] = [];

  private constructor(private readonly opts: IntakeOptions) {
    this.devices = new DeviceCache(opts.sql);
    this.verifier = opts.verifier ?? createVerifier({ threads: opts.threads, log: opts.log });
    this.now = opts.now ?? Date.now;
  }

  /** Creates an intake and loads the device registry. */
  static async start(opts: IntakeOptions): Promise<Intake> {
    const intake = new Intake(opts);
    await intake.devices.start();
    return intake;
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }
  get maxBatchBytes(): number {
    return this.opts.maxBatchBytes;
  }

  stats(): IntakeStats {
    return { ...this.counters, refused: { ...this.counters.refused }, queued: this.queue.length - this.head, verifyThreads: this.verifier.threads, devices: this.devices.size };
  }

  /** One signed reading (JSON bytes). */
  submitReading(raw: Uint8Array, ctx: MessageContext): Promise<Outcome> {
    const base: DeadLetterBase = { source: ctx.source, raw: raw.subarray(0, this.opts.maxMessageBytes), rawSize: raw.length, departmentId: ctx.topicDepartment ?? null };
    return this.enqueue(async () => {
      if (raw.length > this.opts.maxMessageBytes) return [oversize(base, raw, this.opts.maxMessageBytes)];
      const parsed = parseJsonBytes(raw);
      if (isRefusal(parsed)) return [{ kind: "refusal", refusal: parsed, ...base }];
      return [await this.prepareSigned(parsed.value, base, ctx)];
    }, base).then((o) => o[0]);
  }

  /** A message that was too large to read whole: dead-lettered with its first bytes. */
  refuseOversize(prefix: Uint8Array, size: number, limit: number, ctx: MessageContext): Promise<Outcome> {
    const base: DeadLetterBase = { source: ctx.source, raw: prefix.subarray(0, limit), rawSize: size, departmentId: ctx.topicDepartment ?? null };
    return this.enqueue(async () => [oversize(base, prefix, limit, size)], base).then((o) => o[0]);
  }

  /** A message the transport already refused (e.g. a topic that is not an intake topic): dead-lettered. */
  refuseMessage(raw: Uint8Array, refusal: Refusal, ctx: MessageContext): Promise<Outcome> {
    const base: DeadLetterBase = { source: ctx.source, raw: raw.subarray(0, this.opts.maxBatchBytes), rawSize: raw.length, departmentId: ctx.topicDepartment ?? null };
    return this.enqueue(async () => [{ kind: "refusal", refusal, ...base }], base).then((o) => o[0]);
  }

  /** Newline-delimited JSON: one signed reading per line (blank lines are skipped). */
  submitNdjson(raw: Uint8Array, ctx: MessageContext): Promise<Outcome[]> {
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i <= raw.length; i++) {
      if (i === raw.length || raw[i] === 0x0a) {
        let end = i;
        if (end > start && raw[end - 1] === 0x0d) end--;
        const line = raw.subarray(start, end);
        if (line.some((b) => b !== 0x20 && b !== 0x09)) lines.push(line);
        start = i + 1;
      }
    }
    return Promise.all(lines.map((l) => this.submitReading(l, ctx)));
  }

  /** A gateway batch (JSON bytes, see gateway.ts). */
  async submitGatewayBatch(raw: Uint8Array, ctx: MessageContext): Promise<BatchOutcome> {
    let gateway: string | null = null;
    let whole = false;
    const base: DeadLetterBase = { source: ctx.source, raw: raw.subarray(0, this.opts.maxBatchBytes), rawSize: raw.length, departmentId: ctx.topicDepartment ?? null };
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
    if (this.queue.length - this.head === 0 && !this.writing) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Stops taking messages, stores what is queued, and stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, 10_000))]);
    this.devices.stop();
    await this.verifier.close();
  }

  // ---- preparation (parallel) ----

  private enqueue(prepare: () => Promise<Candidate[]>, fallback: DeadLetterBase): Promise<Outcome[]> {
    if (this.closed) return Promise.reject(new AppError("unavailable", "intake is shutting down", "the intake is shutting down; retry later"));
    if (this.queue.length - this.head >= (this.opts.maxQueued ?? 200_000)) {
      return Promise.reject(new AppError("unavailable", "intake queue full", "the intake is busy; retry later"));
    }
    return new Promise<Outcome[]>((resolve, reject) => {
      const entry: Entry = { cands: null, resolve, reject, done: false };
      this.queue.push(entry);
      prepare()
        .catch((e: Error): Candidate[] => {
          // Kept as a dead letter with its raw bytes; if even that cannot be stored, the sender is not acknowledged.
          this.opts.log?.(`intake: checking a message failed: ${e.message}`);
          return [{ kind: "refusal", refusal: refuse("internal", `the console could not check this message: ${e.message.slice(0, 200)}`), ...fallback }];
        })
        .then((cands) => {
          entry.cands = cands;
          void this.pump();
        });
    });
  }

  private verify(item: VerifyItem): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.verifyQueue.push({ item, resolve, reject });
      if (!this.verifyScheduled) {
        this.verifyScheduled = true;
        setImmediate(() => {
          this.verifyScheduled = false;
          const q = this.verifyQueue;
          this.verifyQueue = [];
          this.verifier.verify(q.map((x) => x.item)).then(
            (ok) => q.forEach((x, i) => x.resolve(ok[i] === 1)),
            (e: Error) => q.forEach((x) => x.reject(e)),
          );
        });
      }
    });
  }

  /** Checks a device may send: known, with an active key. */
  private deviceRefusal(id: string, dev: DeviceInfo | null): Refusal | null {
    if (!dev) return { ...refuse("unknown_device", `device ${JSON.stringify(id)} is not registered`, "device"), device: id };
    if (dev.status !== "active") return { ...refuse("revoked_key", `the key of device ${id} was revoked`, "device"), device: id, department: dev.departmentId };
    if (!dev.publicKey) return { ...refuse("unknown_device", `device ${id} has no registered key`, "device"), device: id, department: dev.departmentId };
    return null;
  }

  /** The checks shared by single readings and gateway-batched ones, after the device is known. */
  private contentRefusal(p: ParsedReading, dev: DeviceInfo, ctx: MessageContext, departmentOf: string): Refusal | null {
    const e = p.envelope;
    const who = { device: e.device, department: dev.departmentId };
    if (e.dataset !== dev.datasetId) return { ...refuse("schema", `device ${e.device} writes dataset ${dev.datasetId}, not ${e.dataset}`, "dataset"), ...who };
    if (ctx.topicDataset !== undefined && ctx.topicDataset !== e.dataset) {
      return { ...refuse("schema", `topic is for dataset ${ctx.topicDataset} but the reading is for ${e.dataset}`, "topic"), ...who };
    }
    if (dev.departmentId !== departmentOf) return { ...refuse("schema", `device ${e.device} belongs to department ${dev.departmentId}, not ${departmentOf}`, "topic"), ...who };
    const bad = checkValues(e.dataset, e.values);
    return bad ? { ...bad, ...who } : null;
  }

  private async prepareSigned(value: unknown, base: DeadLetterBase, ctx: MessageContext): Promise<Candidate> {
    const claimed = typeof (value as { device?: unknown })?.device === "string" ? ((value as { device: string }).device).slice(0, 256) : null;
    const b = { ...base, deviceId: claimed };
    const p = parseSignedEnvelope(value, this.now());
    if (isRefusal(p)) return { kind: "refusal", refusal: p, ...b };
    const e = p.envelope;
    const dev = this.devices.peek(e.device) ?? (await this.devices.get(e.device));
    const no = this.deviceRefusal(e.device, dev) ?? this.contentRefusal(p, dev!, ctx, ctx.topicDepartment ?? dev!.departmentId);
    if (no) return { kind: "refusal", refusal: no, ...b, departmentId: dev?.departmentId ?? b.departmentId };
    let bytes: Uint8Array;
    try {
      bytes = envelopeBytes(e);
    } catch (err) {
      return { kind: "refusal", refusal: refuse("schema", `the envelope has no canonical JSON form: ${(err as Error).message}`), ...b };
    }
    const ok = await this.verify({ device: e.device, key: dev!.publicKey!, message: bytes, signature: p.signature });
    if (!ok) return { kind: "refusal", refusal: { ...refuse("bad_signature", `the signature does not verify with device ${e.device}'s registered key`, "signature"), device: e.device, department: dev!.departmentId }, ...b };
    const reading: AcceptedReading = { ...e, payloadHash: payloadHashOf(bytes), signature: p.signature };
    reading.prepared = prepareReadingRows(reading);
    return { kind: "reading", reading, key: dev!.publicKey, ...b, departmentId: dev!.departmentId };
  }

  private async prepareBatch(raw: Uint8Array, base: DeadLetterBase, ctx: MessageContext): Promise<{ gateway: string | null; whole: boolean; cands: Candidate[] }> {
    const wholeRefusal = (refusal: Refusal, gateway: string | null, dept?: string | null): { gateway: string | null; whole: boolean; cands: Candidate[] } => ({
      gateway,
      whole: true,
      cands: [{ kind: "refusal", refusal, ...base, deviceId: gateway, gatewayDeviceId: gateway, departmentId: dept ?? base.departmentId }],
    });
    if (raw.length > this.opts.maxBatchBytes) return { gateway: null, whole: true, cands: [oversize(base, raw, this.opts.maxBatchBytes)] };
    const parsed = parseJsonBytes(raw);
    if (isRefusal(parsed)) return wholeRefusal(parsed, null);
    const shape = GatewayBatchShape.safeParse(parsed.value);
    const claimed = typeof (parsed.value as { gateway?: unknown })?.gateway === "string" ? ((parsed.value as { gateway: string }).gateway).slice(0, 256) : null;
    if (!shape.success) {
      const issue = shape.error.issues[0];
      if (issue.code === "unrecognized_keys") return wholeRefusal(refuse("unknown_field", `${issue.keys[0]} is not a member of a gateway batch (gateway, batchRoot, signature, readings)`, issue.keys[0]), claimed);
      const path = issue.path.map(String).join(".") || "(root)";
      return wholeRefusal(refuse("schema", `gateway batch ${path}: ${issue.message}`, path), claimed);
    }
    const w = shape.data;
    const gw = await this.devices.get(w.gateway);
    const gwNo = this.deviceRefusal(w.gateway, gw);
    if (gwNo) return wholeRefusal(gwNo, w.gateway, gw?.departmentId);
    if (gw!.kind !== "gateway") return wholeRefusal(refuse("unknown_device", `device ${w.gateway} is a ${gw!.kind}, not a gateway`, "gateway"), w.gateway, gw!.departmentId);
    if (ctx.topicDepartment !== undefined && ctx.topicDepartment !== gw!.departmentId) {
      return wholeRefusal(refuse("schema", `gateway ${w.gateway} belongs to department ${gw!.departmentId}, not ${ctx.topicDepartment} of the topic`, "topic"), w.gateway, gw!.departmentId);
    }
    let gwSig: Uint8Array;
    try {
      gwSig = fromBase64(w.signature);
    } catch (e) {
      return wholeRefusal(refuse("schema", `signature must be canonical base64: ${(e as Error).message}`, "signature"), w.gateway, gw!.departmentId);
    }
    // Every reading must have a well-formed envelope, or the batch root cannot be recomputed.
    const parsedReadings: ParsedReading[] = [];
    const hashes: Uint8Array[] = [];
    const bytesOf: Uint8Array[] = [];
    for (let i = 0; i < w.readings.length; i++) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
      const p = parseSignedEnvelope(w.readings[i], Number.POSITIVE_INFINITY);
      if (isRefusal(p)) {
        const path = `readings.${i}${p.path && p.path !== "(root)" ? `.${p.path}` : ""}`;
        return wholeRefusal({ ...p, path, message: `readings[${i}]: ${p.message}` }, w.gateway, gw!.departmentId);
      }
      let bytes: Uint8Array;
      try {
        bytes = envelopeBytes(p.envelope);
      } catch (e) {
        return wholeRefusal(refuse("schema", `readings[${i}] has no canonical JSON form: ${(e as Error).message}`, `readings.${i}`), w.gateway, gw!.departmentId);
      }
      parsedReadings.push(p);
      bytesOf.push(bytes);
      hashes.push(payloadHashOf(bytes));
    }
    const root = batchRootOf(hashes);
    if (toHex(root) !== w.batchRoot) {
      return wholeRefusal(refuse("bad_gateway_signature", `batchRoot ${w.batchRoot} is not the root over the batch's readings (${toHex(root)})`, "batchRoot"), w.gateway, gw!.departmentId);
    }
    const ok = gwSig.length === 64 && (await this.verify({ device: w.gateway, key: gw!.publicKey!, message: gatewayStatementBytes(w.gateway, root), signature: gwSig }));
    if (!ok) return wholeRefusal(refuse("bad_gateway_signature", `the batch signature does not verify with gateway ${w.gateway}'s registered key`, "signature"), w.gateway, gw!.departmentId);

    const batch: GatewayBatch = { gateway: w.gateway, root, signature: gwSig, payloadHashes: hashes };
    const proof = { device: w.gateway, batchRoot: root, signature: gwSig };
    const now = this.now();
    // A refused reading's dead letter keeps the exact bytes the gateway sent for it: found in
    // the raw batch only when it is dead-lettered (DeadLetterBase.resolve).
    let spans: [number, number][] | null | undefined;
    const rawOf = (i: number): Uint8Array => {
      if (spans === undefined) spans = arrayElementSpans(raw, "readings");
      const at = spans?.[i];
      return at ? raw.subarray(at[0], at[1]) : enc.encode(JSON.stringify(w.readings[i]));
    };
    const transport = ctx.source.transport;
    const base0 = { source: ctx.source, raw: new Uint8Array(0), rawSize: 0, departmentId: gw!.departmentId, gatewayDeviceId: w.gateway };
    const baseFor = (i: number, device: string): DeadLetterBase => ({
      ...base0,
      deviceId: device,
      resolve: () => ({ raw: rawOf(i), source: { transport, detail: `${ctx.source.detail} (batch of ${w.gateway}, reading ${i})` } }),
    });
    const cands: Candidate[] = [];
    for (let i = 0; i < parsedReadings.length; i++) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
      const p = parsedReadings[i];
      const e = p.envelope;
      if (Date.parse(e.observedAt) > now + MAX_CLOCK_SKEW_MS) {
        cands.push({ ...baseFor(i, e.device), kind: "refusal", refusal: refuse("future_timestamp", `observedAt ${e.observedAt} is more than ${MAX_CLOCK_SKEW_MS / 1000} s ahead of the console's clock`, "observedAt") });
        continue;
      }
      const dev = this.devices.peek(e.device) ?? (await this.devices.get(e.device));
      const no = this.deviceRefusal(e.device, dev) ?? this.contentRefusal(p, dev!, { source: ctx.source }, gw!.departmentId);
      if (no) {
        cands.push({ ...baseFor(i, e.device), kind: "refusal", refusal: no });
        continue;
      }
      const reading: AcceptedReading = { ...e, payloadHash: hashes[i], signature: p.signature, gateway: proof };
      reading.prepared = prepareReadingRows(reading);
      cands.push({ ...baseFor(i, e.device), kind: "reading", reading, key: null, batch });
    }
    return { gateway: w.gateway, whole: false, cands };
  }

  // ---- storage (one writer, arrival order) ----

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      const max = this.opts.maxGroup ?? 5000;
      while (this.head < this.queue.length && this.queue[this.head].cands) {
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
        await this.store(group);
      }
    } finally {
      this.writing = false;
    }
    if (this.head < this.queue.length && this.queue[this.head].cands) return this.pump();
    if (this.head >= this.queue.length) {
      const w = this.idle;
      this.idle = [];
      w.forEach((f) => f());
    }
  }

  private async store(group: Entry[]): Promise<void> {
    const cands = group.flatMap((e) => e.cands!);
    try {
      const { outcomes, stored } = await commitCandidates(this.opts.sql, cands);
      this.counters.commits++;
      let o = 0;
      for (const e of group) {
        const mine = outcomes.slice(o, o + e.cands!.length);
        o += e.cands!.length;
        this.count(mine);
        e.resolve(mine);
      }
      this.announce(stored);
    } catch (err) {
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
      const { outcomes, stored } = await commitCandidates(this.opts.sql, entry.cands!);
      this.counters.commits++;
      this.count(outcomes);
      entry.resolve(outcomes);
      this.announce(stored);
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

  private announce(stored: AcceptedReading[]): void {
    if (!stored.length || !this.opts.onStored) return;
    try {
      this.opts.onStored(stored);
    } catch (err) {
      this.opts.log?.(`intake: announcing stored readings failed: ${(err as Error).message}`);
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

function oversize(base: DeadLetterBase, raw: Uint8Array, limit: number, size = raw.length): Candidate {
  return {
    kind: "refusal",
    refusal: refuse("oversize", `message of ${size} bytes exceeds the limit of ${limit} bytes`),
    ...base,
    raw: raw.subarray(0, Math.min(raw.length, limit)),
    rawSize: size,
  };
}
