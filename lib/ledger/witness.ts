// The witness side of C2SP tlog-witness add-checkpoint, without HTTP: parse
// the request body, check it against the witness's recorded state for the log,
// and decide the response (status, content type, body). State lives behind an
// injected async store with compare-and-set, so a witness can run in-process
// or in its own process on its own host.
import { type Checkpoint, parseCheckpoint } from "./checkpoint";
import type { Cosigner } from "./cosignature";
import { bytesEqual, fromHex, parseDecimal, toBase64, toHex } from "./encoding";
import { lineReader, proofText, readHashLines } from "./proof-lines";
import { LedgerError, isLedgerError } from "./errors";
import { HASH_SIZE, emptyRoot } from "./merkle";
import { type NoteSignature, type NoteVerifier, formatSignatureLine, openNote, parseNote } from "./note";
import type { Hasher } from "./sha256";
import { verifyConsistency } from "./verify";

/** Most consistency proof lines a request may carry. */
export const MAX_WITNESS_PROOF_LINES = 63;

/** What a witness remembers per log: the latest checkpoint it cosigned. JSON-safe. */
export interface WitnessState {
  readonly size: number;
  /** Root hash, lowercase hex. */
  readonly root: string;
}

/** The witness's storage; compareAndSet must be atomic (see tlog-witness on rollback races). */
export interface WitnessStore {
  /** The state recorded for `origin`, or null if the witness never cosigned that log. */
  get(origin: string): Promise<WitnessState | null>;
  /** Replaces the state for `origin` by `next` if it still equals `expected` (null: none). */
  compareAndSet(origin: string, expected: WitnessState | null, next: WitnessState): Promise<boolean>;
}

/** A log the witness follows: its origin line and the keys it signs checkpoints with. */
export interface WitnessLog {
  readonly origin: string;
  readonly verifiers: readonly NoteVerifier[];
}

/** A parsed add-checkpoint request body. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

/** The witness's answer, ready to send as an HTTP response. */
export interface WitnessDecision {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
  /** On 200: the state now recorded. */
  readonly newState?: WitnessState;
  /** On 200: the cosignatures, also in `body` as signature lines. */
  readonly cosignatures?: readonly NoteSignature[];
  /** True when a validly signed checkpoint conflicts with the recorded one: evidence worth keeping. */
  readonly evidence?: boolean;
}

/** Everything addCheckpoint needs; all injected. */
export interface WitnessOptions {
  readonly hasher: Hasher;
  readonly logs: readonly WitnessLog[];
  readonly cosigners: readonly Cosigner[];
  readonly store: WitnessStore;
  /** Current POSIX time in seconds (default: the system clock). */
  readonly now?: () => number;
}

function malformed(why: string): never {
  throw new LedgerError("malformed_witness_request", why);
}

/**
 * Parses an add-checkpoint body: "old <size>\n", up to 63 base64 hash lines,
 * an empty line, then a signed checkpoint note. Fails with
 * malformed_witness_request naming what is wrong.
 */
export function parseAddCheckpointBody(body: string | Uint8Array): AddCheckpointRequest {
  const lines = lineReader(proofText(body, malformed, "body "), malformed);
  const nextLine = lines.next;
  const first = nextLine("old size line");
  if (!first.startsWith("old ")) malformed(`first line got ${JSON.stringify(first.slice(0, 40))}, want "old <size>"`);
  const oldSize = parseDecimal(first.slice(4), "old size", "malformed_witness_request");
  const proof = readHashLines(lines, "consistency proof line", MAX_WITNESS_PROOF_LINES, malformed);
  return { oldSize, proof, checkpoint: lines.rest() };
}

/** The add-checkpoint body a log sends. Requires a safe old size, 32-byte hashes and at most 63 of them. */
export function formatAddCheckpointBody(oldSize: number, proof: readonly Uint8Array[], checkpointNote: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new LedgerError("invalid_argument", `old size got ${oldSize}, want a non-negative safe integer`);
  if (proof.length > MAX_WITNESS_PROOF_LINES) throw new LedgerError("invalid_argument", `${proof.length} proof hashes, want at most ${MAX_WITNESS_PROOF_LINES}`);
  for (const h of proof) if (h.length !== HASH_SIZE) throw new LedgerError("bad_hash_length", `proof hash has ${h.length} bytes, want ${HASH_SIZE}`);
  return `old ${oldSize}\n${proof.map((h) => `${toBase64(h)}\n`).join("")}\n${checkpointNote}`;
}

/** The cosignatures in a 200 response body (signature lines). Fails with malformed_note if it is not one. */
export function parseAddCheckpointResponse(body: string): NoteSignature[] {
  return [...parseNote(`x\n\n${body}`).signatures];
}

const TEXT = "text/plain; charset=utf-8";

