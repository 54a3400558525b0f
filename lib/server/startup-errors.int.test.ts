import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The console refuses to start with one clear line and a non-zero exit, never a bare stack.

/** A port nothing listens on now (so only the failure under test can stop the start). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
function start(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "server.ts"], {
    env: { ...process.env, DATABASE_URL: "", SIM_ENABLED: "0", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr.trim() };
}

describe("start-up failures", () => {
  it("a port in use", async () => {
    const srv = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const r = start({ PORT: String(port), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "cb-")) });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`city-brain: cannot start: port 127.0.0.1:${port} is already in use; stop the other program or set PORT to a free port`);
    } finally {
      srv.close();
    }
  });

  it("a data folder that is not writable", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cb-")), "a-file");
    fs.writeFileSync(file, "");
    const r = start({ PORT: String(await freePort()), DATA_DIR: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^city-brain: cannot start: data folder .* is not writable \(\w+\); set DATA_DIR to a folder you can write to$/);
  });

  it("an unreachable DATABASE_URL", async () => {
    const r = start({ PORT: String(await freePort()), DATABASE_URL: "postgresql://nobody:secret@127.0.0.1:1/none" });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^city-brain: cannot start: cannot reach PostgreSQL at postgresql:\/\/\*\*\*@127\.0\.0\.1:1\/none: .*; check DATABASE_URL/);
    expect(r.stderr).not.toContain("secret");
  });

  it("a malformed DATABASE_URL or port names the variable", async () => {
    expect(start({ PORT: String(await freePort()), DATABASE_URL: "mysql://x" }).stderr).toBe(
      "city-brain: cannot start: environment variable DATABASE_URL must start with postgres:// or postgresql://",
    );
    expect(start({ PORT: "70000" }).stderr).toMatch(/^city-brain: cannot start: environment variable PORT /);
  });
});
