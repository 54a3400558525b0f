// Time inside the embedded database's engine, by statement: a preload for the console (or any
// script on PGlite) that times each call into PGlite's engine and charges it to the statement it
// carries (the last Parse or Query message's SQL), then writes the totals to a file every 5 s.
//
//   PGLITE_STATEMENTS=/tmp/statements.txt PGLITE_STATEMENTS_AFTER_S=90 \
//     node --import tsx --import ./scripts/dev/pglite-statements.ts server.ts
//
// PGLITE_STATEMENTS_AFTER_S (default 0) starts counting that long after the start (a steady
// minute, past the start-up). Each line: ms in the engine, calls into it (PGlite makes several for
// one extended-protocol query: parse, bind, execute, sync), ms a call, the statement's
// first 140 characters. The engine's time includes PGlite's own parsing of the results (it runs
// inside the call). PGLITE_STATEMENTS_SLOW_MS=N also appends each call of N ms or more to
// FILE.slow (seconds since the start, ms, statement): what held the thread in one stretch.
// A development tool: it wraps a method PGlite does not document.
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";

const file = process.env.PGLITE_STATEMENTS;
if (file) {
  const after = Number(process.env.PGLITE_STATEMENTS_AFTER_S ?? 0) * 1000;
  const slowMs = Number(process.env.PGLITE_STATEMENTS_SLOW_MS ?? 0);
  const t0 = performance.now();
  const proto = PGlite.prototype as unknown as { execProtocolRawSync(this: PGlite, m: Uint8Array): unknown };
  const raw = proto.execProtocolRawSync;
  const stats = new Map<string, { n: number; ms: number }>();
  const dec = new TextDecoder();
  let current = "?";
  const text = (b: Uint8Array) => dec.decode(b).replace(/\s+/g, " ").slice(0, 140);
  proto.execProtocolRawSync = function (m: Uint8Array) {
    // Frontend messages: a type byte, then a 32-bit length that counts itself.
    for (let i = 0; i + 5 <= m.length; ) {
      const len = ((m[i + 1] << 24) | (m[i + 2] << 16) | (m[i + 3] << 8) | m[i + 4]) >>> 0;
      if (m[i] === 0x50 /* Parse: name\0 query\0 */) {
        const name = m.indexOf(0, i + 5);
        current = text(m.subarray(name + 1, m.indexOf(0, name + 1)));
      } else if (m[i] === 0x51 /* Query: query\0 */) current = text(m.subarray(i + 5, i + len));
      i += 1 + len;
    }
    const start = performance.now();
    try {
      return raw.call(this, m);
    } finally {
      const ms = performance.now() - start;
      if (start - t0 >= after) {
        const s = stats.get(current) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += ms;
        stats.set(current, s);
      }
      if (slowMs > 0 && ms >= slowMs) fs.appendFileSync(`${file}.slow`, `${((start - t0) / 1000).toFixed(1).padStart(7)} s ${ms.toFixed(0).padStart(6)} ms  ${current}\n`);
    }
  };
  setInterval(() => {
    const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((t, [, s]) => t + s.ms, 0);
    const secs = Math.max(0, (performance.now() - t0 - after) / 1000);
    fs.writeFileSync(
      file,
      `${total.toFixed(0)} ms in the engine over ${secs.toFixed(0)} s\n` +
        rows.map(([q, s]) => `${s.ms.toFixed(0).padStart(8)} ms ${String(s.n).padStart(7)} ${(s.ms / s.n).toFixed(2).padStart(8)} ms/call  ${q}`).join("\n") + "\n",
    );
  }, 5000).unref();
}
