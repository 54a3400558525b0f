import { describe, it, expect } from "vitest";
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from "./checkpoint";
import { fromBase64, toBase64 } from "./encoding";
import { LedgerError } from "./errors";
import { makeLog } from "./log-fixture.test-helper";

const ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

describe("checkpoint bodies (C2SP tlog-checkpoint)", () => {
  it("parses the spec's example", () => {
    const cp = parseCheckpoint(`example.com/behind-the-sofa\n20852163\n${ROOT}\n`);
    expect(cp.origin).toBe("example.com/behind-the-sofa");
    expect(cp.size).toBe(20852163);
    expect(toBase64(cp.root)).toBe(ROOT);
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(`example.com/behind-the-sofa\n20852163\n${ROOT}\n`);
  });

  it("keeps extension lines and accepts size 0", () => {
    const text = `o\n0\n${ROOT}\next one\next-two\n`;
    expect(parseCheckpoint(text).extensions).toEqual(["ext one", "ext-two"]);
    expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
  });

  const bad: Array<[string, string, string]> = [
    ["no final newline", `o\n1\n${ROOT}`, "text must end in a newline"],
    ["two lines", "o\n1\n", "got 2 lines, want at least 3"],
    ["empty origin", `\n1\n${ROOT}\n`, "line 1 is empty"],
    ["empty extension", `o\n1\n${ROOT}\n\n`, "line 4 is empty"],
    ["leading zero", `o\n01\n${ROOT}\n`, 'size got "01", want decimal digits with no leading zeroes'],
    ["sign", `o\n+1\n${ROOT}\n`, "size got"],
    ["negative", `o\n-1\n${ROOT}\n`, "size got"],
    ["beyond 2^53", `o\n9007199254740993\n${ROOT}\n`, "want at most 9007199254740991"],
    ["hex size", `o\n0x10\n${ROOT}\n`, "size got"],
    ["short root", `o\n1\n${toBase64(new Uint8Array(31))}\n`, "root has 31 bytes, want 32"],
    ["unpadded root", `o\n1\n${ROOT.slice(0, -1)}\n`, "is not canonical base64"],
    ["url-safe root", `o\n1\n${ROOT.replace("/", "_")}\n`, "is not canonical base64"],
    ["carriage return", `o\r\n1\n${ROOT}\n`, "control characters"],
  ];
  it.each(bad)("refuses %s", (_, text, message) => {
    let err: unknown;
    try {
      parseCheckpoint(text);
    } catch (e) {
      err = e;
    }
    expect((err as LedgerError).code).toBe("malformed_checkpoint");
    expect((err as Error).message).toContain(message);
  });

  it("refuses to format what it would not parse", () => {
    const root = fromBase64(ROOT);
    expect(() => formatCheckpoint({ origin: "", size: 1, root, extensions: [] })).toThrow("malformed_checkpoint: origin");
    expect(() => formatCheckpoint({ origin: "a\nb", size: 1, root, extensions: [] })).toThrow("malformed_checkpoint: origin");
    expect(() => formatCheckpoint({ origin: "o", size: 1.5, root, extensions: [] })).toThrow("malformed_checkpoint: size");
    expect(() => formatCheckpoint({ origin: "o", size: 1, root, extensions: [""] })).toThrow("malformed_checkpoint: extension");
  });
});

describe("signed checkpoints", () => {
  it("opens a checkpoint signed by the log and checks the origin", async () => {
    const log = await makeLog(10);
    const note = await log.checkpoint(7);
    const opened = await openCheckpoint(note, [log.verifier], log.origin);
    expect(opened.checkpoint.size).toBe(7);
    expect(opened.checkpoint.root).toEqual(log.root(7));
    await expect(openCheckpoint(note, [log.verifier], "other.example/log")).rejects.toThrow('origin_mismatch: checkpoint origin "city.example/ledger", want "other.example/log"');
    const other = await makeLog(1);
    await expect(openCheckpoint(note, [other.verifier])).rejects.toThrow("unverified_note");
    await expect(openCheckpoint(note.replace("\n7\n", "\n8\n"), [log.verifier])).rejects.toThrow("bad_signature");
  });
});