function reply(status: WitnessDecision["status"], body: string, extra: Partial<WitnessDecision> = {}): WitnessDecision {
  return { status, contentType: TEXT, body: body.endsWith("\n") ? body : `${body}\n`, ...extra };
}

/**
 * Handles one add-checkpoint request per C2SP tlog-witness: 400 malformed
 * (or old size > checkpoint size), 404 unknown origin, 403 no valid log
 * signature, 409 old size ≠ recorded size (body: recorded size, content type
 * text/x.tlog.size) or same size with a different root, 422 consistency proof
 * fails; otherwise records the checkpoint atomically and returns 200 with the
 * cosignature lines. Never throws on hostile input.
 */
export async function addCheckpoint(options: WitnessOptions, body: string | Uint8Array): Promise<WitnessDecision> {
  if (options.cosigners.length === 0) throw new LedgerError("invalid_argument", "a witness needs at least one cosigner key");
  let req: AddCheckpointRequest;
  let checkpointText: string;
  try {
    req = parseAddCheckpointBody(body);
    checkpointText = parseNote(req.checkpoint).text;
  } catch (e) {
    if (isLedgerError(e)) return reply(400, e.message);
    throw e;
  }
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(checkpointText);
  } catch (e) {
    if (isLedgerError(e)) return reply(400, e.message);
    throw e;
  }
  const log = options.logs.find((l) => l.origin === cp.origin);
  if (log === undefined) return reply(404, `unknown log origin ${JSON.stringify(cp.origin)}`);
  try {
    await openNote(req.checkpoint, log.verifiers);
  } catch (e) {
    if (isLedgerError(e)) return reply(403, `checkpoint is not signed by the log: ${e.message}`);
    throw e;
  }
  if (req.oldSize > cp.size) return reply(400, `old size ${req.oldSize} > checkpoint size ${cp.size}`);

  const { hasher, store } = options;
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await store.get(cp.origin);
    const recordedSize = current?.size ?? 0;
    if (req.oldSize !== recordedSize) {
      return { status: 409, contentType: "text/x.tlog.size", body: `${recordedSize}\n` };
    }
    if (req.oldSize === 0) {
      if (req.proof.length !== 0) return reply(422, `consistency proof from size 0 has ${req.proof.length} hashes, want 0`);
      if (cp.size === 0 && !bytesEqual(cp.root, emptyRoot(hasher))) {
        return reply(422, "checkpoint of size 0 must have the empty-tree root", { evidence: true });
      }
    } else {
      let recordedRoot: Uint8Array;
      try {
        recordedRoot = fromHex(current!.root);
      } catch {
        throw new LedgerError("invalid_argument", `witness store holds a malformed root for ${cp.origin}`);
      }
      if (req.oldSize === cp.size && !bytesEqual(recordedRoot, cp.root)) {
        return reply(409, `checkpoint of size ${cp.size} has root ${toBase64(cp.root)}, but the witness cosigned root ${toBase64(recordedRoot)} at that size`, { evidence: true });
      }
      try {
        verifyConsistency(hasher, req.oldSize, cp.size, req.proof, recordedRoot, cp.root);
      } catch (e) {
        if (isLedgerError(e)) return reply(422, `consistency proof from size ${req.oldSize} to ${cp.size} does not verify: ${e.message}`, { evidence: true });
        throw e;
      }
    }
    const next: WitnessState = { size: cp.size, root: toHex(cp.root) };
    if (!(await store.compareAndSet(cp.origin, current, next))) continue; // lost a race: decide again
    const now = Math.floor(options.now?.() ?? Date.now() / 1000);
    const cosignatures: NoteSignature[] = [];
    for (const c of options.cosigners) cosignatures.push(await c.cosign(checkpointText, now));
    return { status: 200, contentType: TEXT, body: cosignatures.map(formatSignatureLine).join(""), newState: next, cosignatures };
  }
  const latest = await store.get(cp.origin);
  return { status: 409, contentType: "text/x.tlog.size", body: `${latest?.size ?? 0}\n` };
}

/** A WitnessStore in memory, for tests and in-process witnesses. */
export function memoryWitnessStore(initial: Record<string, WitnessState> = {}): WitnessStore & { snapshot(): Record<string, WitnessState> } {
  const states = new Map(Object.entries(initial));
  return {
    async get(origin) {
      return states.get(origin) ?? null;
    },
    async compareAndSet(origin, expected, next) {
      const cur = states.get(origin) ?? null;
      const same = cur === null || expected === null ? cur === expected : cur.size === expected.size && cur.root === expected.root;
      if (!same) return false;
      states.set(origin, { size: next.size, root: next.root });
      return true;
    },
    snapshot() {
      return Object.fromEntries(states);
    },
  };
}
