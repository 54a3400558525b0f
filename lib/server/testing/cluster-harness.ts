// Shared by the cluster test and benchmark: console processes (cluster-node.ts) on one
// PostgreSQL database and one Mosquitto, keyed traffic sensors, and a device fleet that
// publishes signed readings through the broker and records which the broker acknowledged.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import type { Sql } from "../../db/sql";
import { generateCity } from "../../city";
import type { CityModel, TrafficSensor } from "../../city/types";
import { signerFromSeed, type DeviceSigner } from "../../sim/simulator-keys";
import { registerDeviceKeys } from "../../devices/register-devices";
import { signEnvelope } from "../../ingest/envelope";
import { readingsTopic } from "../../mqtt/topics";
import { discardExternalSessions } from "../../mqtt/external-intake";

const NODE = path.join(import.meta.dirname, "cluster-node.ts");

export type Node = { index: number; port: number; child: ChildProcess; output: string[]; exited: Promise<number | null> };

/** The environment every node of one cluster shares (its own PORT added per node). */
export function clusterEnv(opts: { databaseUrl: string; mqttUrl: string; clientId: string; dataDir: string; seed: string; size?: number }): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    MQTT_URL: opts.mqttUrl,
    MQTT_CLIENT_ID: opts.clientId,
    DATA_DIR: opts.dataDir,
    CITY_SEED: opts.seed,
    CITY_SIZE: String(opts.size ?? 0.3),
    SIM_ENABLED: "0",
    DEMO_USERS: "0",
    INGEST_WORKERS: "1",
    CHECKPOINT_INTERVAL_MS: "500",
    HOST: "127.0.0.1",
  };
}

/** Starts one node and waits for its "ready" line (or its exit, which throws with its output). */
export async function startNode(index: number, port: number, env: Record<string, string>, echo = false): Promise<Node> {
  const child = spawn(process.execPath, ["--import", "tsx", NODE], {
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => (ready = r));
  const onData = (b: Buffer) => {
    for (const line of b.toString("utf8").split("\n")) {
      if (!line) continue;
      output.push(line);
      if (echo) console.log(`[p${index}] ${line}`);
      if (line === "ready") ready();
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  await Promise.race([isReady, exited.then((code) => Promise.reject(new Error(`node ${index} exited (${code}) before ready:\n${output.slice(-30).join("\n")}`)))]);
  return { index, port, child, output, exited };
}

/** The roles a node holds now (GET /roles). */
export async function rolesOf(n: Node): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${n.port}/roles`);
  return (await res.json()) as string[];
}

/** Registers keys for the first `count` traffic sensors of the cluster's city (as a department admin would). */
export async function keyedSensors(sql: Sql, seed: string, count: number, size = 0.3): Promise<{ city: CityModel; sensors: { sensor: TrafficSensor; signer: DeviceSigner }[] }> {
  const city = generateCity({ seed, size });
  const sensors = city.devices
    .filter((d): d is TrafficSensor => d.kind === "traffic-sensor")
    .slice(0, count)
    .map((sensor, i) => ({ sensor, signer: signerFromSeed(Buffer.from(`${String(i).padStart(8, "0")}cluster-sensor-seed-32-bytes!!`.slice(0, 32))) }));
  if (sensors.length < count) throw new Error(`the city has ${sensors.length} traffic sensors, not ${count}`);
  await registerDeviceKeys(sql, sensors.map((s) => ({ device: s.sensor.id, publicKey: s.signer.publicKey })));
  return { city, sensors };
}

/**
 * A fleet of sensors publishing one signed reading each every `periodMs` (spread over the
 * period) with QoS 1. `acked` holds "device seq" of every reading Mosquitto acknowledged.
 */
export async function startFleet(opts: { mqttUrl: string; sensors: { sensor: TrafficSensor; signer: DeviceSigner }[]; periodMs: number; clientId: string }) {
  const pub: MqttClient = await mqtt.connectAsync(opts.mqttUrl, { clientId: opts.clientId, clean: true, reconnectPeriod: 500 });
  const topic = readingsTopic("traffic", "traffic.flow");
  const acked = new Set<string>();
  const seqs = opts.sensors.map(() => 0);
  let failures = 0;
  const pending = new Set<Promise<unknown>>();
  let i = 0;
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((opts.sensors.length * tickMs) / opts.periodMs));
  const timer = setInterval(() => {
    for (let j = 0; j < perTick; j++, i = (i + 1) % opts.sensors.length) {
      const s = opts.sensors[i];
      const seq = ++seqs[i];
      const env = signEnvelope(
        {
          device: s.sensor.id,
          dataset: "traffic.flow",
          seq,
          observedAt: new Date().toISOString(),
          location: [s.sensor.location[0], s.sensor.location[1]],
          values: { segmentId: s.sensor.segmentId, speedKmh: 20 + (seq % 40), flowVehH: 900, occupancy: 0.25 },
        },
        s.signer.sign,
      );
      const p = pub.publishAsync(topic, JSON.stringify(env), { qos: 1 }).then(
        () => acked.add(`${s.sensor.id} ${seq}`),
        () => failures++,
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  }, tickMs);
  return {
    acked,
    failures: () => failures,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      await pub.endAsync();
    },
  };
}

/** Removes the cluster's persistent sessions from the broker (slots 0..n-1). */
export async function discardClusterSessions(mqttUrl: string, clientId: string, slots: number) {
  for (let n = 0; n < slots; n++) await discardExternalSessions(mqttUrl, `${clientId}-s${n}`);
}

export const tempDataDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));

export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, stepMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
