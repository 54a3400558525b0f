import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { copyStatement, type Sql, type SqlTx } from "./sql";

export class DataDirError extends Error {}

/**
 * Opens PGlite in dataDir, creating the folder first (PGlite does not create parents).
 * Requires a writable folder; throws DataDirError saying what to do otherwise.
 */
export async function openPglite(dataDir: string): Promise<PGlite> {
  const dir = path.join(dataDir, "pglite");
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new DataDirError(
      `data folder ${dir} is not writable (${code}); set DATA_DIR to a folder you can write to`,
    );
  }
  const lock = path.join(dir, "postmaster.pid");
  if (fs.existsSync(lock)) {
    // PGlite leaves this after a kill -9; it is only valid while our own process holds it.
    fs.rmSync(lock, { force: true });
  }
  const db = new PGlite({ dataDir: dir });
  await db.waitReady;
  return db;
}

export function pgliteSql(db: PGlite): Sql {
  const asTx = (q: Pick<PGlite, "query" | "exec">): SqlTx => ({
    async query<T>(text: string, params?: unknown[]) {
      const res = await q.query<T>(text, params);
      return res.rows;
    },
    async exec(text: string) {
      await q.exec(text);
    },
    async copyIn(table: string, columns: readonly string[], data: string | Uint8Array) {
      await q.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([data as string | Uint8Array<ArrayBuffer>]) });
    },
  });
  return {
    mode: "embedded",
    // PGlite keeps its Emscripten module in a protected field; its heap is the wasm memory.
    engineMemoryBytes: () => (db as unknown as { mod?: { wasmMemory?: WebAssembly.Memory } }).mod?.wasmMemory?.buffer.byteLength ?? null,
    ...asTx(db),
    transaction: (fn) => db.transaction((tx) => fn(asTx(tx))),
    async copyOutBinary(select) {
      let res;
      try {
        res = await db.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`);
      } catch (e) {
        // PGlite keeps what a failed COPY had written to /dev/blob and hands it out with the
        // next one; an empty COPY takes it, so that no later output starts with stale rows.
        await db.query(`COPY (SELECT WHERE false) TO '/dev/blob'`).catch(() => {});
        throw e;
      }
      return res.blob ? new Uint8Array(await res.blob.arrayBuffer()) : new Uint8Array(0);
    },
    async listen(channel, onPayload) {
      // PGlite has one connection: it delivers a committed transaction's notifications to it.
      return db.listen(channel, onPayload);
    },
    close: () => db.close(),
  };
}
