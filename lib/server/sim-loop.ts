import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { MqttClient } from "mqtt";
import type { CityModel, Device } from "../city/types";
import { createSimulator } from "../sim";
import type { SimReading } from "../sim";
import type { Envelope } from "../ingest/envelope";
import { readingsTopic } from "../mqtt/topics";
import { connectDevice } from "../mqtt/device-client";
import type { DeviceSigner } from "../sim/simulator-keys";
import { startSimSigner } from "../sim/sim-signer";

/**
 * History to send besides the live readings (lib/sim/backfill.ts): readings with past
 * observedAt, handed out a few 5-minute slots at a time, given back when they could not be sent.
 */
export type SimBackfillSource = {
  readonly done: boolean;
  take(slots: number): SimReading[];
  putBack(readings: readonly SimReading[]): void;
  sent(readings: readonly SimReading[]): void;
  /** Called after every tick that sent some (progress for the official). */
  tick?(): void;
};

/** How often each device reports; devices are spread evenly over the period. */
const REPORT_PERIOD_MS = 30_000;
/** Batches a gateway keeps for resending while the console does not answer. */
const MAX_PENDING_BATCHES = 200;
/** Gateways posting their batches at once (each on its own kept-alive connection). */
const MAX_POSTING = 32;
/**
 * A tick measures every due reading on the console's own thread (the signing and the gateways'
 * checks are on the simulator's signing thread, lib/sim/sim-signer.ts): the first tick of a
 * size-10 city is 19,177 readings. The tick gives the event loop back after this much work,
 * so requests and the database's queries are served in between.
 */
const TICK_SLICE_MS = 20;

/** A pause for the tick's loops: resolves at once until TICK_SLICE_MS of work has passed since the last turn of the event loop. */
function tickSlices(): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < TICK_SLICE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      since = performance.now();
    });
  };
}
/** Devices connecting (TLS handshake, token check) at once; the first tick connects every MQTT device. */
const MAX_CONNECTING = 16;
/** A simulated device whose connection dropped tries again after this long. */
const RECONNECT_MS = 5000;

function phaseOf(id: string, slots: number): number {
  const h = crypto.createHash("sha256").update(id).digest();
  return h.readUInt32BE(0) % slots;
}

export type SimGatewaySetup = { gatewayOf: (d: Device) => string | null; signers: Map<string, DeviceSigner> };

/**
 * The simulated city's devices and edge gateways, speaking the real transports: each device
 * signs its envelope with its own key; devices in districts without a gateway publish over
 * MQTT (QoS 1, one topic per department and dataset), the others hand their readings to
 * their district's gateway, which checks each device signature and POSTs signed batches to
 * the console's HTTP intake. The console stores them and announces live updates itself.
 * Every tick sends the share of devices whose turn it is; the first tick sends every device
 * so the map fills at once: through the gateways at once, over MQTT as each device's
 * connection opens (a device measures when it can send, at the first tick after its
 * connection opened, so the live map never gets a reading held back while it connected).
 */
