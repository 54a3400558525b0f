import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { Intake } from "../ingest/intake";
import { unsafeRevokeDeviceKey } from "../devices/change-device-key";
import { bytes, gatewayBatch, seedIngestFixture, signed, until, type Keyed } from "../ingest/testing/ingest-fixture";
import { signerFromSeed } from "../sim/simulator-keys";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker";
import { ensureLocalServerTls } from "./tls-files";
import { makeDeviceToken } from "./device-token";
import { connectDeviceAsync } from "./device-client";
import { batchesTopic, readingsTopic } from "./topics";

// Issue 13: the embedded broker speaks TLS and lets in only authenticated devices, each on its own topic.

const [pglite] = (await testTargets()).filter((t) => t.name === "pglite") as TestTarget[];
const TOPIC = readingsTopic("traffic", "traffic.flow");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Resolves with the error of a connection attempt the broker refuses (or null when it connects). */
function refusal(url: string, o: mqtt.IClientOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...o });
    const finish = (v: string | null) => {
      c.end(true);
      resolve(v);
    };
    c.once("connect", () => finish(null));
    c.once("error", (e) => finish(e.message || String(e)));
    // No CONNACK at all (a plaintext client talking to a TLS listener): the connection just closes.
    c.once("close", () => finish("closed without a CONNACK"));
  });
}

/** Waits until the client's connection closes; true when it did within `ms`. */
const closedWithin = (c: MqttClient, ms = 5000) =>
  new Promise<boolean>((resolve) => {
    if (!c.connected) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    c.once("close", () => {
      clearTimeout(t);
      resolve(true);
    });
  });

