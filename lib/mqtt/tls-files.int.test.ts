import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { brokerTls, ensureLocalServerTls, loadTlsFiles } from "./tls-files";

// The broker's TLS identity generated on first start with the machine's openssl (issue 13).

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "cb-tls-files-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("the broker's TLS files", () => {
  it("generates a CA and a server certificate into DATA_DIR/secrets/mqtt-tls once, keys readable by the owner only", () => {
    const dataDir = tmp();
    const m = brokerTls({ dataDir, hosts: ["127.0.0.1"] });
    const dir = path.join(dataDir, "secrets", "mqtt-tls");
    expect(m.caFile).toBe(path.join(dir, "ca.crt"));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const k of ["ca.key", "server.key"]) expect(fs.statSync(path.join(dir, k)).mode & 0o777).toBe(0o600);
    const cert = new crypto.X509Certificate(m.cert);
    const ca = new crypto.X509Certificate(m.ca);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.keyUsage ?? []).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    // A second start reuses them; a new MQTT_HOST gets a new server certificate from the same CA.
    expect(brokerTls({ dataDir, hosts: ["127.0.0.1"] }).cert).toBe(m.cert);
    const again = ensureLocalServerTls(dir, ["broker.city.example"]);
    expect(again.ca).toBe(m.ca);
    expect(again.cert).not.toBe(m.cert);
    expect(new crypto.X509Certificate(again.cert).checkHost("broker.city.example")).toBe("broker.city.example");
  });

  it("says clearly when openssl is missing or given files are wrong", () => {
    const before = process.env.OPENSSL_BIN;
    process.env.OPENSSL_BIN = "/nonexistent/openssl";
    try {
      expect(() => brokerTls({ dataDir: tmp(), hosts: [] })).toThrow(/the openssl command is needed to generate the MQTT TLS certificates and was not found .*MQTT_TLS_CERT and MQTT_TLS_KEY/);
    } finally {
      if (before === undefined) delete process.env.OPENSSL_BIN;
      else process.env.OPENSSL_BIN = before;
    }
    const d = tmp();
    const m = ensureLocalServerTls(d, []);
    expect(() => brokerTls({ dataDir: d, hosts: [], cert: m.certFile })).toThrow("MQTT_TLS_CERT and MQTT_TLS_KEY must be set together");
    expect(() => loadTlsFiles({ cert: path.join(d, "nope.crt"), key: m.keyFile })).toThrow(/^MQTT_TLS_CERT: cannot read the certificate .*nope\.crt \(ENOENT\)$/);
    expect(() => loadTlsFiles({ cert: m.keyFile, key: m.keyFile })).toThrow(/MQTT_TLS_CERT: .* is not a PEM certificate/);
    expect(() => loadTlsFiles({ cert: m.certFile, key: m.certFile })).toThrow(/MQTT_TLS_KEY: .* is not a PEM private key/);
    expect(brokerTls({ dataDir: d, hosts: [], cert: m.certFile, key: m.keyFile, ca: m.caFile })).toMatchObject({ cert: m.cert, key: m.key, ca: m.ca });
  });
});
