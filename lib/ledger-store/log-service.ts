import type { Sql } from "../db/sql";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { formatCheckpoint } from "../ledger/checkpoint";
import { ed25519NoteSigner, formatSignatureLine, signNote } from "../ledger/note";
import { formatAddCheckpointBody, parseAddCheckpointResponse } from "../ledger/witness";
import { toHex } from "../ledger/encoding";
import { integrateSequenced, INTEGRATE_STEP_LEAVES, INTEGRATE_STEP_MS } from "./integrate";
import { setLedgerCatchUp } from "./catch-up-progress";
import { consistencyProofBetween } from "./proofs";
import type { WitnessClient } from "./witnesses";

export type LogServiceOptions = {
  sql: Sql;
  origin: string;
  logSignerKey: string;
  witnesses: WitnessClient[];
  intervalMs: number;
  onCheckpoint?: (c: { size: number; root: string; cosigned: number }) => void;
  log?: (m: string) => void;
  /** The most leaves one step of a round integrates (one transaction and checkpoint each); INTEGRATE_STEP_LEAVES by default. */
  stepLeaves?: number;
  /** The thread time a step aims at (INTEGRATE_STEP_MS by default); Infinity: every step takes stepLeaves. */
  stepMs?: number;
  /** Asked between a round's steps: false stops the round there (the role was lost). */
  keepGoing?: () => boolean;
};

/**
 * The city log's publisher: every interval it integrates what was sequenced, signs a
 * checkpoint for the new tree (in the same transaction), and asks every department's
 * witness to cosign it. Witnesses that lag or were down catch up on the next round with a
 * consistency proof from the size they last cosigned.
 */
export async function createLogPublisher(opts: LogServiceOptions) {
  const signer = await ed25519NoteSigner(webCryptoEd25519(), opts.logSignerKey);
  // What each witness last told us it cosigned (learned from 200 and 409 answers).
  const known = new Map<string, number>();
  for (const w of opts.witnesses) {
    const rows = await opts.sql.query<{ size: number }>(
      `SELECT max(checkpoint_size) AS size FROM cosignature WHERE witness = $1`,
      [w.name],
    );
    known.set(w.name, Number(rows[0]?.size ?? 0));
  }

  async function store(w: WitnessClient, size: number, body: string) {
    for (const line of parseAddCheckpointResponse(body).map(formatSignatureLine)) {
      await opts.sql.query(
        `INSERT INTO cosignature (checkpoint_size, witness, line) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [size, w.name, line.replace(/\n$/, "")],
      );
    }
  }

  /**
   * A witness that recorded a checkpoint whose cosignature this console never stored (it was
   * stopped in between: the witness records first) cosigns that same checkpoint again, so no
   * cosignature a witness's history holds is missing from the database.
   */
  async function recover(w: WitnessClient, recorded: number) {
    const [cp] = await opts.sql.query<{ note: string; stored: boolean }>(
      `SELECT note, EXISTS (SELECT 1 FROM cosignature WHERE checkpoint_size = $1 AND witness = $2) AS stored FROM checkpoint WHERE size = $1`,
      [recorded, w.name],
    );
    if (!cp || cp.stored) return;
    const res = await w.addCheckpoint(formatAddCheckpointBody(recorded, [], cp.note));
    if (res.status === 200) await store(w, recorded, res.body);
    else opts.log?.(`witness ${w.name} did not cosign its recorded checkpoint ${recorded} again: ${res.status} ${res.body.trim()}`);
  }

  async function cosign(w: WitnessClient, size: number, note: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = Math.min(known.get(w.name) ?? 0, size);
      const proof = await consistencyProofBetween(opts.sql, old, size);
      const res = await w.addCheckpoint(formatAddCheckpointBody(old, proof, note));
      if (res.status === 200) {
        await store(w, size, res.body);
        known.set(w.name, size);
        return true;
      }
      if (res.status === 409 && res.contentType.startsWith("text/x.tlog.size")) {
        const recorded = Number(res.body.trim());
        known.set(w.name, recorded);
        if (recorded > 0 && recorded < size) await recover(w, recorded);
        continue;
      }
      opts.log?.(`witness ${w.name} refused checkpoint ${size}: ${res.status} ${res.body.trim()}`);
      return false;
    }
    return false;
  }

  /**
   * One round: integrate what was sequenced when it began, checkpoint, cosign. Returns the
   * latest checkpoint's size. A backlog longer than one step (after a start, or a burst) is
   * integrated in steps that each commit a checkpoint and give the event loop back between
   * them; its progress is shown in GET /api/health (`catchUp.ledger`). Witnesses are asked
   * once, for the round's last checkpoint.
   */
  async function round(): Promise<number> {
    const stepLeaves = opts.stepLeaves ?? INTEGRATE_STEP_LEAVES;
    const t0 = Date.now();
    let stepped = false;
    try {
      await integrateSequenced(
        opts.sql,
        async (tx, size, root) => {
          const text = formatCheckpoint({ origin: opts.origin, size, root, extensions: [] });
          const note = await signNote(text, [signer]);
          await tx.query(`INSERT INTO checkpoint (size, root_hash, note) VALUES ($1, decode($2, 'hex'), $3)`, [size, toHex(root), note]);
        },
        {
          stepLeaves,
          stepMs: opts.stepMs ?? INTEGRATE_STEP_MS,
          keepGoing: opts.keepGoing,
          onStep: (p) => {
            if (p.of <= stepLeaves) return;
            if (!stepped) opts.log?.(`ledger: integrating a backlog of ${p.of.toLocaleString("en-US")} leaves in steps of at most ${stepLeaves.toLocaleString("en-US")}`);
            stepped = true;
            setLedgerCatchUp({ state: "integrating", integrated: p.integrated, of: p.of, size: p.size, since: new Date(t0).toISOString() });
          },
        },
      );
    } finally {
      if (stepped) setLedgerCatchUp({ state: "idle", integrated: 0, of: 0, size: 0, since: null });
    }
    if (stepped) opts.log?.(`ledger: backlog integrated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const [latest] = await opts.sql.query<{ size: number; note: string; root: string }>(
      `SELECT size, note, encode(root_hash, 'hex') AS root FROM checkpoint ORDER BY size DESC LIMIT 1`,
    );
    if (!latest) return 0;
    const size = Number(latest.size);
    let cosigned = 0;
    await Promise.all(
      opts.witnesses.map(async (w) => {
        if ((known.get(w.name) ?? 0) >= size) {
          cosigned++;
          return;
        }
        try {
          if (await cosign(w, size, latest.note)) cosigned++;
        } catch (e) {
          opts.log?.(`witness ${w.name} unreachable: ${(e as Error).message}`);
        }
      }),
    );
    opts.onCheckpoint?.({ size, root: latest.root, cosigned });
    return size;
  }

  return { round };
}

/** Runs the publisher on a timer until stopped; rounds never overlap. */
export function runEvery(intervalMs: number, fn: () => Promise<unknown>, onError: (e: Error) => void) {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = fn()
      .catch((e: Error) => onError(e))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
