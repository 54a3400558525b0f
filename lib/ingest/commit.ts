import type { Sql, SqlTx } from "../db/sql";
import { appendReadingLeaves, insertReadings, type StorableReading } from "./store-readings";
import type { Refusal, RefusalReason } from "./refusal";
import { deadLetterCap } from "./dead-letter-cap";
import { toHex as hex } from "../ledger/encoding";
import { payloadHashOfRow, type EnvelopeRow } from "./envelope";
import { runTurn, TurnMissed, type Turn } from "./writer-turns";

/** Where a message came from, for its dead letter: transport plus topic or route and remote. */
export type Source = { transport: "http" | "mqtt"; detail: string };

/** What a dead letter keeps besides the reason. */
export type DeadLetterBase = {
  source: Source;
  raw: Uint8Array;
  rawSize: number;
  deviceId?: string | null;
  departmentId?: string | null;
  gatewayDeviceId?: string | null;
  /**
   * For a reading inside a gateway batch: its exact bytes and source, found in the raw batch
   * only when it is dead-lettered (raw, rawSize and source above are then placeholders), by
   * `resolve(resolveAt)`: one function for the batch, not a closure per reading.
   */
  resolve?: (at: number) => { raw: Uint8Array; source: Source };
  resolveAt?: number;
};

/** A gateway batch whose signature checked out, to be stored with the readings it carried. */
export type GatewayBatch = { gateway: string; root: Uint8Array; signature: Uint8Array; payloadHashes: Uint8Array[]; id?: number };

/** One message, decided before the transaction: a reading to store, or a refusal to dead-letter. */
export type Candidate = DeadLetterBase &
  (
    | { kind: "reading"; reading: StorableReading; key: Uint8Array | null; batch?: GatewayBatch }
    | { kind: "refusal"; refusal: Refusal }
  );

export type Outcome =
  | { status: "accepted"; leafIndex: number; duplicate: boolean; device: string; seq: number }
  /** deadLetterId is null when the dead letter was not kept (the cap on dead letters per minute, see dead-letter-cap.ts). */
  | { status: "refused"; reason: RefusalReason; message: string; path?: string; deadLetterId: number | null; device?: string; seq?: number };

type DeviceRow = { id: string; public_key: Uint8Array | null; status: string; last_seq: number };

/**
 * How far below a device's last accepted seq a seq never stored is still taken, by default
 * (INGEST_SEQ_WINDOW sets it; 0: strictly increasing seqs only). Readings of one device may
 * reach two processes of a cluster at once (MQTT shared subscriptions hand a topic's messages
 * out in turn, lib/mqtt/intake-slots.ts), so the later seq can commit first. An anti-replay
 * window as in IPsec (RFC 4303 §3.4.3), but exact: a seq in the window is refused if a reading
 * of it is stored (a resend with the same payload hash is acknowledged with its leaf), so
 * nothing is taken twice, and a device's late reading is stored, not dead-lettered. Below the
 * window any seq not stored is a replay.
 */
export const SEQ_WINDOW = 1024;

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) => !!a && !!b && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/**
 * Stores one group of decided messages in one transaction, in order: locks the devices'
 * rows, checks each reading's key and status against the locked row and its seq against
 * the device's last accepted seq (a resend of an accepted reading with the same payload
 * hash is acknowledged with the leaf it already has; a seq never stored within SEQ_WINDOW
 * below the last is stored; any other old seq is a replay),
 * stores gateway batches, readings with their ledger leaves, the devices' new last seq,
 * and every refusal as a dead letter. Returns one outcome per candidate and the readings
 * newly stored. Either everything is committed or nothing is.
 */
export async function commitCandidates(sql: Sql, cands: readonly Candidate[], hook: CommitHook = {}): Promise<{ outcomes: Outcome[]; stored: StorableReading[] }> {
  return sql.transaction((tx) => commitInTx(tx, cands, hook));
}

