import type { Intake } from "../ingest/intake";
import type { Leadership } from "../cluster/leader";
import { POLL_MS } from "../cluster/leader";
import { runEvery } from "../ledger-store/log-service";
import { discardExternalSessions, startExternalIntake, type ExternalIntake, type ExternalTls } from "./external-intake";

/** Most console processes subscribed to one broker at once (each holds one slot). */
export const MAX_INTAKE_SLOTS = 64;
/** The shared-subscription group every console process joins: `$share/intake/<topic>`. */
export const SHARE_GROUP = "intake";
/** A dead slot's sessions are closed once nothing came for this long after they were resumed. */
const DRAIN_IDLE_MS = 1000;
/**
 * While a dead slot's backlog is taken, this process holds its own new messages for at most
 * this long (its own session queues them at the broker), so a device's older readings that
 * waited in the dead sessions are stored before its newer ones.
 */
const DRAIN_FIRST_MAX_MS = 2000;
/** The backlog counts as taken once the drain was idle this long. */
const BACKLOG_IDLE_MS = 200;
const DRAIN_MAX_MS = 60_000;

export type SharedIntake = { slot(): number | null; external(): ExternalIntake | null; close(): Promise<void> };

/**
 * The MQTT side of one process of a cluster (several consoles on one PostgreSQL and one
 * broker). Each process claims a numbered slot (an advisory lock, lib/server/leader.ts) and
 * subscribes with the slot's persistent sessions (`<MQTT_CLIENT_ID>-s<slot>-<partition>`) to
 * the shared subscriptions `$share/intake/<topic>`, so the broker hands each message to one
 * process.
 *
 * Mosquitto keeps routing a share to a member whose persistent session is offline (its
 * messages wait in that session) and does not hand a dead member's unacknowledged messages
 * to another. So every process watches the slots held: when one's holder dies (its lock is
 * freed) a survivor takes the slot, resumes its sessions only to drain what waited there
 * (checked and stored as any message, resends of stored readings acknowledged with their
 * leaf), unsubscribes them, deletes them once idle, and frees the slot for the next process
 * that starts. Its own new messages wait meanwhile (at most DRAIN_FIRST_MAX_MS), so the
 * readings that waited in the dead sessions, older than those, are stored first.
 *
 * Order: messages of one topic are handed out in turn, so two readings of one device can be
 * checked by two processes at once and the device row lock orders their commits. A device's
 * leaves follow its seqs when its readings are further apart than a commit takes (tens of
 * milliseconds), and, across a process's death, further apart than the takeover (about
 * POLL_MS, more under load). A faster device's later seq can commit first: the earlier one is
 * then stored after it, once (the commit's seq window, SEQ_WINDOW in lib/ingest/commit.ts), not
 * refused, and its signed seq and observedAt still say the device's order (the map orders by
 * observedAt). A gateway's batch is one message and keeps its readings' order always.
 */
export async function startSharedIntake(opts: {
  intake: Intake;
  url: string;
  clientId: string;
  tls?: ExternalTls;
  leadership: Leadership;
  log?: (m: string) => void;
}): Promise<SharedIntake> {
  const { leadership } = opts;
  const base = (n: number) => `${opts.clientId}-s${n}`;
  let mine: number | null = null;
  let own: ExternalIntake | null = null;
  let closed = false;
  const seen = new Set<number>();
  const adopting = new Set<number>();
  const drains = new Set<Promise<void>>();

  const subscribe = async () => {
    const n = await leadership.claimSlot(MAX_INTAKE_SLOTS, () => void lost());
    if (n === null) throw new Error(`all ${MAX_INTAKE_SLOTS} MQTT intake slots are taken: too many console processes on one broker`);
    mine = n;
    own = startExternalIntake({ intake: opts.intake, url: opts.url, clientId: base(n), tls: opts.tls, log: opts.log, share: SHARE_GROUP });
    opts.log?.(`mqtt: intake slot ${n}, shared subscriptions $share/${SHARE_GROUP}/… as ${base(n)}-*`);
  };
  // The lock connection was lost: another process may take this slot now, so its sessions are let go at once.
  const lost = async () => {
    const o = own;
    own = null;
    mine = null;
    if (o) {
      opts.log?.(`mqtt: intake slot lost with the lock connection; unsubscribed until a slot is claimed again`);
      for (const c of o.clients) c.end(true);
    }
  };
  await subscribe();

  const adopt = async (n: number) => {
    const t0 = Date.now();
    opts.log?.(`mqtt: intake slot ${n} was freed; draining its sessions`);
    const resume = own?.pause(DRAIN_FIRST_MAX_MS) ?? (() => {});
    const d = startExternalIntake({ intake: opts.intake, url: opts.url, clientId: base(n), tls: opts.tls, log: opts.log, share: SHARE_GROUP, drain: true });
    while (!closed && Date.now() - t0 < DRAIN_FIRST_MAX_MS && !(d.connected() && d.idleMs() >= BACKLOG_IDLE_MS)) await new Promise((r) => setTimeout(r, 20));
    resume();
    while (!closed && Date.now() - t0 < DRAIN_MAX_MS && !(d.connected() && d.idleMs() >= DRAIN_IDLE_MS)) await new Promise((r) => setTimeout(r, 100));
    await d.close().catch(() => {});
    await discardExternalSessions(opts.url, base(n), opts.tls);
    await leadership.releaseSlot(n);
    seen.delete(n);
    opts.log?.(`mqtt: intake slot ${n} drained and freed in ${Date.now() - t0} ms`);
  };

  const stopWatch = runEvery(
    POLL_MS,
    async () => {
      if (closed) return;
      if (mine === null) await subscribe();
      const held = await leadership.heldSlots();
      for (const n of held) seen.add(n);
      for (const n of seen) {
        if (n === mine || adopting.has(n) || held.includes(n)) continue;
        if (!(await leadership.trySlot(n, () => {}))) continue;
        adopting.add(n);
        const p = adopt(n)
          .catch((e: Error) => opts.log?.(`mqtt: draining intake slot ${n} failed: ${e.message}`))
          .finally(() => {
            adopting.delete(n);
            drains.delete(p);
          });
        drains.add(p);
      }
    },
    (e) => opts.log?.(`mqtt: intake slot watch failed: ${e.message}`),
  );

  return {
    slot: () => mine,
    external: () => own,
    async close() {
      closed = true;
      await stopWatch();
      await Promise.all(drains);
      await own?.close().catch(() => {});
      // The slot stays held until the lock connection closes; its sessions stay subscribed, and
      // the next process to watch the slot freed drains them (or this one resumes them on restart).
    },
  };
}
