import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { Sql, SqlTx } from "../db/sql";
import type { LiveReading } from "../api/map-specs";

/**
 * The console's live events, across every process sharing the database: publishers send
 * them with PostgreSQL NOTIFY (on PGlite, in process), and each process's bus, listening on
 * one channel, hands them to its subscribers (the map's server-sent event streams). A
 * process hears its own events the same way, so there is one path whatever process a
 * browser is connected to. An event published inside a transaction is delivered after it
 * commits and never if it rolls back.
 */

/** A stored reading that changed what the map shows (latest per device or incident), from lib/map/rollup.ts. */
export type MapUpdate = Omit<LiveReading, "cellShares">;
/**
 * One commit's changes to the map, every layer's, in leaf order: the readings of leaves
 * (fromLeaf, toLeaf] that changed a latest value and were observed in the last minutes.
 */
export type MapUpdateEvent = { fromLeaf: number; toLeaf: number; updates: MapUpdate[] };
/** A grant that changed (requested, approved, rejected, revoked, expired, made by a rule), announced after its transaction committed. */
export type GrantChange = { grantId: string; datasetId: string; ownerDepartmentId: string; granteeDepartmentId: string; action: string };
export type BusEvents = {
  "map-update": [MapUpdateEvent];
  grants: [GrantChange];
  checkpoint: [{ size: number; root: string; cosigned: number }];
  /**
   * A citizen report was confirmed or closed: the safety layer's citizen incidents changed (a
   * safety category) or the citizen-reports layer did (any other).
   */
  "citizen-incidents": [{ report: string; safety: boolean }];
};
export type BusEvent = keyof BusEvents;

/** The NOTIFY channel every console process listens on. */
export const BUS_CHANNEL = "city_brain_bus";
/**
 * Most characters of event text per notification. NOTIFY refuses payloads of 8000 bytes or
 * more; the text is ASCII (see asciiJson) and the header is short, so each fits.
 */
export const CHUNK_CHARS = 7600;
/** A partly received event is dropped after this long (its sender's notifications are delivered together, so it never completes). */
const PARTIAL_TTL_MS = 30_000;

/** JSON with every non-ASCII character escaped (\uXXXX), so characters and bytes count the same. */
function asciiJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * An event as notification payloads: `<id> <part> <parts> <event>\n<text>`, the text being
 * the event's JSON cut in pieces of at most CHUNK_CHARS characters. One payload for most
 * events; a large commit's map update takes several, reassembled by the receiver.
 */
export function notificationPayloads(id: string, event: string, payload: unknown): string[] {
  const text = asciiJson(payload);
  const n = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${id} ${i} ${n} ${event}\n${text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS)}`);
  return out;
}

const NOTIFY = `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, o) ORDER BY o`;

export class Bus {
  private readonly emitter = new EventEmitter<BusEvents>();
  private readonly nonce = randomBytes(6).toString("hex");
  private seq = 0;
  private sql: Sql | null = null;
  private readonly partial = new Map<string, { parts: (string | undefined)[]; got: number; at: number }>();

  constructor() {
    this.emitter.setMaxListeners(1000);
  }

  on<E extends BusEvent>(event: E, listener: (...args: BusEvents[E]) => void): void {
    (this.emitter as EventEmitter).on(event, listener as (...a: unknown[]) => void);
  }

  off<E extends BusEvent>(event: E, listener: (...args: BusEvents[E]) => void): void {
    (this.emitter as EventEmitter).off(event, listener as (...a: unknown[]) => void);
  }

  /** Whether this bus listens on a database (else events stay in this process). */
  get connected(): boolean {
    return this.sql !== null;
  }

  /**
   * Listens on the database's bus channel; from then on published events go through the
   * database to every connected process, this one included. Returns disconnect().
   */
  async connect(sql: Sql): Promise<() => Promise<void>> {
    if (this.sql) throw new Error("the bus is already connected to a database");
    const unlisten = await sql.listen(BUS_CHANNEL, (p) => this.received(p));
    this.sql = sql;
    return async () => {
      if (this.sql === sql) this.sql = null;
      this.partial.clear();
      await unlisten();
    };
  }

  /**
   * Publishes an event inside the caller's transaction: every connected process receives it
   * once the transaction commits, nothing if it rolls back.
   */
  async publishInTx<E extends BusEvent>(tx: Pick<SqlTx, "query">, event: E, ...payload: BusEvents[E]): Promise<void> {
    await tx.query(NOTIFY, [BUS_CHANNEL, notificationPayloads(this.nextId(), event, payload[0])]);
  }

  /**
   * Publishes an event on its own (a statement of its own, committed at once). Without a
   * database connection it goes to this process's subscribers only.
   */
  async publish<E extends BusEvent>(event: E, ...payload: BusEvents[E]): Promise<void> {
    if (!this.sql) {
      (this.emitter as EventEmitter).emit(event, payload[0]);
      return;
    }
    await this.publishInTx(this.sql, event, ...payload);
  }

  private nextId(): string {
    return `${this.nonce}.${(this.seq++).toString(36)}`;
  }

  /** One notification: a whole event, or a part of one kept until the rest has come. */
  private received(p: string): void {
    const nl = p.indexOf("\n");
    const head = (nl < 0 ? "" : p.slice(0, nl)).split(" ");
    if (head.length !== 4) return;
    const [id, is, ns, event] = head;
    const i = Number(is), n = Number(ns);
    const text = p.slice(nl + 1);
    let whole: string | null = null;
    if (n === 1) whole = text;
    else {
      const now = Date.now();
      for (const [k, v] of this.partial) if (now - v.at > PARTIAL_TTL_MS) this.partial.delete(k);
      const st = this.partial.get(id) ?? { parts: new Array<string | undefined>(n), got: 0, at: now };
      this.partial.set(id, st);
      if (st.parts[i] === undefined) {
        st.parts[i] = text;
        st.got++;
      }
      if (st.got < n) return;
      this.partial.delete(id);
      whole = st.parts.join("");
    }
    let value: unknown;
    try {
      value = JSON.parse(whole);
    } catch {
      return;
    }
    try {
      (this.emitter as EventEmitter).emit(event, value);
    } catch (e) {
      console.error(`city-brain: a bus subscriber of ${event} failed: ${(e as Error).message}`);
    }
  }
}

const KEY = Symbol.for("city-brain.bus");

/** This process's bus (Next.js may load this module more than once: it lives on globalThis). */
export function getBus(): Bus {
  const g = globalThis as { [KEY]?: Bus };
  g[KEY] ??= new Bus();
  return g[KEY];
}