/**
 * Called inside each commit's transaction once its readings are stored, with them and the
 * first one's leaf (they have consecutive leaves): the composition root wires the map's fold
 * here (lib/server/start.ts), so ingest knows nothing of who listens.
 */
export type OnCommit = (tx: SqlTx, stored: readonly StorableReading[], firstLeaf: number) => Promise<void>;
export type CommitHook = { onCommit?: OnCommit; log?: (m: string) => void; seqWindow?: number };

/**
 * Runs the commit hook behind a savepoint: if it fails, what it did is undone and the
 * readings are committed all the same (what the hook derives can be derived again later;
 * an accepted reading is never refused for it).
 */
async function runHook(tx: SqlTx, hook: CommitHook, stored: readonly StorableReading[], first: number): Promise<void> {
  if (!hook.onCommit || !stored.length) return;
  await tx.exec(`SAVEPOINT on_commit`);
  try {
    await hook.onCommit(tx, stored, first);
    await tx.exec(`RELEASE SAVEPOINT on_commit`);
  } catch (e) {
    await tx.exec(`ROLLBACK TO SAVEPOINT on_commit`);
    hook.log?.(`intake: the commit hook failed (${(e as Error).message}); readings stored, left to the backlog`);
  }
}

/**
 * Like commitCandidates, as one turn of the intake's two writers on PostgreSQL (writer-turns.ts
 * says how and why): the reading rows are COPYed with forecast leaf indexes while the turn
 * before still runs, then everything is decided again under the locks and the leaves taken as
 * one writer does. A forecast that does not hold rolls the transaction back and the group is
 * stored again the one-writer way, after the turn before has ended. The caller ends the turn
 * (turn.ended()) once its store is over, retries included.
 */
export async function commitCandidatesInTurn(sql: Sql, cands: readonly Candidate[], turn: Turn, hook: CommitHook = {}): Promise<{ outcomes: Outcome[]; stored: StorableReading[]; forecastHeld: boolean }> {
  const { value, held } = await runTurn(sql, turn, {
    early: (tx, first, decided) => writeEarly(tx, cands, hook, first, decided),
    locked: (tx, early) => commitInTx(tx, cands, hook, early),
    alone: () => commitCandidates(sql, cands, hook),
  });
  return { ...value, forecastHeld: held };
}

/** What a turn wrote before its locks: the candidates whose readings it COPYed, in order, from leaf `first`. */
type Early = { first: number; accepted: number[] };

/**
 * A turn's work before its locks: reads the devices' rows and the resends' earlier readings
 * without locking them, decides as commitInTx does, tells the turn how many readings it will
 * store (so the next turn can forecast its own leaves), takes the gateway batches' ids and
 * COPYs the reading rows with leaf indexes from `first`.
 */
async function writeEarly(tx: SqlTx, cands: readonly Candidate[], hook: CommitHook, first: number, decided: (n: number) => void): Promise<Early> {
  const state = await readState(tx, cands, false);
  const d = decide(cands, state, hook.seqWindow ?? SEQ_WINDOW);
  decided(d.accepted.length);
  const stored = await takeBatchIds(tx, cands, d.accepted);
  if (stored.length) await insertReadings(tx, stored, first);
  return { first, accepted: d.accepted.map((a) => a.i) };
}

type ReadingCand = Candidate & { kind: "reading" };
type State = { readingCands: ReadingCand[]; devices: Map<string, DeviceRow>; quarantined: Set<string>; existing: Map<string, { hash: string; leaf: number }> };

/**
 * The rows the decisions read: the devices' (locked FOR UPDATE with `lock`), their gateways'
 * quarantine (FOR SHARE with `lock`) and earlier readings of the seqs at or below a device's last.
 */
