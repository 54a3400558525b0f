/**
 * COPY text rows as one byte buffer: row i is `head(i)` + `body(i)` + `tail(i)` + a newline,
 * where head and tail are short ASCII texts (a leaf index, a NULL marker) and body is the
 * row's prepared UTF-8 bytes. Written straight into one buffer, so a group of thousands of
 * rows costs no string building or re-encoding on the thread that runs the transaction.
 */
export function copyRows(n: number, head: (i: number) => string, body: (i: number) => Uint8Array, tail: (i: number) => string): Buffer {
  const heads: string[] = new Array(n);
  const bodies: Uint8Array[] = new Array(n);
  const tails: string[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    heads[i] = head(i);
    bodies[i] = body(i);
    tails[i] = tail(i);
    total += heads[i].length + bodies[i].length + tails[i].length + 1;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += out.write(heads[i], at, "latin1");
    const b = bodies[i];
    out.set(b, at);
    at += b.length;
    at += out.write(tails[i], at, "latin1");
    out[at++] = 0x0a;
  }
  return out;
}

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

/**
 * A growing byte buffer that COPY text and other bytes are written into where they go, with
 * no intermediate strings or Buffers per field (the ingest's check workers write each
 * reading's rows into the buffer they transfer, batch-transfer.ts). Its buffer owns its
 * ArrayBuffer (not Node's shared pool), so it can be transferred.
 */
export class ByteWriter {
  buf: Buffer;
  at = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(64, size));
  }

  /** Makes room for n more bytes (earlier views on `buf` are then stale). */
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** UTF-8 of s. */
  utf8(s: string): void {
    this.room(3 * s.length);
    this.at += this.buf.write(s, this.at, "utf8");
  }

  /** s, whose characters are all below U+0080, one byte each. */
  ascii(s: string): void {
    this.room(s.length);
    this.at += this.buf.write(s, this.at, "latin1");
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let at = this.at;
    // Short arrays byte by byte: TypedArray.set costs more than the copy for a few dozen bytes.
    if (b.length > 64) buf.set(b, at);
    else for (let i = 0; i < b.length; i++) buf[at + i] = b[i];
    at += b.length;
    this.at = at;
  }

  /** b in lowercase hex. */
  hex(b: Uint8Array): void {
    this.room(2 * b.length);
    this.at = writeHex(this.buf, this.at, b);
  }
}

/** Writes b in lowercase hex into `out` at `at` (room for 2 × its length is the caller's); returns where it ends. */
export function writeHex(out: Uint8Array, at: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    out[at++] = HEX_DIGITS[b[i] >> 4];
    out[at++] = HEX_DIGITS[b[i] & 15];
  }
  return at;
}