describe.runIf(!!pglite)("the embedded broker's device transport", () => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let k: Keyed[];
  let gateway: { id: string; signer: ReturnType<typeof signerFromSeed> };
  let intake: Intake;
  let broker: EmbeddedBroker;
  let url: string;
  let ca: string;
  let dir: string;
  const dev = (i: number, extra: mqtt.IClientOptions = {}) => connectDeviceAsync(url, { device: k[i].id, sign: k[i].signer.sign, ca }, extra);
  const rows = async (device: string) => Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE device_id = $1`, [device]))[0].n);

  beforeAll(async () => {
    db = await pglite.open();
    const fx = await seedIngestFixture(db, 12);
    k = fx.keyed;
    gateway = fx.gateway;
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-mqtt-tls-"));
    const material = ensureLocalServerTls(dir, ["127.0.0.1"]);
    ca = material.ca;
    broker = await startEmbeddedBroker({ intake, port: 0, tls: material, plainPort: 0 });
    url = broker.url;
  });
  afterAll(async () => {
    await broker?.close();
    await intake?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a device connects over TLS with its token and its readings are stored before the PUBACK", async () => {
    expect(url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const c = await dev(0);
    try {
      // The connection really is TLS 1.2 or later, with the broker's certificate from the local CA.
      const s = c.stream as tls.TLSSocket;
      expect(s.encrypted).toBe(true);
      expect(["TLSv1.2", "TLSv1.3"]).toContain(s.getProtocol());
      expect(s.authorized).toBe(true);
      await c.publishAsync(TOPIC, Buffer.from(bytes(signed(k[0], 1))), { qos: 1 });
      expect(await rows(k[0].id)).toBe(1);
    } finally {
      await c.endAsync();
    }
  });

  it("a gateway publishes its signed batch to its department's gateway topic", async () => {
    const c = await connectDeviceAsync(url, { device: gateway.id, sign: gateway.signer.sign, ca });
    try {
      await c.publishAsync(batchesTopic("traffic"), Buffer.from(bytes(gatewayBatch(gateway, [signed(k[9], 1), signed(k[10], 1)]))), { qos: 1 });
      expect(await rows(k[9].id)).toBe(1);
      expect(await rows(k[10].id)).toBe(1);
    } finally {
      await c.endAsync();
    }
  });

  it("a client certificate carrying the device's registered key authenticates it without a password", async () => {
    const seed = new Uint8Array(32).fill(2); // k[1]'s key (ingest-fixture)
    const keyPem = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }).export({ format: "pem", type: "pkcs8" }) as string;
    fs.writeFileSync(path.join(dir, "dev.key"), keyPem, { mode: 0o600 });
    execFileSync("openssl", ["req", "-x509", "-key", "dev.key", "-subj", `/CN=${k[1].id}`, "-days", "1", "-out", "dev.crt"], { cwd: dir, stdio: "pipe" });
    const cert = fs.readFileSync(path.join(dir, "dev.crt"), "utf8");
    const c = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: k[1].id, ca, cert, key: keyPem, reconnectPeriod: 0 });
    try {
      await c.publishAsync(TOPIC, Buffer.from(bytes(signed(k[1], 1))), { qos: 1 });
      expect(await rows(k[1].id)).toBe(1);
    } finally {
      await c.endAsync();
    }
    // The same certificate does not make its holder another device.
    expect(await refusal(url, { clientId: k[2].id, ca, cert, key: keyPem })).toMatch(/Bad username or password|Not authorized/i);
  });

  it("refuses plaintext on the TLS port, anonymous clients on both listeners, and clients that distrust nothing", async () => {
    // Plain MQTT to the TLS listener: no CONNACK ever comes.
    expect(await refusal(url.replace("mqtts:", "mqtt:"), { clientId: k[3].id, username: k[3].id, password: makeDeviceToken(k[3].id, k[3].signer.sign), connectTimeout: 2000 })).not.toBeNull();
    // TLS without the CA: the broker's certificate is not trusted by the client.
    expect(await refusal(url, { clientId: k[3].id, username: k[3].id, password: makeDeviceToken(k[3].id, k[3].signer.sign) })).toMatch(/self.signed|unable to (get|verify)|certificate/i);
    // Anonymous over TLS, and over the loopback plaintext listener.
    expect(await refusal(url, { clientId: k[3].id, ca })).toMatch(/Bad username or password/i);
    expect(await refusal(`mqtt://127.0.0.1:${broker.plainPort}`, { clientId: k[3].id })).toMatch(/Bad username or password/i);
    // The plaintext listener takes a device with its token (a transition for devices without TLS), on loopback only.
    const plain = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.plainPort}`, { protocolVersion: 4, clientId: k[3].id, username: k[3].id, password: makeDeviceToken(k[3].id, k[3].signer.sign), reconnectPeriod: 0 });
    await plain.publishAsync(TOPIC, Buffer.from(bytes(signed(k[3], 1))), { qos: 1 });
    await plain.endAsync();
    expect(await rows(k[3].id)).toBe(1);
    expect(broker.refusals()).toMatchObject({ anonymous: 2 });
  });

  it("refuses wrong, expired, foreign and malformed tokens and a revoked device", async () => {
    const id = k[4].id;
    const opts = (password: string, user = id) => ({ clientId: user, username: user, password, ca });
    expect(await refusal(url, opts(makeDeviceToken(id, k[5].signer.sign)))).toMatch(/Bad username or password/i); // another key
    expect(await refusal(url, opts(makeDeviceToken(id, k[4].signer.sign, { seconds: -3600 })))).toMatch(/Bad username or password/i); // expired
    expect(await refusal(url, opts(makeDeviceToken(id, k[4].signer.sign, { seconds: 30 * 86_400 })))).toMatch(/Bad username or password/i); // lives too long
    expect(await refusal(url, opts(makeDeviceToken(k[5].id, k[5].signer.sign)))).toMatch(/Bad username or password/i); // k[5]'s own token presented as k[4]
    expect(await refusal(url, opts("secret"))).toMatch(/Bad username or password/i);
    expect(await refusal(url, opts(makeDeviceToken("trf-nobody", k[4].signer.sign), "trf-nobody"))).toMatch(/Bad username or password/i);
    await unsafeRevokeDeviceKey(db.sql, { device: k[6].id, reason: "stolen" });
    await intake.devices.reload([k[6].id]);
    expect(await refusal(url, { clientId: k[6].id, username: k[6].id, password: makeDeviceToken(k[6].id, k[6].signer.sign), ca })).toMatch(/Bad username or password/i);
    expect(broker.refusals()).toMatchObject({ bad_signature: 1, expired: 1, too_long: 1, wrong_device: 1, malformed: 1, unknown_device: 1, revoked: 1 });
  });

  it("refuses a client id taken from another device: the device keeps its connection", async () => {
    const owner = await dev(7);
    let kicked = false;
    owner.on("close", () => (kicked = true));
    try {
      // k[8] authenticates as itself but asks for k[7]'s client id; a stranger tries k[7]'s id with a bad token.
      expect(await refusal(url, { clientId: k[7].id, username: k[8].id, password: makeDeviceToken(k[8].id, k[8].signer.sign), ca })).toMatch(/Identifier rejected/i);
      expect(await refusal(url, { clientId: k[7].id, username: k[7].id, password: makeDeviceToken(k[7].id, k[8].signer.sign), ca })).toMatch(/Bad username or password/i);
      expect(await refusal(url, { clientId: k[7].id, ca })).toMatch(/Bad username or password/i);
      await new Promise((r) => setTimeout(r, 200));
      expect(kicked).toBe(false);
      expect(owner.connected).toBe(true);
      await owner.publishAsync(TOPIC, Buffer.from(bytes(signed(k[7], 1))), { qos: 1 });
      expect(await rows(k[7].id)).toBe(1);
    } finally {
      await owner.endAsync(true);
    }
  });

  it("refuses retained messages, topics outside the device's own, wills and every subscription ($SYS included)", async () => {
    const before = await rows(k[8].id);
    // Retained, on the device's own topic: the connection is closed and nothing is stored.
    let c = await dev(8);
    c.publish(TOPIC, Buffer.from(bytes(signed(k[8], 1))), { qos: 1, retain: true });
    expect(await closedWithin(c)).toBe(true);
    await c.endAsync(true);
    // Another dataset's topic, the gateway topic, a topic outside city/, $SYS.
    for (const topic of [readingsTopic("energy", "energy.load"), readingsTopic("safety", "traffic.flow"), batchesTopic("traffic"), "elsewhere/x", "$SYS/broker/x"]) {
      c = await dev(8);
      c.publish(topic, Buffer.from(bytes(signed(k[8], 2))), { qos: 1 });
      expect(await closedWithin(c), topic).toBe(true);
      await c.endAsync(true);
    }
    expect(await rows(k[8].id)).toBe(before);
    expect(Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letter WHERE device_id = $1`, [k[8].id]))[0].n)).toBe(0);
    // Wills are refused at CONNECT.
    expect(await refusal(url, { clientId: k[8].id, username: k[8].id, password: makeDeviceToken(k[8].id, k[8].signer.sign), ca, will: { topic: TOPIC, payload: Buffer.from("x"), qos: 1, retain: true } })).toMatch(
      /Not authorized/i,
    );
    // Subscriptions: $SYS (which lists client ids), the intake topics, everything.
    c = await dev(8);
    try {
      for (const filter of ["$SYS/#", "#", "city/#", TOPIC]) await expect(c.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow(/Subscribe error/);
      // A refused subscription does not end the connection: the device still publishes.
      await c.publishAsync(TOPIC, Buffer.from(bytes(signed(k[8], 3))), { qos: 1 });
      expect(await rows(k[8].id)).toBe(before + 1);
    } finally {
      await c.endAsync(true);
    }
    expect(broker.refusals()).toMatchObject({ retained: 1, topic: 5, will: 1, subscribe: 4 });
  });

  it("disconnects a device whose key is revoked while it is connected", async () => {
    const c = await dev(11);
    const closed = closedWithin(c, 10_000);
    await unsafeRevokeDeviceKey(db.sql, { device: k[11].id, reason: "lost" });
    await intake.devices.reload([k[11].id]);
    expect(await closed).toBe(true);
    await c.endAsync(true);
    await until(async () => (await refusal(url, { clientId: k[11].id, username: k[11].id, password: makeDeviceToken(k[11].id, k[11].signer.sign), ca })) !== null, 5000, "the refusal");
  });
});