async function readState(tx: SqlTx, cands: readonly Candidate[], lock: boolean): Promise<State> {
  // One pass, no array per reading (a group holds thousands): the readings, their devices and gateways.
  const readingCands: ReadingCand[] = [];
  const deviceIds = new Set<string>();
  const gatewayIds = new Set<string>();
  for (const c of cands) {
    if (c.kind !== "reading") continue;
    readingCands.push(c);
    deviceIds.add(c.reading.device);
    if (c.batch) gatewayIds.add(c.batch.gateway);
  }
  const ids = [...deviceIds].sort();
  const devices = new Map<string, DeviceRow>();
  if (ids.length) {
    const rows = await tx.query<DeviceRow>(`SELECT id, public_key, status, last_seq FROM device WHERE id = ANY($1::text[]) ORDER BY id${lock ? " FOR UPDATE" : ""}`, [ids]);
    for (const r of rows) devices.set(r.id, { ...r, last_seq: Number(r.last_seq) });
  }
  // Gateways quarantined since their batches were checked: nothing they carried is stored. The
  // share lock orders this transaction against a quarantine's update of the gateway's row.
  const gateways = [...gatewayIds].sort();
  const quarantined = new Set<string>();
  if (gateways.length) {
    const rows = await tx.query<{ id: string; quarantined: boolean }>(
      `SELECT id, quarantined_at IS NOT NULL AS quarantined FROM device WHERE id = ANY($1::text[]) ORDER BY id${lock ? " FOR SHARE" : ""}`,
      [gateways],
    );
    for (const r of rows) if (r.quarantined) quarantined.add(r.id);
  }
  // Earlier readings of (device, seq) at or below the device's last seq, for idempotent resends.
  const old = readingCands.filter((c) => {
    const d = devices.get(c.reading.device);
    return d && c.reading.seq <= d.last_seq;
  });
  const existing = new Map<string, { hash: string; leaf: number }>();
  if (old.length) {
    // The stored rows' payload hashes, derived from the rows where not stored (since migration
    // 20261207050000): one canonical encoding and hash a resend, never for a new reading.
    const rows = await tx.query<EnvelopeRow & { device_id: string; seq: number; payload_hash: Uint8Array | null; leaf_index: number }>(
      `SELECT r.device_id, r.seq, r.payload_hash, r.leaf_index, r.dataset_id, r.observed_at, r.lon, r.lat, r.payload::text AS payload
         FROM reading r JOIN unnest($1::text[], $2::int8[]) AS u(d, s) ON r.device_id = u.d AND r.seq = u.s`,
      [old.map((c) => c.reading.device), old.map((c) => c.reading.seq)],
    );
    for (const r of rows) existing.set(`${r.device_id}\u0000${Number(r.seq)}`, { hash: hex(payloadHashOfRow(r)), leaf: Number(r.leaf_index) });
  }
  return { readingCands, devices, quarantined, existing };
}

type Decision = {
  outcomes: (Outcome | null)[];
  dead: { i: number; base: DeadLetterBase; refusal: Refusal }[];
  accepted: { i: number; cand: ReadingCand }[];
  lastSeq: Map<string, number>;
  dupOfBatch: { i: number; acceptedIndex: number; device: string; seq: number }[];
};

