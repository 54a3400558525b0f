import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { MemoryTree, consistencyProof, fromHex, inclusionProof, leafHash, rootFromLeafHashes, toHex } from "../lib/ledger/index";
import { nodeSha256 as h } from "../lib/ledger/node-crypto";

const ROOT_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

type Result = { code: number | null; stdout: string; stderr: string };

/** Runs the CLI as `tsx scripts/ledger-cli.ts` does, in one node process (half the start-up of npx). */
function run(args: string[], stdin = ""): Promise<Result> {
  return spawnWith(process.execPath, ["--import", "tsx", "scripts/ledger-cli.ts", ...args], stdin);
}

function spawnWith(command: string, args: string[], stdin: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT_DIR, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// RFC 6962 test leaves (transparency-dev/merkle testonly).
const DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const STDIN = `${DATA.join("\n")}\n`;
const LEAVES = DATA.map((d) => leafHash(h, fromHex(d)));
const TREE = new MemoryTree(h, LEAVES);
const root = (n: number) => toHex(rootFromLeafHashes(h, LEAVES.slice(0, n)));

const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NOTE = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
const PETER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

describe.concurrent("ledger-cli", { timeout: 60_000 }, () => {
  it("runs through the package script (npm run -s ledger -- VERB)", async () => {
    const r = await spawnWith("npm", ["run", "-s", "ledger", "--", "root"], STDIN);
    expect(r).toMatchObject({ code: 0, stdout: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n" });
  });

  it("root prints the RFC 6962 root, the empty tree's included", async () => {
    expect(await run(["root"], STDIN)).toMatchObject({ code: 0, stdout: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n" });
    expect((await run(["root"], "")).stdout).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
    expect((await run(["root"], "\r\n00\r\n10")).stdout).toBe(`${root(3)}\n`);
    const bad = await run(["root"], "00\nxyz\n");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('stdin line 2: got "xyz", want hex leaf data');
  });

  it("inclusion-proof and consistency-proof print hex hashes", async () => {
    const inc = await run(["inclusion-proof", "--index", "2", "--size", "7"], STDIN);
    expect(inc).toMatchObject({ code: 0, stdout: inclusionProof(TREE, h, 2, 7).map((x) => `${toHex(x)}\n`).join("") });
    const con = await run(["consistency-proof", "--size1=3", "--size2=7"], STDIN);
    expect(con.stdout.trim().split("\n")).toEqual(consistencyProof(TREE, h, 3, 7).map(toHex));
    expect((await run(["consistency-proof", "--size1", "7", "--size2", "7"], STDIN)).stdout).toBe("");
    const over = await run(["inclusion-proof", "--index", "8", "--size", "8"], STDIN);
    expect(over).toMatchObject({ code: 1, stdout: "index_out_of_range: index 8 >= size 8, want index < size\n" });
  });

  it("verify-inclusion says OK or why not", async () => {
    const proof = inclusionProof(TREE, h, 5, 8).map(toHex).join(",");
    const args = ["verify-inclusion", "--leaf-hash", toHex(LEAVES[5]), "--index", "5", "--size", "8", "--root", root(8), "--proof", proof];
    expect(await run(args)).toMatchObject({ code: 0, stdout: "OK\n" });
    const wrong = await run([...args.slice(0, 2), toHex(LEAVES[4]), ...args.slice(3)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^root_mismatch: computed root [0-9a-f]{64} does not match expected root 5dc9da79/);
    expect(await run(["verify-inclusion", "--leaf-hash", toHex(LEAVES[0]), "--index", "0", "--size", "1", "--root", root(1), "--proof", ""])).toMatchObject({ code: 0, stdout: "OK\n" });
    const short = await run([...args.slice(0, -1), proof.split(",").slice(1).join(",")]);
    expect(short).toMatchObject({ code: 1, stdout: "proof_wrong_length: inclusion proof for index 5 in a tree of size 8 has 2 hashes, want 3\n" });
  });

  it("verify-consistency says OK or why not", async () => {
    const proof = consistencyProof(TREE, h, 3, 7).map(toHex).join(",");
    const ok = await run(["verify-consistency", "--size1", "3", "--root1", root(3), "--size2", "7", "--root2", root(7), "--proof", proof]);
    expect(ok).toMatchObject({ code: 0, stdout: "OK\n" });
    const swapped = await run(["verify-consistency", "--size1", "7", "--root1", root(7), "--size2", "3", "--root2", root(3), "--proof", proof]);
    expect(swapped).toMatchObject({ code: 1, stdout: "size_order: size1 7 > size2 3, want size1 <= size2\n" });
    const fromEmpty = await run(["verify-consistency", "--size1", "0", "--root1", root(0), "--size2", "7", "--root2", root(7), "--proof", ""]);
    expect(fromEmpty).toMatchObject({ code: 0, stdout: "OK\n" });
  });

  it("verify-note checks C2SP signed notes", async () => {
    expect(await run(["verify-note", "--key", PETER], NOTE)).toMatchObject({ code: 0, stdout: "OK\n" });
    expect(await run(["verify-note", "--key", ENOCH, "--key", PETER], NOTE)).toMatchObject({ code: 0, stdout: "OK\n" });
    expect(await run(["verify-note", "--key", ENOCH], NOTE)).toMatchObject({ code: 1, stdout: "unverified_note: note has no verifiable signatures (1 from unknown keys)\n" });
    expect(await run(["verify-note", "--key", PETER], NOTE.replace("problem,", "problem;"))).toMatchObject({ code: 1, stdout: "bad_signature: invalid signature for key PeterNeumann+c74f20a3\n" });
    expect((await run(["verify-note", "--key", PETER], TEXT)).stdout).toMatch(/^malformed_note/);
    const badKey = await run(["verify-note", "--key", PETER.replace("c74f", "c75f")], NOTE);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("bad flag --key: key_hash_mismatch");
  });

  it("batch answers thousands of cases, one line each, and survives garbage", async () => {
    const cases: Array<{ line: string; ok: boolean }> = [];
    const sizes = Array.from({ length: 8 }, (_, i) => i + 1);
    for (let rep = 0; rep < 120; rep++) {
      for (const n of sizes) {
        const m = rep % n;
        const proof = inclusionProof(TREE, h, m, n).map(toHex);
        const good = { verb: "verify-inclusion", leafHash: toHex(LEAVES[m]), index: m, size: n, root: root(n), proof };
        cases.push({ line: JSON.stringify(good), ok: true });
        cases.push({ line: JSON.stringify({ ...good, leafHash: toHex(LEAVES[(m + 1) % 8]) }), ok: n === 1 && false });
        const m1 = rep % (n + 1);
        const cproof = consistencyProof(TREE, h, m1, n).map(toHex);
        cases.push({ line: JSON.stringify({ verb: "verify-consistency", size1: m1, root1: root(m1), size2: n, root2: root(n), proof: cproof }), ok: true });
        cases.push({ line: JSON.stringify({ verb: "verify-consistency", size1: m1, root1: root(m1), size2: n, root2: root(n), proof: [...cproof, root(n)] }), ok: false });
      }
    }
    cases.push({ line: JSON.stringify({ verb: "verify-note", note: NOTE, keys: [PETER] }), ok: true });
    cases.push({ line: JSON.stringify({ verb: "verify-note", note: NOTE, keys: [ENOCH] }), ok: false });
    cases.push({ line: JSON.stringify({ verb: "verify-note", note: NOTE, keys: "nope" }), ok: false });
    cases.push({ line: "{not json", ok: false });
    cases.push({ line: "[]", ok: false });
    cases.push({ line: "", ok: false });
    cases.push({ line: JSON.stringify({ verb: "explode" }), ok: false });
    cases.push({ line: JSON.stringify({ verb: "verify-inclusion", index: -1, size: 1, leafHash: "00", root: "00", proof: [] }), ok: false });
    cases.push({ line: JSON.stringify({ verb: "verify-inclusion", index: 0, size: 1, leafHash: "zz", root: "00", proof: [] }), ok: false });
    cases.push({ line: JSON.stringify({ verb: "verify-inclusion", index: 0, size: 1, leafHash: toHex(LEAVES[0]), root: root(1), proof: [1] }), ok: false });
    const { code, stdout } = await run(["batch"], `${cases.map((c) => c.line).join("\n")}\n`);
    expect(code).toBe(0);
    const results = stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(results.length).toBe(cases.length);
    expect(cases.length).toBeGreaterThan(3000);
    const wrong = results.map((r, i) => (r.ok === cases[i].ok ? null : `${i}: ${cases[i].line.slice(0, 80)} → ${JSON.stringify(r)}`)).filter(Boolean);
    expect(wrong).toEqual([]);
    for (const r of results) if (!r.ok) expect(typeof r.reason).toBe("string");
    expect(results[cases.length - 3].reason).toBe("invalid_argument: bad field index: got -1, want a non-negative integer");
    expect(results[cases.length - 7].reason).toBe("malformed JSON");
  });

  it("bad usage exits 2 naming the problem", async () => {
    const cases: Array<[string[], string]> = [
      [[], "missing VERB"],
      [["frobnicate"], 'unknown verb "frobnicate"'],
      [["verify-inclusion", "--index", "1", "--size", "2", "--root", "00"], "missing flag --leaf-hash for verify-inclusion"],
      [["verify-inclusion", "--leaf-hash", "00", "--index", "x", "--size", "2", "--root", "00"], 'bad flag --index: got "x", want a non-negative integer'],
      [["verify-inclusion", "--leaf-hash", "00", "--index", "-1", "--size", "2", "--root", "00"], 'bad flag --index: got "-1"'],
      [["verify-inclusion", "--leaf-hash", "0g", "--index", "1", "--size", "2", "--root", "00"], 'bad flag --leaf-hash: got "0g", want hex'],
      [["verify-consistency", "--size1", "1", "--root1", "00", "--size2", "2", "--root2", "00", "--proof", "00,zz"], "bad flag --proof"],
      [["verify-consistency", "--size1", "1", "--size1", "1"], "flag --size1 given twice"],
      [["root", "--verbose"], "unknown flag --verbose for root"],
      [["inclusion-proof", "--index"], "flag --index needs a value"],
      [["verify-note"], "missing flag --key for verify-note"],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const r = await run(args);
        expect(r.code, args.join(" ")).toBe(2);
        expect(r.stderr).toContain(message);
      }),
    );
  });
});
