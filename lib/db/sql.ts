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
  /**
   * Runs `COPY (select) TO STDOUT` in text format and returns the output: one line per row,
   * fields separated by tabs, `\N` for NULL (see parseCopyText). Far faster than row
   * objects for bulk reads, on PGlite most of all. The select must not take parameters.
   */
  copyOut(select: string): Promise<string>;
  /** Runs fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlTx = Pick<Sql, "query" | "exec">;
