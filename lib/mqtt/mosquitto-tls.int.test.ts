import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { Intake } from "../ingest/intake";
import { bytes, freePort, seedIngestFixture, signed, until, type Keyed } from "../ingest/testing/ingest-fixture";
import { loadConfig } from "../config";
import { discardExternalSessions, startExternalIntake, type ExternalIntake } from "./external-intake";
import { ensureLocalServerTls, externalTlsFiles, issueCertificate } from "./tls-files";
import { readingsTopic } from "./topics";

// MQTT_URL mode over TLS (issue 13): the intake subscribes to a Mosquitto this test starts
// itself with a TLS listener that requires client certificates and an ACL.

const MOSQUITTO = process.env.MOSQUITTO_BIN || "/usr/sbin/mosquitto";
const missing = !fs.existsSync(MOSQUITTO) ? `${MOSQUITTO} not found (apt-get install mosquitto)` : spawnSync(MOSQUITTO, ["-h"]).error ? `${MOSQUITTO} does not run` : null;
if (missing) {
  if (process.env.CI === "true") throw new Error(`Mosquitto TLS test: ${missing}: CI requires it`);
  console.warn(`skipping the Mosquitto TLS integration test: ${missing}`);
}
const [pglite] = (await testTargets()).filter((t) => t.name === "pglite") as TestTarget[];

describe.runIf(!missing && !!pglite)("intake subscribed to Mosquitto over TLS (mqtts://, CA and client certificate)", () => {
  let dir: string;
  let proc: ChildProcess;
  let port: number;
  let log = "";
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let k: Keyed[];
  let intake: Intake;
  let ext: ExternalIntake | null = null;
  const clientId = `cb-tls-${process.pid}`;
  let files: { ca: string; cert: string; key: string };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-mosquitto-tls-"));
    ensureLocalServerTls(dir, ["127.0.0.1"]);
    issueCertificate(dir, "intake", { cn: "city-brain-intake", usage: "client" });
    issueCertificate(dir, "device", { cn: "trf-device", usage: "client" });
    issueCertificate(dir, "stranger", { cn: "stranger", usage: "client" });
    files = { ca: path.join(dir, "ca.crt"), cert: path.join(dir, "intake.crt"), key: path.join(dir, "intake.key") };
    port = await freePort();
    fs.writeFileSync(
      path.join(dir, "acl"),
      ["user city-brain-intake", "topic read city/#", "", "user trf-device", "topic write city/traffic/traffic.flow/readings", ""].join("\n"),
    );
    fs.writeFileSync(
      path.join(dir, "mosquitto.conf"),
      [
        "per_listener_settings false",
        `user ${os.userInfo().username}`,
        "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "allow_anonymous false",
        `acl_file ${path.join(dir, "acl")}`,
        `listener ${port} 127.0.0.1`,
        `cafile ${path.join(dir, "ca.crt")}`,
        `certfile ${path.join(dir, "server.crt")}`,
        `keyfile ${path.join(dir, "server.key")}`,
        "tls_version tlsv1.2",
        "require_certificate true",
        "use_identity_as_username true",
        "",
      ].join("\n"),
    );
    proc = spawn(MOSQUITTO, ["-c", path.join(dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await until(
      async () => {
        if (proc.exitCode !== null) throw new Error(`mosquitto exited (${proc.exitCode}): ${log}`);
        return new Promise<boolean>((resolve) => {
          const s = net.connect(port, "127.0.0.1");
          s.once("connect", () => (s.destroy(), resolve(true)));
          s.once("error", () => resolve(false));
        });
      },
      10_000,
      "mosquitto to listen",
    );
    db = await pglite.open();
    k = (await seedIngestFixture(db, 3)).keyed;
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
  });
  afterAll(async () => {
    await ext?.close().catch(() => {});
    if (proc && proc.exitCode === null) {
      await discardExternalSessions(`mqtts://127.0.0.1:${port}`, clientId, externalTlsFiles(files)).catch(() => {});
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
    }
    await intake?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the settings name mqtts:// with MQTT_CA, MQTT_CLIENT_CERT and MQTT_CLIENT_KEY", () => {
    const c = loadConfig({ MQTT_URL: `mqtts://127.0.0.1:${port}`, MQTT_CA: files.ca, MQTT_CLIENT_CERT: files.cert, MQTT_CLIENT_KEY: files.key } as unknown as NodeJS.ProcessEnv);
    expect(externalTlsFiles({ ca: c.MQTT_CA, cert: c.MQTT_CLIENT_CERT, key: c.MQTT_CLIENT_KEY })).toMatchObject({ ca: expect.stringContaining("BEGIN CERTIFICATE"), key: expect.stringContaining("PRIVATE KEY") });
    expect(() => externalTlsFiles({ ca: path.join(dir, "nope.crt") })).toThrow(/MQTT_CA: cannot read the CA certificate .*nope\.crt \(ENOENT\)/);
    expect(() => externalTlsFiles({ cert: files.cert })).toThrow(/MQTT_CLIENT_CERT and MQTT_CLIENT_KEY must be set together/);
    expect(() => startExternalIntake({ intake, url: `mqtt://127.0.0.1:${port}`, tls: { ca: "x" } })).toThrow(/need an mqtts:\/\/ MQTT_URL/);
  });

  it("stores readings a device published through the TLS broker; clients without a trusted certificate are refused", async () => {
    const url = `mqtts://127.0.0.1:${port}`;
    const tls = externalTlsFiles(files)!;
    ext = startExternalIntake({ intake, url, clientId, tls });
    await until(async () => ext!.connected(), 15_000, "the intake to connect over TLS");
    await new Promise((r) => setTimeout(r, 300)); // SUBACKs
    // A device with its own client certificate; the broker's ACL lets it write its topic only.
    const device = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: "trf-device",
      ca: tls.ca,
      cert: fs.readFileSync(path.join(dir, "device.crt")),
      key: fs.readFileSync(path.join(dir, "device.key")),
      reconnectPeriod: 0,
    });
    try {
      await device.publishAsync(readingsTopic("traffic", "traffic.flow"), Buffer.from(bytes(signed(k[0], 1))), { qos: 1 });
      await device.publishAsync(readingsTopic("traffic", "traffic.flow"), Buffer.from(bytes(signed(k[0], 2))), { qos: 1 });
    } finally {
      await device.endAsync();
    }
    await until(async () => (await db.sql.query(`SELECT 1 FROM reading WHERE device_id = $1`, [k[0].id])).length === 2, 15_000, "the readings through Mosquitto");
    // The traffic really was TLS: a plaintext client gets no CONNACK, a TLS client without a certificate is refused.
    const attempt = (u: string, o: mqtt.IClientOptions) =>
      new Promise<string | null>((resolve) => {
        const c = mqtt.connect(u, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, clientId: `probe-${process.pid}`, ...o });
        const done = (v: string | null) => (c.end(true), resolve(v));
        c.once("connect", () => done(null));
        c.once("error", (e) => done(e.message));
        c.once("close", () => done("closed"));
      });
    expect(await attempt(`mqtt://127.0.0.1:${port}`, {})).not.toBeNull();
    expect(await attempt(url, { ca: tls.ca })).not.toBeNull();
    // The intake refuses to talk to a broker whose certificate its CA did not sign.
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "cb-other-ca-"));
    try {
      ensureLocalServerTls(other, []);
      expect(await attempt(url, { ca: fs.readFileSync(path.join(other, "ca.crt"), "utf8"), cert: tls.cert, key: tls.key })).toMatch(/certificate|self.signed|unable to verify/i);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
