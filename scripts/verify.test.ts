import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeDatum } from "../lib/provenance/testing/make-datum";

const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/verify.ts", ...args], { encoding: "utf8" });

describe("npm run verify", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-verify-"));

  it("verifies a download offline and prints every check", async () => {
    const datum = await makeDatum({ gateway: true });
    const file = path.join(dir, "ok.json");
    fs.writeFileSync(file, JSON.stringify(datum));
    const trust = path.join(dir, "trust.json");
    fs.writeFileSync(trust, JSON.stringify({ ...datum.log, quorum: 3 }));
    const r = run(file, "--trust", trust);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}device-signature: /m);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("VERIFIED");
  });

  it("exits 1 naming the failed check for a tampered download", async () => {
    const datum = await makeDatum();
    datum.reading.envelope.values.speedKmh = 99;
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify(datum));
    const r = run(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL envelope-hash: /m);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("NOT VERIFIED");
  });

  it("gives clear errors for a missing file, a non-JSON file and bad usage", () => {
    expect(run(path.join(dir, "nope.json"))).toMatchObject({ status: 2, stderr: expect.stringContaining("cannot read datum") });
    fs.writeFileSync(path.join(dir, "junk.json"), "not json");
    expect(run(path.join(dir, "junk.json"))).toMatchObject({ status: 1, stderr: expect.stringContaining("is not JSON") });
    expect(run()).toMatchObject({ status: 2, stderr: expect.stringContaining("no file given") });
    expect(run("a", "--bogus")).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown option --bogus") });
  });
});
