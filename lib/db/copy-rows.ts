/**
 * COPY text rows as one byte buffer: `row(i, w)` writes row i's fields into w, and the newline
 * after each row is written here. Written straight into one buffer, so a group of thousands
 * of rows costs no string building or re-encoding on the thread that runs the transaction.
 * `bytesHint`: about how many bytes the rows take (the buffer grows if they take more).
 */
export function copyRows(n: number, row: (i: number, w: ByteWriter) => void, bytesHint = 256 * n): Buffer {
  const w = new ByteWriter(bytesHint + n);
  for (let i = 0; i < n; i++) {
    row(i, w);
    w.room(1);
    w.buf[w.at++] = 0x0a;
  }
  return w.buf.subarray(0, w.at);
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
    // Three bytes a character at most; where that would not fit, its exact length, so that the
    // last rows of a buffer sized for them do not double it (and copy it) for room they never take.
    if (this.at + 3 * s.length > this.buf.length) this.room(Buffer.byteLength(s, "utf8"));
    this.at += this.buf.write(s, this.at, "utf8");
  }

  /** s, whose characters are all below U+0080, one byte each. */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    // A short one (a field's tab, \N, a bytea's prefix: several a row) byte by byte: Buffer#write costs more than that.
    if (n > 16) {
      this.at += this.buf.write(s, this.at, "latin1");
      return;
    }
    const buf = this.buf;
    const at = this.at;
    for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
    this.at = at + n;
  }

  /** A non-negative integer in decimal, as `${n}` gives it (no string made). */
  uint(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 0)) return this.ascii(String(n));
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.room(digits);
    const buf = this.buf;
    let at = this.at + digits;
    this.at = at;
    let x = n;
    do {
      buf[--at] = 0x30 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
  }

  /** The bytes of `from` between `start` and `end`. */
  range(from: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    const buf = this.buf;
    const at = this.at;
    if (n > 64) buf.set(from.subarray(start, end), at);
    else for (let i = 0; i < n; i++) buf[at + i] = from[start + i];
    this.at = at + n;
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
