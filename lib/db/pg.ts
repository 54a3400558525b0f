import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyStatement, type Sql, type SqlTx } from "./sql";

/** Streams COPY text data into a table on this connection. */
async function copyInOn(c: pg.PoolClient, table: string, columns: readonly string[], data: string | Uint8Array): Promise<void> {
  const stream = c.query(copyFrom(copyStatement(table, columns, "STDIN")));
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    stream.end(data);
  });
}

/**
 * `COPY (select) TO STDOUT (FORMAT binary)` read straight off the connection's socket: the
 * socket's chunks are kept as they come, copied once into one buffer at the end, and the
 * protocol's framing (a CopyData message per row) is squeezed out of it in place. pg-copy-
 * streams instead slices and buffers every row as a message of its own, which costs more CPU
 * than the rest of the audit's main thread. The protocol after CopyDone (CommandComplete,
 * ReadyForQuery) and any error go back to pg's own parser, as pg-copy-streams does.
 */
class BinaryCopyOut {
  readonly done: Promise<Uint8Array>;
  private resolve!: (b: Uint8Array) => void;
  private reject!: (e: Error) => void;
  private chunks: Buffer[] = [];
  private size = 0;
  // Message parsing across chunks: bytes of the current message still to come, or its header so far.
  private header = Buffer.alloc(5);
  private headerHave = 0;
  private remaining = 0;
  private result: Uint8Array | null = null;
  private failed = false;
  private stream!: NodeJS.EventEmitter & { removeListener: (e: string, f: (b: Buffer) => void) => void };
  private pgHandler!: (b: Buffer) => void;

  constructor(private readonly text: string) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: { stream: BinaryCopyOut["stream"]; query(text: string): void }) {
    this.stream = connection.stream;
    const listeners = this.stream.listeners("data") as ((b: Buffer) => void)[];
    if (listeners.length !== 1) throw new Error("copyOutBinary: unexpected socket listeners");
    this.pgHandler = listeners[0];
    this.stream.removeListener("data", this.pgHandler);
    this.stream.on("data", this.onData);
    connection.query(this.text);
  }

  private onData = (chunk: Buffer) => {
    let p = 0;
    const n = chunk.length;
    while (p < n) {
      if (this.remaining > 0) {
        const k = Math.min(this.remaining, n - p);
        this.remaining -= k;
        p += k;
        continue;
      }
      // A message header: code and 32-bit length (which counts itself).
      const start = p;
      let code: number;
      let length: number;
      if (this.headerHave === 0 && p + 5 <= n) {
        code = chunk[p];
        length = chunk.readUInt32BE(p + 1);
        p += 5;
      } else {
        while (this.headerHave < 5 && p < n) this.header[this.headerHave++] = chunk[p++];
        if (this.headerHave < 5) break;
        this.headerHave = 0;
        code = this.header[0];
        length = this.header.readUInt32BE(1);
      }
      // CopyOutResponse, CopyData, and what may come in between: notices, parameter status, notifications.
      if (code === 0x48 || code === 0x64 || code === 0x4e || code === 0x53 || code === 0x41) {
        this.remaining = length - 4;
        continue;
      }
      // CopyDone, or an error: the rest is pg's again.
      const headerStart = start - (5 - (p - start));
      this.stream.removeListener("data", this.onData);
      this.stream.on("data", this.pgHandler);
      if (code === 0x63) {
        if (headerStart > 0) this.keep(chunk.subarray(0, headerStart));
        this.result = this.gather();
        this.pgHandler(chunk.subarray(p + length - 4));
      } else {
        // Hand pg the whole message (a header split across chunks is rebuilt).
        this.chunks = [];
        this.pgHandler(headerStart >= 0 ? chunk.subarray(headerStart) : Buffer.concat([this.header, chunk.subarray(p)]));
      }
      return;
    }
    this.keep(chunk);
  };

  private keep(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
  }

  /** The CopyData payloads, back to back, in a buffer of its own (never Node's shared pool). */
  private gather(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    // Squeeze out the framing in place: each message is a code byte and a 32-bit length, and
    // only CopyData ('d') carries data. A header cut short at the end is the CopyDone's.
    let r = 0;
    let w = 0;
    while (r + 5 <= at) {
      const len = ((out[r + 1] << 24) | (out[r + 2] << 16) | (out[r + 3] << 8) | out[r + 4]) - 4;
      if (out[r] === 0x64) {
        out.copyWithin(w, r + 5, r + 5 + len);
        w += len;
      }
      r += 5 + len;
    }
    return out.subarray(0, w);
  }

  handleError(e: Error) {
    this.failed = true;
    this.reject(e);
  }
  handleCommandComplete() {}
  handleReadyForQuery() {
    if (this.failed) return;
    if (this.result) this.resolve(this.result);
    else this.reject(new Error("copyOutBinary: the server ended the COPY without CopyDone"));
  }
}

