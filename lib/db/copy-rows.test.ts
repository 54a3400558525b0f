import { describe, expect, it } from "vitest";
import { ByteWriter } from "./copy-rows";

describe("ByteWriter", () => {
  it("writes UTF-8 as Buffer.from does, growing only when the bytes need it", () => {
    const parts = ["a\tb", "é", "€uro", "𝄞 clef", "x".repeat(200), "ünïcödé ".repeat(30), "", "z"];
    const w = new ByteWriter(64);
    const want: Buffer[] = [];
    for (let k = 0; k < 50; k++) {
      const s = parts[k % parts.length];
      w.utf8(s);
      w.ascii("\t");
      want.push(Buffer.from(s, "utf8"), Buffer.from("\t"));
    }
    expect(Buffer.from(w.buf.subarray(0, w.at)).equals(Buffer.concat(want))).toBe(true);

    // ASCII that fits its exact length is written without growing the buffer.
    const exact = new ByteWriter(64);
    exact.utf8("x".repeat(40));
    exact.utf8("y".repeat(24));
    expect(exact.buf.length).toBe(64);
    expect(exact.at).toBe(64);
  });
});