/** Decides each candidate against the rows read (readState): stored, acknowledged as a resend, or refused. No I/O. */
function decide(cands: readonly Candidate[], state: State, window: number): Decision {
  const { devices, quarantined, existing } = state;
  const outcomes: (Outcome | null)[] = new Array(cands.length).fill(null);
  const dead: Decision["dead"] = [];
  const accepted: Decision["accepted"] = [];
  const lastSeq = new Map<string, number>();
  // Per (device, seq) taken in this group: its index among the accepted (their readings hold the
  // payload hash). Made when a reading first needs it (one at or below its device's last seq).
  let inBatch: Map<string, number> | null = null;
  const dupOfBatch: Decision["dupOfBatch"] = [];

  // One pass, no closure or byte view per reading (a group holds thousands).
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i];
    if (c.kind === "refusal") {
      dead.push({ i, base: c, refusal: c.refusal });
      continue;
    }
    const r = c.reading;
    const refusal = readingRefusal(c, devices.get(r.device), quarantined);
    if (refusal) {
      dead.push({ i, base: c, refusal });
      continue;
    }
    const row = devices.get(r.device)!;
    const last = lastSeq.get(r.device) ?? row.last_seq;
    if (r.seq > last) {
      lastSeq.set(r.device, r.seq);
      inBatch?.set(`${r.device}\u0000${r.seq}`, accepted.length);
      accepted.push({ i, cand: c });
      continue;
    }
    if (!inBatch) {
      inBatch = new Map();
      for (let j = 0; j < accepted.length; j++) inBatch.set(`${accepted[j].cand.reading.device}\u0000${accepted[j].cand.reading.seq}`, j);
    }
    const k = `${r.device}\u0000${r.seq}`;
    const before = existing.get(k);
    if (before && before.hash === hex(r.payloadHash)) {
      outcomes[i] = { status: "accepted", leafIndex: before.leaf, duplicate: true, device: r.device, seq: r.seq };
      continue;
    }
    const same = inBatch.get(k);
    if (same !== undefined && sameBytes(accepted[same].cand.reading.payloadHash, r.payloadHash)) {
      dupOfBatch.push({ i, acceptedIndex: same, device: r.device, seq: r.seq });
      continue;
    }
    const no = (message: string): void => void dead.push({ i, base: c, refusal: { reason: "replay", message, path: "seq", device: r.device } });
    if (before || same !== undefined) no(`seq ${r.seq} of device ${r.device} was already accepted with a different payload`);
    // A late reading never stored, within the window below the last seq: taken (see SEQ_WINDOW).
    else if (r.seq > last - window) {
      inBatch.set(k, accepted.length);
      accepted.push({ i, cand: c });
    } else no(`seq ${r.seq} of device ${r.device} is more than ${window} below its last accepted seq ${last} and was not stored`);
  }
  return { outcomes, dead, accepted, lastSeq, dupOfBatch };
}

/** The gateway batches of the group, in first-use order (the accepted readings' first). */
function batchesOf(cands: readonly Candidate[], accepted: Decision["accepted"]): GatewayBatch[] {
  const batches: GatewayBatch[] = [];
  for (const { cand } of accepted) if (cand.batch && cand.batch !== batches.at(-1) && !batches.includes(cand.batch)) batches.push(cand.batch);
  for (const c of cands) if (c.kind === "reading" && c.batch && c.batch !== batches.at(-1) && !batches.includes(c.batch)) batches.push(c.batch);
  return batches;
}

