import { spawnSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDb } from "../db/client";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { ensureLocalServerTls } from "../mqtt/tls-files";
import { GET as health } from "../../app/api/health/route";
import { consoleTls, createConsoleServer } from "./console-server";

// The console serves HTTPS itself when TLS_CERT and TLS_KEY are set (issue 13). The whole
// console over HTTPS (Next.js pages included) is checked in e2e/https.api.spec.ts.

const [pglite] = (await testTargets()).filter((t) => t.name === "pglite") as TestTarget[];

function get(url: string, ca: string): Promise<{ status: number; body: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca }, (res) => {
      const protocol = (res.socket as tls.TLSSocket).getProtocol();
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, protocol }));
    });
    req.on("error", reject);
  });
}

describe.runIf(!!pglite)("the console's HTTPS server", () => {
  let dir: string;
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-https-"));
    ensureLocalServerTls(dir, ["127.0.0.1"]);
    db = await pglite.open();
    setDb(db);
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers the health route over TLS with the given certificate; plaintext gets no answer", async () => {
    const identity = consoleTls({ TLS_CERT: path.join(dir, "server.crt"), TLS_KEY: path.join(dir, "server.key") });
    expect(identity).not.toBeNull();
    const server = createConsoleServer((req, res) => {
      expect(req.url).toBe("/api/health");
      void health().then(async (r: Response) => {
        res.writeHead(r.status, Object.fromEntries(r.headers)).end(Buffer.from(await r.arrayBuffer()));
      });
    }, identity);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
      const r = await get(`https://127.0.0.1:${port}/api/health`, ca);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: "ok", database: "embedded" });
      expect(["TLSv1.2", "TLSv1.3"]).toContain(r.protocol);
      // Without the CA the certificate is not trusted; plain HTTP to the port gets no HTTP answer.
      await expect(get(`https://127.0.0.1:${port}/api/health`, tls.rootCertificates.join("\n"))).rejects.toThrow(/certificate|self.signed|unable to verify/i);
      const plain = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5000) }).then((x) => x.status).catch(() => "refused");
      expect(plain).not.toBe(200);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it("refuses to start with one clear line when TLS_CERT or TLS_KEY is missing or unreadable", () => {
    expect(() => consoleTls({ TLS_CERT: path.join(dir, "server.crt") })).toThrow("TLS_CERT and TLS_KEY must be set together");
    expect(() => consoleTls({ TLS_CERT: path.join(dir, "none.crt"), TLS_KEY: path.join(dir, "server.key") })).toThrow(/^TLS_CERT: cannot read .*none\.crt \(ENOENT\)$/);
    expect(() => consoleTls({ TLS_CERT: path.join(dir, "server.key"), TLS_KEY: path.join(dir, "server.key") })).toThrow(/TLS_CERT: .* is not a PEM certificate/);
    expect(consoleTls({})).toBeNull();
    const r = spawnSync(process.execPath, ["--import", "tsx", "server.ts"], {
      env: { ...process.env, DATABASE_URL: "", SIM_ENABLED: "0", PORT: "1", DATA_DIR: dir, TLS_CERT: path.join(dir, "server.crt"), TLS_KEY: path.join(dir, "missing.key") },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^city-brain: cannot start: TLS_KEY: cannot read .*missing\.key \(ENOENT\)$/);
  });
});