// Return int8 as JS strings? No: bigint columns here (leaf indexes, sequence numbers) stay
// below 2^53, so parse them as numbers in both modes, matching PGlite's default.
pg.types.setTypeParser(20, (v) => Number(v));

export class DatabaseUnreachableError extends Error {}

/** Connects a pool to DATABASE_URL and checks it answers; throws a one-line error otherwise. */
export async function openPgPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5000 });
  // An idle connection the server terminates (restart, dropped database) must not crash the
  // process: the pool replaces it on the next query.
  pool.on("error", (e) => console.error(`city-brain: PostgreSQL connection lost: ${e.message}`));
  try {
    await pool.query("select 1");
  } catch (e) {
    await pool.end().catch(() => {});
    const safeUrl = url.replace(/\/\/[^@/]*@/, "//***@");
    throw new DatabaseUnreachableError(
      `cannot reach PostgreSQL at ${safeUrl}: ${(e as Error).message}; check DATABASE_URL or unset it to use the embedded database`,
    );
  }
  return pool;
}

export function pgSql(pool: pg.Pool): Sql {
  const asTx = (c: pg.Pool | pg.PoolClient): SqlTx => ({
    async query<T>(text: string, params?: unknown[]) {
      const res = await c.query(text, params as unknown[]);
      return res.rows as T[];
    },
    async exec(text: string) {
      await c.query(text);
    },
    async copyIn(table: string, columns: readonly string[], data: string | Uint8Array) {
      if (c instanceof pg.Pool) {
        const client = await c.connect();
        try {
          await copyInOn(client, table, columns, data);
        } finally {
          client.release();
        }
      } else await copyInOn(c, table, columns, data);
    },
  });
  const base = asTx(pool);
  return {
    mode: "server",
    query: base.query,
    exec: base.exec,
    copyIn: base.copyIn,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn(asTx(client));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async copyOutBinary(select) {
      const client = await pool.connect();
      try {
        const q = new BinaryCopyOut(`COPY (${select}) TO STDOUT (FORMAT binary)`);
        // pg runs a query object with submit() as it is (pg-copy-streams works the same way).
        client.query(q as unknown as pg.QueryConfig);
        // A buffer of its own (never Node's shared pool), so that it can be transferred to a worker.
        return await q.done;
      } finally {
        client.release();
      }
    },
    listen: (channel, onPayload) => listenOn(pool, channel, onPayload),
    close: () => pool.end(),
  };
}

/** How long a lost LISTEN connection waits before it connects again. */
const RELISTEN_MS = 1000;

/**
 * LISTEN on a client of its own (outside the pool, so a long-held connection never starves
 * queries), connected again after it is lost until unlisten() is called.
 */
async function listenOn(pool: pg.Pool, channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const again = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect().catch(again);
    }, RELISTEN_MS);
    timer.unref?.();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client(pool.options);
    c.on("notification", (m) => {
      if (m.channel === channel && m.payload !== undefined) onPayload(m.payload);
    });
    c.on("error", (e) => {
      if (client !== c) return;
      console.error(`city-brain: LISTEN ${channel} connection lost: ${e.message}`);
      client = null;
      void c.end().catch(() => {});
      again();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    if (stopped) return void (await c.end().catch(() => {}));
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}
