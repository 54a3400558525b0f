// Tests' PostgreSQL binary COPY output (lib/ledger-store/copy-binary.ts reads it): rows as the audit's
// SELECTs give them (audit.ts ledgerSelect, readingSelect), built from readings as ingest stores them.
import { PG_EPOCH_MS } from "../copy-binary";
import type { ReadingEntryFields, Envelope } from "../../ingest/reading-encoding";

/** One field's value and type (null: NULL). `ts` is Unix milliseconds. */
export type Field = { t: "i8" | "f8" | "ts"; v: number } | { t: "text" | "jsonb"; v: string } | { t: "bytes"; v: Uint8Array } | null;

function fieldBytes(f: Field): Buffer | null {
  if (f === null) return null;
  switch (f.t) {
    case "i8": {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(f.v));
      return b;
    }
    case "ts": {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(Math.round((f.v - PG_EPOCH_MS) * 1000)));
      return b;
    }
    case "f8": {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(f.v);
      return b;
    }
    case "text":
      return Buffer.from(f.v, "utf8");
    case "jsonb":
      return Buffer.concat([Buffer.from([1]), Buffer.from(f.v, "utf8")]);
    case "bytes":
      return Buffer.from(f.v);
  }
}

/** PostgreSQL's binary COPY output of these rows. */
export function copyBinary(rows: Field[][]): Uint8Array {
  const parts: Buffer[] = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)];
  for (const row of rows) {
    const n = Buffer.alloc(2);
    n.writeInt16BE(row.length);
    parts.push(n);
    for (const f of row) {
      const v = fieldBytes(f);
      const len = Buffer.alloc(4);
      len.writeInt32BE(v === null ? -1 : v.length);
      parts.push(len, ...(v ? [v] : []));
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return new Uint8Array(Buffer.concat(parts));
}

/** jsonb's text form of a flat object: keys by length then bytes, `"k": v` joined by ", ". */
export function jsonbText(values: Record<string, unknown>, num: (n: number) => string = (n) => JSON.stringify(n)): string {
  const keys = Object.keys(values).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${typeof values[k] === "number" ? num(values[k] as number) : JSON.stringify(values[k])}`).join(", ")}}`;
}

/** The reading row of the audit's reading SELECT for a stored reading at leaf `index`, row id `id`. */
export function readingRow(r: Envelope & ReadingEntryFields, index: number, id: number): Field[] {
  const g = r.gateway;
  return [
    { t: "i8", v: index }, { t: "i8", v: id }, { t: "text", v: r.dataset }, { t: "text", v: r.device }, { t: "i8", v: r.seq },
    { t: "ts", v: Date.parse(r.observedAt) }, { t: "f8", v: r.location[0] }, { t: "f8", v: r.location[1] }, { t: "jsonb", v: jsonbText(r.values) },
    { t: "bytes", v: r.payloadHash }, { t: "bytes", v: r.signature },
    g ? { t: "text", v: g.device } : null, g ? { t: "bytes", v: g.batchRoot } : null, g ? { t: "bytes", v: g.signature } : null,
    null, // seal_salt: a public reading's
  ];
}
