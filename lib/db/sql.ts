/**
 * A thin SQL interface over the embedded (PGlite) and server (pg) drivers, for hot paths
 * that the ORM would slow down: batched inserts, tree tiles, aggregates.
 * Parameters use PostgreSQL's $1, $2 placeholders in both modes.
 */
export interface Sql {
  readonly mode: "embedded" | "server";
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements with no parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlTx = Pick<Sql, "query" | "exec">;
