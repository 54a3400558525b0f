import pg from "pg";
import { runEvery } from "../ledger-store/log-service";
import { DatabaseUnreachableError } from "../db/pg";

/**
 * Which process of a cluster runs each singleton job (the ledger's integrator and
 * checkpointer, grant expiry, rules, access-log batching, the map rollup's backlog), chosen
 * with PostgreSQL session advisory locks held on one dedicated connection per process.
 *
 * - A role is held while its lock is: `pg_try_advisory_lock` every POLL_MS by each process
 *   that does not hold it, so a freed lock is taken within POLL_MS.
 * - A session lock dies with its connection. A SIGKILLed holder's socket is closed by its
 *   kernel and PostgreSQL ends the backend at once; a holder whose host or network died is
 *   noticed by the server's TCP keepalives and user timeout, set on the lock connection to
 *   SERVER_DETECT_S seconds at most (tcp_keepalives_idle/interval/count, tcp_user_timeout).
 * - Fencing: the holder checks its connection every POLL_MS with a query that must answer
 *   within HEARTBEAT_TIMEOUT_MS; when it does not, the process gives up every role at once
 *   (its jobs stop before their next round) and drops the connection. That is sooner than
 *   the server can free the locks, so no two processes run the same job's rounds at once;
 *   a round already under way when the connection is lost finishes or fails on its own
 *   (the integrator's compare-and-set on ledger_state rolls a stale round back).
 * - On PGlite (one process owns the database) this process holds every role.
 */
export type Leadership = {
  /** Whether this process holds `role` now. */
  holds(role: string): boolean;
  /**
   * Runs `fn` every `intervalMs` while this process holds `role` (rounds never overlap). `term`
   * counts the times this process acquired the role: a new term means another process may
   * have run the job in between, so state kept in memory must be reloaded.
   */
  every(role: string, intervalMs: number, fn: (term: number) => Promise<unknown>, onError: (e: Error) => void): () => Promise<void>;
  /**
   * Claims the lowest free numbered slot (an MQTT intake session, lib/mqtt/intake-slots.ts),
   * held like a role; null when all `count` are taken. `onLost` is called when the lock
   * connection is lost with it.
   */
  claimSlot(count: number, onLost: () => void): Promise<number | null>;
  /** Tries to take slot `n` (when its holder died); true when taken. */
  trySlot(n: number, onLost: () => void): Promise<boolean>;
  /** Gives a slot back. */
  releaseSlot(n: number): Promise<void>;
  /** The slots some process holds now (this one's included). */
  heldSlots(): Promise<number[]>;
  /** Stops the polling and releases every lock (after the jobs were stopped). */
  close(): Promise<void>;
};

export const POLL_MS = 500;
const HEARTBEAT_TIMEOUT_MS = 1500;
/** tcp_keepalives_idle + interval × count, and tcp_user_timeout, on the lock connection. */
const SERVER_DETECT_S = 3;
/** The first key of every advisory lock the console takes (two-int form), "cb17". */
const LOCK_SPACE = 0x63623137;
/** The first key of the slot locks, whose second key is the slot's number. */
const SLOT_SPACE = LOCK_SPACE + 1;

/** A Leadership for one process alone (PGlite, unit tests): it holds every role. */
export function soleLeadership(): Leadership {
  const jobs: (() => Promise<void>)[] = [];
  return {
    holds: () => true,
    every(_role, intervalMs, fn, onError) {
      const stop = runEvery(intervalMs, () => fn(1), onError);
      jobs.push(stop);
      return stop;
    },
    claimSlot: async () => 0,
    trySlot: async () => false,
    releaseSlot: async () => {},
    heldSlots: async () => [0],
    async close() {
      for (const s of jobs) await s();
    },
  };
}

/**
 * Opens the lock connection to `url` and starts polling for roles. `onChange` hears every
 * role gained or lost (for the log).
 */
