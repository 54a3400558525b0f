import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { copyStatement, type Sql, type SqlTx } from "./sql";

/** Streams COPY text data into a table on this connection. */
async function copyInOn(c: pg.PoolClient, table: string, columns: readonly string[], data: string): Promise<void> {
  const stream = c.query(copyFrom(copyStatement(table, columns, "STDIN")));
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    stream.end(data);
  });
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
    async copyIn(table: string, columns: readonly string[], data: string) {
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
    async copyOut(select) {
      const client = await pool.connect();
      try {
        const stream = client.query(copyTo(`COPY (${select}) TO STDOUT`));
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks).toString("utf8");
      } finally {
        client.release();
      }
    },
    async copyOutBinary(select) {
      const client = await pool.connect();
      try {
        const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of stream) {
          chunks.push(c as Buffer);
          size += (c as Buffer).length;
        }
        // Its own ArrayBuffer (never Node's shared pool), so that it can be transferred to a worker.
        const out = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
        }
        return out;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