/** Takes the batches' ids from the sequence (so they are known) and sets each accepted reading's; returns the readings to store, in order. */
async function takeBatchIds(tx: SqlTx, cands: readonly Candidate[], accepted: Decision["accepted"]): Promise<StorableReading[]> {
  const batches = batchesOf(cands, accepted);
  if (batches.length) {
    const idRows = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('gateway_batch', 'id'))::int8 AS id FROM generate_series(1, $1::int)`, [batches.length]);
    batches.forEach((b, j) => (b.id = Number(idRows[j].id)));
  }
  return storedOf(accepted);
}

// The batch id is set on the reading itself (no copy per reading); a retried group sets it again.
const storedOf = (accepted: Decision["accepted"]): StorableReading[] =>
  accepted.map(({ cand }) => {
    if (cand.batch) cand.reading.gatewayBatchId = cand.batch.id ?? null;
    return cand.reading;
  });

/** Same candidates stored in the same order: what a turn wrote early is what it decided under the locks. */
const sameAccepted = (a: readonly number[], b: Decision["accepted"]): boolean => a.length === b.length && a.every((i, j) => b[j].i === i);

async function commitInTx(tx: SqlTx, cands: readonly Candidate[], hook: CommitHook, early?: Early): Promise<{ outcomes: Outcome[]; stored: StorableReading[] }> {
  const state = await readState(tx, cands, true);
  const { outcomes, dead, accepted, lastSeq, dupOfBatch } = decide(cands, state, hook.seqWindow ?? SEQ_WINDOW);
  if (early && !sameAccepted(early.accepted, accepted)) throw new TurnMissed("decided otherwise under the locks");
  const batches = batchesOf(cands, accepted);
  // A turn took its batches' ids with its early rows (the same batches: the same readings are stored).
  const stored = early ? storedOf(accepted) : await takeBatchIds(tx, cands, accepted);
  let first = 0;
  if (stored.length) {
    first = await appendReadingLeaves(tx, stored, early ? { at: early.first } : {});
    if (!early) await insertReadings(tx, stored, first);
  }
  // Each batch with the leaf range of its readings stored here (how provenance finds them).
  if (batches.length) await insertGatewayBatches(tx, batches, stored, first);
  if (stored.length) {
    await tx.query(`UPDATE device d SET last_seq = u.s FROM unnest($1::text[], $2::int8[]) AS u(id, s) WHERE d.id = u.id`, [
      [...lastSeq.keys()],
      [...lastSeq.values()],
    ]);
    accepted.forEach(({ i, cand }, j) => {
      outcomes[i] = { status: "accepted", leafIndex: first + j, duplicate: false, device: cand.reading.device, seq: cand.reading.seq };
    });
    await runHook(tx, hook, stored, first);
  }
  for (const d of dupOfBatch) outcomes[d.i] = { status: "accepted", leafIndex: first + d.acceptedIndex, duplicate: true, device: d.device, seq: d.seq };

  if (dead.length) {
    // Past the cap on dead letters per minute the refusals are answered but not kept (counted).
    const keep = deadLetterCap().take(dead.length);
    const idRows = keep
      ? await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('dead_letter', 'id'))::int8 AS id FROM generate_series(1, $1::int)`, [keep])
      : [];
    await insertDeadLetters(tx, dead.slice(0, keep).map((d, j) => ({ id: Number(idRows[j].id), ...d.base, refusal: d.refusal })));
    dead.forEach((d, j) => {
      const c = cands[d.i];
      const seq = c.kind === "reading" ? c.reading.seq : undefined;
      outcomes[d.i] = {
        status: "refused",
        reason: d.refusal.reason,
        message: d.refusal.message,
        ...(d.refusal.path ? { path: d.refusal.path } : {}),
        deadLetterId: j < keep ? Number(idRows[j].id) : null,
        ...(d.refusal.device ?? d.base.deviceId ? { device: (d.refusal.device ?? d.base.deviceId)! } : {}),
        ...(seq !== undefined ? { seq } : {}),
      };
    });
  }
  return { outcomes: outcomes as Outcome[], stored };
}

/** Inserts the batches (ids taken), each with the first and last leaf of its readings among `stored` (the i-th at leaf first + i); NULL when none was stored. */
async function insertGatewayBatches(tx: SqlTx, batches: readonly GatewayBatch[], stored: readonly StorableReading[], first: number): Promise<void> {
  const range = new Map<number, [number, number]>();
  stored.forEach((r, i) => {
    if (r.gatewayBatchId == null) return;
    const had = range.get(r.gatewayBatchId);
    range.set(r.gatewayBatchId, had ? [had[0], first + i] : [first + i, first + i]);
  });
  await tx.query(
    `INSERT INTO gateway_batch (id, gateway_device_id, batch_root, signature, size, payload_hashes, first_leaf, last_leaf)
     SELECT i, g, decode(r, 'hex'), decode(s, 'hex'), n, decode(h, 'hex'), a, b
       FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int8[], $8::int8[]) AS u(i, g, r, s, n, h, a, b)`,
    [
      batches.map((b) => b.id),
      batches.map((b) => b.gateway),
      batches.map((b) => hex(b.root)),
      batches.map((b) => hex(b.signature)),
      batches.map((b) => b.payloadHashes.length),
      batches.map((b) => Buffer.concat(b.payloadHashes).toString("hex")),
      batches.map((b) => range.get(b.id!)?.[0] ?? null),
      batches.map((b) => range.get(b.id!)?.[1] ?? null),
    ],
  );
}