export async function openLeadership(opts: { url: string; onChange?: (role: string, held: boolean) => void; log?: (m: string) => void; pollMs?: number }): Promise<Leadership> {
  const pollMs = opts.pollMs ?? POLL_MS;
  const wanted = new Set<string>();
  const held = new Map<string, number>();
  const terms = new Map<string, number>();
  const slots = new Map<number, () => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let busy: Promise<void> = Promise.resolve();

  const connect = async () => {
    const c = new pg.Client({ connectionString: opts.url, keepAlive: true, keepAliveInitialDelayMillis: 1000, application_name: "city-brain leader", connectionTimeoutMillis: 5000 });
    c.on("error", () => lose("lock connection error"));
    await c.connect();
    const s = SERVER_DETECT_S;
    await c.query(`SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = ${s - 1}; SET tcp_user_timeout = ${s * 1000}`);
    return c;
  };
  // Every lock lives on `client`: when it is lost, every role and slot is given up at once.
  const lose = (why: string) => {
    const c = client;
    client = null;
    if (!c) return;
    for (const role of held.keys()) opts.onChange?.(role, false);
    if (held.size || slots.size) opts.log?.(`leadership: ${why}; gave up ${[...held.keys(), ...slots.keys()].join(", ")}`);
    const lost = [...slots.values()];
    held.clear();
    slots.clear();
    for (const f of lost) f();
    void c.end().catch(() => {});
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };
  const query = async <T>(text: string, params: unknown[]): Promise<T[]> => {
    const c = client ?? (client = await connect());
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await Promise.race([
        c.query(text, params),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS} ms`)), HEARTBEAT_TIMEOUT_MS))),
      ]);
      return res.rows as T[];
    } catch (e) {
      if (client === c) lose(`lock connection lost (${(e as Error).message})`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  const tryLock = async (key: string) => {
    const [r] = await query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [LOCK_SPACE, key]);
    return r.ok;
  };
  const trySlotLock = async (n: number) => {
    const [r] = await query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS ok`, [SLOT_SPACE, n]);
    return r.ok;
  };
  // One poll: check the connection (the heartbeat) and try every role not held. Serialised with slot calls.
  const poll = () =>
    (busy = busy.then(async () => {
      if (closed) return;
      try {
        if (held.size || slots.size) await query(`SELECT 1`, []);
        for (const role of wanted) {
          if (held.has(role)) continue;
          if (await tryLock(`role:${role}`)) {
            const term = (terms.get(role) ?? 0) + 1;
            terms.set(role, term);
            held.set(role, term);
            opts.onChange?.(role, true);
          }
        }
      } catch {
        // lose() has given everything up; the next poll reconnects.
      }
    }));
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = busy.then(fn);
    busy = run.then(
      () => {},
      () => {},
    );
    return run;
  };
  client = await connect().catch((e: Error) => {
    throw unreachable(opts.url, e);
  });
  const timer = setInterval(poll, pollMs);
  const jobs: (() => Promise<void>)[] = [];

  return {
    holds: (role) => held.has(role),
    every(role, intervalMs, fn, onError) {
      wanted.add(role);
      void poll();
      const stop = runEvery(intervalMs, async () => {
        const term = held.get(role);
        if (term !== undefined) await fn(term);
      }, onError);
      jobs.push(stop);
      return stop;
    },
    claimSlot: (count, onLost) =>
      serial(async () => {
        for (let n = 0; n < count; n++) {
          if (slots.has(n)) continue;
          if (await trySlotLock(n)) {
            slots.set(n, onLost);
            return n;
          }
        }
        return null;
      }),
    trySlot: (n, onLost) =>
      serial(async () => {
        if (slots.has(n) || !(await trySlotLock(n))) return false;
        slots.set(n, onLost);
        return true;
      }),
    releaseSlot: (n) =>
      serial(async () => {
        if (!slots.delete(n) || !client) return;
        await query(`SELECT pg_advisory_unlock($1, $2)`, [SLOT_SPACE, n]).catch(() => {});
      }),
    heldSlots: () =>
      serial(async () => {
        const rows = await query<{ n: number }>(
          `SELECT objid::int8 AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int8::oid`,
          [SLOT_SPACE],
        );
        return rows.map((r) => Number(r.n));
      }),
    async close() {
      closed = true;
      clearInterval(timer);
      for (const s of jobs) await s();
      await busy;
      held.clear();
      slots.clear();
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Runs `fn` while holding the cluster's startup lock (a blocking advisory lock on its own
 * connection), so processes started together migrate, seed and register one at a time.
 */
export async function withStartupLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: "city-brain startup", connectionTimeoutMillis: 5000 });
  c.on("error", () => {});
  await c.connect().catch((e: Error) => {
    throw unreachable(url, e);
  });
  try {
    await c.query(`SELECT pg_advisory_lock($1, hashtext('startup'))`, [LOCK_SPACE]);
    return await fn();
  } finally {
    await c.end().catch(() => {});
  }
}

/** The one-line error openPgPool gives for a server it cannot reach (lib/db/pg.ts). */
function unreachable(url: string, e: Error): Error {
  const safeUrl = url.replace(/\/\/[^@/]*@/, "//***@");
  return new DatabaseUnreachableError(`cannot reach PostgreSQL at ${safeUrl}: ${e.message}; check DATABASE_URL or unset it to use the embedded database`);
}