export function startSimLoop(opts: {
  city: CityModel;
  seed: string;
  intervalMs: number;
  signers: Map<string, DeviceSigner>;
  gateways: SimGatewaySetup;
  /** Broker the devices publish to (the console's embedded broker, mqtts://, or MQTT_URL). */
  mqttUrl: string;
  /** PEM of the CA the broker's certificate chains to (undefined: the system's CAs). */
  mqttCa?: string;
  /** The console's gateway batch endpoint, e.g. http://127.0.0.1:3000/api/ingest/batch (or https://) */
  batchUrl: string;
  /** For an https batchUrl: PEM certificates trusted besides the system's (the console's own TLS_CERT). */
  batchCa?: string;
  log: (m: string) => void;
  /**
   * Backfill (SIM_BACKFILL_HOURS): opened `delayMs` after the first tick, so the first map is
   * not delayed; then each tick sends up to `maxSlots` 5-minute slots of history after its live
   * readings, fewer while ticks get slow, none while gateway batches wait for the console.
   */
  backfill?: { delayMs: number; maxSlots: number; open(): Promise<SimBackfillSource | null> };
}) {
  const sim = createSimulator({ city: opts.city, seed: opts.seed });
  // Each device's seq is strictly increasing (the intake takes a late one only within its seq
  // window, lib/ingest/commit.ts SEQ_WINDOW, and a seq of the past would be far below it).
  // Live readings take their observation's millisecond × 1000; backfilled ones, sent after a
  // device's live reading of the tick (in the same gateway batch, or on the same MQTT
  // connection after it), take the next numbers. The next live reading, a tick later, is
  // thousands of millions above.
  const lastSeq = new Map<string, number>();
  const seqFor = (device: string, base: number) => {
    const s = Math.max(base, (lastSeq.get(device) ?? 0) + 1);
    lastSeq.set(device, s);
    return s;
  };
  let backfill: SimBackfillSource | null = null;
  let backfillOpening = false;
  let backfillSlots = 1;
  let lastTickMs = 0;
  const startedAt = Date.now();
  const slots = Math.max(1, Math.round(REPORT_PERIOD_MS / opts.intervalMs));
  const phase = new Map<string, number>();
  const deviceById = new Map(opts.city.devices.map((d) => [d.id, d]));
  let tick = 0;
  let first = true;
  let running: Promise<void> | null = null;
  let stopped = false;
  let pending: { gateway: string; body: string; history: SimReading[] }[] = [];
  // Each device that publishes over MQTT holds its own connection, as a real device does:
  // TLS, client id and user name its id, password a token signed with its key (issue 13).
  // Connections open at a device's first report and stay open.
  const conns = new Map<string, MqttClient>();
  let connecting = 0;
  const waiting: (() => void)[] = [];
  let mqttWarned = false;
  const firstConnect = new Map<string, Promise<void>>();
  /** Devices whose report is still being published. */
  const inFlight = new Set<string>();
  /**
   * MQTT devices whose report fell due while their connection was not open (still opening at
   * the first start, or dropped): they measure and report at the first tick after it opens.
   * A device does not hold a measurement while it connects: at a fresh start 1,120 devices
   * open TLS connections 16 at a time for about 20 s, and readings taken at the first tick
   * and sent once connected reached the live map 1–20 s after they were observed.
   */
  const owed = new Set<string>();
  const isOpen = (device: string) => conns.get(device)?.connected === true;
  const clientOf = async (device: string): Promise<MqttClient | null> => {
    const have = conns.get(device);
    if (have) {
      await firstConnect.get(device);
      return have.connected ? have : null;
    }
    if (firstConnect.has(device)) {
      await firstConnect.get(device);
      return conns.get(device)?.connected ? conns.get(device)! : null;
    }
    let opened!: () => void;
    firstConnect.set(device, new Promise<void>((r) => (opened = r)));
    try {
      return await openClient(device);
    } finally {
      opened();
      firstConnect.delete(device);
    }
  };
  const openClient = async (device: string): Promise<MqttClient | null> => {
    const signer = opts.signers.get(device);
    if (!signer || stopped) return null;
    while (connecting >= MAX_CONNECTING) await new Promise<void>((r) => waiting.push(r));
    if (stopped) return null;
    connecting++;
    const c = connectDevice(opts.mqttUrl, { device, sign: signer.sign, ca: opts.mqttCa }, { reconnectPeriod: RECONNECT_MS, connectTimeout: 30_000 });
    c.on("connect", () => (mqttWarned = false));
    conns.set(device, c);
    c.on("error", (e) => {
      if (!mqttWarned) opts.log(`simulator: MQTT device ${device}: ${e.message}`);
      mqttWarned = true;
    });
    await new Promise<void>((r) => {
      c.once("connect", () => r());
      c.once("close", () => r());
    });
    connecting--;
    waiting.shift()?.();
    return c.connected ? c : null;
  };
  /** Publishes a device's messages in order (QoS 1, each after the previous one's PUBACK); how many were acknowledged. */
  const publishAs = async (device: string, topic: string, payloads: string[]): Promise<number> => {
    const c = await clientOf(device);
    // A device that cannot reach the broker skips this report (it reports again next period).
    if (!c) return 0;
    let n = 0;
    for (const p of payloads) {
      const ok = await c.publishAsync(topic, p, { qos: 1 }).then(() => true, () => false);
      if (!ok) break;
      n++;
    }
    return n;
  };
  // The gateways post to this very process over loopback. Over HTTPS they pin the console's own
  // certificate (the first in TLS_CERT): its chain's root may be in no trust store here and its
  // names are the console's public ones, not 127.0.0.1. The body leaves only after the pin matched.
  const pinned = opts.batchCa ? new crypto.X509Certificate(opts.batchCa).fingerprint256 : null;
  const batchAgent = opts.batchUrl.startsWith("https:")
    ? new https.Agent({ keepAlive: true, ...(pinned ? { rejectUnauthorized: false } : {}) })
    : new http.Agent({ keepAlive: true });
  const postBatch = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = (opts.batchUrl.startsWith("https:") ? https : http).request(
        opts.batchUrl,
        { method: "POST", agent: batchAgent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
      if (!pinned) return void req.end(body);
      req.once("socket", (socket) => {
        const s = socket as tls.TLSSocket;
        const send = () => {
          if (s.getPeerX509Certificate()?.fingerprint256 !== pinned) return void req.destroy(new Error("the server's certificate is not the console's TLS_CERT"));
          req.end(body);
        };
        if (s.getPeerX509Certificate?.()) send(); // a kept-alive socket
        else s.once("secureConnect", send);
      });
    });

  // The devices sign, and the gateways check each device signature and sign their batches, on
  // a thread of their own: on the console's thread this was about half of it in the 10 s after a
  // size-10 start (BENCH_CONSOLE_PROF in bench:map), and a first map request waited behind it.
  const signing = startSimSigner({ devices: opts.signers, gateways: opts.gateways.signers }, opts.log);

  /**
   * Each gateway posts its batches in order, each after the previous one's answer; the gateways
   * post at the same time, as independent devices do (at most MAX_POSTING at once). Posted one
   * after another, a size-10 city's ~90 batches a tick each waited for a commit of its own: 31
   * commits a second of about 23 readings, whose fixed costs (the rollup's fold, the device
   * rows' seq update) were most of the embedded database's time with nobody looking.
   */
  const sendBatches = async () => {
    const queue = pending;
    pending = [];
    const byGateway = new Map<string, number[]>();
    queue.forEach((b, i) => {
      const lane = byGateway.get(b.gateway);
      if (lane) lane.push(i);
      else byGateway.set(b.gateway, [i]);
    });
    const lanes = [...byGateway.values()];
    const kept = new Set<number>();
    let failure: string | null = null;
    const post = async (lane: number[]) => {
      for (let k = 0; k < lane.length; k++) {
        const b = queue[lane[k]];
        try {
          const res = await postBatch(b.body);
          if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
          if (res.status !== 200) opts.log(`simulator: gateway ${b.gateway} batch refused: HTTP ${res.status} ${res.text.slice(0, 200)}`);
          else if (b.history.length) backfill?.sent(b.history);
        } catch (e) {
          // Keep this batch and the gateway's later ones, in order, for the next tick.
          for (const i of lane.slice(k)) kept.add(i);
          failure ??= (e as Error).message;
          return;
        }
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(MAX_POSTING, lanes.length) }, async () => {
      while (next < lanes.length) await post(lanes[next++]);
    }));
    if (kept.size) {
      pending = keepPending(queue.filter((_, i) => kept.has(i)).concat(pending));
      opts.log(`simulator: ${kept.size} gateway batches wait for the console (${failure})`);
    }
  };

  /** The newest MAX_PENDING_BATCHES batches; history in the dropped ones goes back to the backfill. */
  const keepPending = (list: typeof pending) => {
    const dropped = list.slice(0, Math.max(0, list.length - MAX_PENDING_BATCHES));
    for (const b of dropped) if (b.history.length) backfill?.putBack(b.history);
    return list.slice(-MAX_PENDING_BATCHES);
  };

  const runOnce = async () => {
    const tickStart = Date.now();
    const pause = tickSlices();
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    // Only the devices whose turn it is are measured (a tenth of them at the default interval).
    const slot = tick % slots;
    const isDue = (device: string) => {
      if (owed.has(device) && isOpen(device)) return true;
      let p = phase.get(device);
      if (p === undefined) phase.set(device, (p = phaseOf(device, slots)));
      return p === slot;
    };
    const due = sim.readingsAt(now, first ? undefined : { devices: isDue });
    first = false;
    tick++;
    const perDevice = new Map<string, number>();
    // Per gateway its devices' envelopes, and which of them (by index) are history.
    const viaGateway = new Map<string, { envelopes: Envelope[]; history: Map<number, SimReading> }>();
    const viaMqtt = new Map<string, { topic: string; envelopes: Envelope[]; history: SimReading[] }>();
    // History rides after the live readings while the console keeps up: not before delayMs
    // after the start, not while gateway batches wait, fewer slots while ticks are slow.
    let history: SimReading[] = [];
    if (opts.backfill && !backfill && !backfillOpening && Date.now() - startedAt >= opts.backfill.delayMs) {
      backfillOpening = true;
      void opts.backfill.open().then(
        (b) => (backfill = b),
        (e) => opts.log(`simulator: backfill not started: ${(e as Error).message}`),
      );
    }
    if (backfill && !backfill.done && pending.length === 0 && lastTickMs < opts.intervalMs) {
      if (lastTickMs < opts.intervalMs * 0.35) backfillSlots = Math.min(opts.backfill!.maxSlots, backfillSlots + 1);
      else if (lastTickMs > opts.intervalMs * 0.6) backfillSlots = Math.max(1, Math.floor(backfillSlots / 2));
      history = backfill.take(backfillSlots);
    }
    /** Puts a reading, with its seq, on its way to be signed and sent: its district's gateway, or its own MQTT connection. */
    const route = (r: SimReading, device: Device, seq: number, isHistory: boolean) => {
      const gw = opts.gateways.gatewayOf(device);
      const viaGw = !!gw && opts.gateways.signers.has(gw);
      if (!viaGw && !isOpen(r.device)) {
        // Not connected yet: the device opens its connection meanwhile and measures once it is open.
        if (!isHistory) owed.add(r.device);
        void clientOf(r.device);
        return;
      }
      if (!viaGw && inFlight.has(r.device)) return;
      const e: Envelope = { device: r.device, dataset: r.dataset, seq, observedAt: new Date(r.observedAt).toISOString(), location: [r.location[0], r.location[1]], values: r.values };
      if (viaGw) {
        const entry = viaGateway.get(gw) ?? { envelopes: [] as Envelope[], history: new Map<number, SimReading>() };
        viaGateway.set(gw, entry);
        if (isHistory) entry.history.set(entry.envelopes.length, r);
        entry.envelopes.push(e);
      } else {
        if (!isHistory) owed.delete(r.device);
        const entry = viaMqtt.get(r.device) ?? { topic: readingsTopic(device.departmentId, r.dataset), envelopes: [], history: [] };
        entry.envelopes.push(e);
        if (isHistory) entry.history.push(r);
        viaMqtt.set(r.device, entry);
      }
    };
    for (const r of due as SimReading[]) {
      await pause();
      if (stopped) return;
      const device = deviceById.get(r.device);
      if (!opts.signers.has(r.device) || !device) continue;
      // seq: the observation's millisecond times 1000, plus its place among this device's readings of the tick.
      const k = perDevice.get(r.device) ?? 0;
      perDevice.set(r.device, k + 1);
      route(r, device, seqFor(r.device, Date.parse(r.observedAt) * 1000 + k), false);
    }
    const notSent: SimReading[] = [];
    for (const r of history) {
      await pause();
      const device = deviceById.get(r.device);
      if (!opts.signers.has(r.device) || !device) continue;
      const gw = opts.gateways.gatewayOf(device);
      // A device still busy publishing its last report, or not connected, sends its history later.
      if (!(gw && opts.gateways.signers.has(gw)) && (inFlight.has(r.device) || !isOpen(r.device))) notSent.push(r);
      else route(r, device, seqFor(r.device, now.getTime() * 1000 + 1000), true);
    }
    if (notSent.length) backfill?.putBack(notSent);
    const signed = await signing.sign({
      mqtt: [...viaMqtt].map(([device, m]) => ({ device, envelopes: m.envelopes })),
      gateways: [...viaGateway].map(([gateway, g]) => ({ gateway, envelopes: g.envelopes })),
    });
    if (stopped) return;
    for (const { device, payloads } of signed.mqtt) {
      const m = { ...viaMqtt.get(device)!, payloads };
      // Not awaited: the tick (and the gateways' batches) never waits for a device's connection
      // (1,000 TLS handshakes at the first tick took minutes on a loaded machine, and the map
      // saw no new readings meanwhile). A device still busy with its last report skips this one.
      inFlight.add(device);
      void publishAs(device, m.topic, m.payloads)
        .catch(() => 0)
        .then((n) => {
          // The first payload is the live reading when the device had one this tick.
          const live = m.payloads.length - m.history.length;
          const acked = Math.max(0, n - live);
          if (m.history.length) {
            backfill?.sent(m.history.slice(0, acked));
            if (acked < m.history.length) backfill?.putBack(m.history.slice(acked));
          }
        })
        .finally(() => inFlight.delete(device));
    }
    for (const { gateway, batches } of signed.gateways) {
      const h = viaGateway.get(gateway)!.history;
      for (const b of batches) pending.push({ gateway, body: b.body, history: b.carries.flatMap((i) => (h.has(i) ? [h.get(i)!] : [])) });
    }
    pending = keepPending(pending);
    await sendBatches();
    lastTickMs = Date.now() - tickStart;
    if (history.length) backfill?.tick?.();
  };


  const timer = setInterval(() => {
    if (running || stopped) return; // never overlap ticks: a slow console skips a beat instead
    running = runOnce()
      .catch((e) => opts.log(`simulator tick failed: ${(e as Error).message}`))
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    // End the devices' connections first: a tick waiting for PUBACKs or for a connection then ends at once.
    for (const w of waiting.splice(0)) w();
    await Promise.all([...conns.values()].map((c) => c.endAsync(true).catch(() => {})));
    batchAgent.destroy();
    await signing.close();
    await Promise.race([running, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await Promise.all([...conns.values()].map((c) => c.endAsync(true).catch(() => {})));
  };
}