/** Why a reading cannot be stored whatever its seq (its device's locked row, its gateway), or null. */
function readingRefusal(c: Candidate & { kind: "reading" }, row: DeviceRow | undefined, quarantined: ReadonlySet<string>): Refusal | null {
  // The common case first, before anything is made for a refusal.
  if (row && row.public_key && row.status === "active" && !c.key && !(c.batch && quarantined.has(c.batch.gateway))) return null;
  const device = c.reading.device;
  const no = (reason: RefusalReason, message: string, path: string): Refusal => ({ reason, message, path, device });
  if (c.batch && quarantined.has(c.batch.gateway)) return no("gateway_quarantined", `gateway ${c.batch.gateway} was quarantined while this batch was in flight`, "gateway");
  if (!row) return no("unknown_device", `device ${device} is not registered`, "device");
  if (!row.public_key) return no("unknown_device", `device ${device} has no registered key`, "device");
  if (row.status !== "active") return no("revoked_key", `the key of device ${device} was revoked`, "device");
  // Signed readings were verified with the key the intake saw; it must still be the device's key.
  if (c.key && !sameBytes(c.key, row.public_key)) return no("revoked_key", `the key device ${device} signed with was rotated or revoked while the reading was in flight`, "signature");
  return null;
}

// PostgreSQL text cannot hold U+0000; dead letters keep any text they were given, made storable.
const storable = (s: string | null | undefined, max: number): string | null => (s == null ? null : s.replaceAll("\u0000", "\ufffd").slice(0, max));

/** Inserts dead letters with the ids given (taken from the sequence by the caller). */
export async function insertDeadLetters(tx: SqlTx, given: readonly (DeadLetterBase & { id: number; refusal: Refusal })[]): Promise<void> {
  if (given.length === 0) return;
  const rows = given.map((r) => {
    if (!r.resolve) return r;
    const x = r.resolve(r.resolveAt ?? 0);
    return { ...r, raw: x.raw, rawSize: x.raw.length, source: x.source };
  });
  await tx.query(
    `INSERT INTO dead_letter (id, source, source_detail, raw, raw_size, reason, reason_text, field_path, device_id, department_id, gateway_device_id)
     SELECT i, s, sd, decode(r, 'hex'), n, rc, rt, fp, dv, dp, gw
       FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
            AS u(i, s, sd, r, n, rc, rt, fp, dv, dp, gw)`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.source.transport),
      rows.map((r) => storable(r.source.detail, 512)),
      rows.map((r) => hex(r.raw)),
      rows.map((r) => r.rawSize),
      rows.map((r) => r.refusal.reason),
      rows.map((r) => storable(r.refusal.message, 2000)),
      rows.map((r) => storable(r.refusal.path, 256)),
      rows.map((r) => storable(r.refusal.device ?? r.deviceId, 256)),
      rows.map((r) => storable(r.refusal.department ?? r.departmentId, 64)),
      rows.map((r) => storable(r.gatewayDeviceId, 256)),
    ],
  );
}

/** Stores refusals alone (when a group could not be stored and its readings are given up). */
export async function storeDeadLettersOnly(sql: Sql, rows: readonly (DeadLetterBase & { refusal: Refusal })[]): Promise<number[]> {
  return sql.transaction(async (tx) => {
    const idRows = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('dead_letter', 'id'))::int8 AS id FROM generate_series(1, $1::int)`, [rows.length]);
    const ids = idRows.map((r) => Number(r.id));
    await insertDeadLetters(tx, rows.map((r, j) => ({ ...r, id: ids[j] })));
    return ids;
  });
}
