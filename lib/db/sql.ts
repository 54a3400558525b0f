/**
 * A thin SQL interface over the embedded (PGlite) and server (pg) drivers, for hot paths
 * that the ORM would slow down: batched inserts, tree tiles, aggregates.
 * Parameters use PostgreSQL's $1, $2 placeholders in both modes.
 */
export interface Sql {
  readonly mode: "embedded" | "server";
  /** Bytes of the embedded engine's WebAssembly memory (it only grows); null on a server. */
  engineMemoryBytes?(): number | null;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements with no parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Runs `COPY (select) TO STDOUT (FORMAT binary)` and returns the output as it comes
   * (PostgreSQL's binary COPY format: header, then per row a 16-bit field count and each
   * field as a 32-bit length, -1 for NULL, and its binary value; see lib/ledger-store/copy-binary.ts). Bytes
   * travel raw, with no text encoding on either side. The select must not take parameters.
   */
  copyOutBinary(select: string): Promise<Uint8Array>;
  /**
   * Bulk-loads rows with `COPY table (columns) FROM STDIN` in text format: `data` is one line
   * per row ending in a newline, fields separated by tabs, escaped as copyTextField does.
   * Far faster than multi-row inserts for thousands of rows. Inside a transaction, use the
   * transaction's copyIn so the rows commit with it.
   */
  copyIn(table: string, columns: readonly string[], data: string | Uint8Array): Promise<void>;
  /** Runs fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * Listens for NOTIFY on a channel: on a connection of its own on PostgreSQL (reconnected
   * after a loss; notifications sent while it was down are missed), in process on PGlite.
   * onPayload gets each payload in the order the server delivered them (one transaction's
   * notifications arrive together and in the order it sent them). Returns unlisten().
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type SqlTx = Pick<Sql, "query" | "exec" | "copyIn">;

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
/** The COPY statement copyIn runs (identifiers quoted). */
export const copyStatement = (table: string, columns: readonly string[], from: string) => `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM ${from}`;

/** A text value as a COPY text-format field: backslash, tab, newline and carriage return escaped; null is \N. */
export function copyTextField(v: string | null | undefined): string {
  if (v == null) return "\\N";
  if (!/[\\\t\n\r]/.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** Bytes as a COPY text-format bytea field (hex form, its backslash escaped). */
export const copyByteaField = (b: Uint8Array): string => `\\\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`;
