// A load generator in its own process, as devices and gateways are other machines:
//   node load-client.mjs mqtt <url> <connections> <file.ndjson>   lines {"topic","payload"}
//   node load-client.mjs http <url> <concurrency> <file.ndjson>    lines {"lane","body"}  (JSON bodies)
//   node load-client.mjs ndjson <url> <concurrency> <file.ndjson>  lines {"lane","body"}  (NDJSON bodies)
//   node load-client.mjs mqtt <url> <connections> <file.ndjson> <auth.json>
//     with auth.json {"ca": PEM, "lanes": [{"clientId","username","password"}, ...]}: one
//     authenticated connection per lane (a device each, over TLS for an mqtts:// url), opened 64 at a time.
// Waits for "go" on stdin, sends everything (MQTT QoS 1 waits for every PUBACK; HTTP each
// lane posts its bodies in order), then prints {"ms": elapsed, "errors": n, "connectMs": ms} and exits.
import fs from "node:fs";
import readline from "node:readline";
import mqtt from "mqtt";

const [mode, url, nStr, file, authFile] = process.argv.slice(2);
const auth = authFile ? JSON.parse(fs.readFileSync(authFile, "utf8")) : null;
const n = auth ? auth.lanes.length : Number(nStr);
let connectMs = 0;
const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
let errors = 0;

async function run() {
  if (mode === "mqtt") {
    const c0 = performance.now();
    const clients = new Array(n);
    let next = 0;
    const opener = async () => {
      for (let i = next++; i < n; i = next++) {
        const o = auth ? { ...auth.lanes[i], ca: auth.ca, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 60_000 } : { clientId: `load-${process.pid}-${i}` };
        clients[i] = await mqtt.connectAsync(url, { ...o, clean: true });
      }
    };
    await Promise.all(Array.from({ length: Math.min(auth ? 64 : n, n) }, opener));
    connectMs = performance.now() - c0;
    const byLane = Array.from({ length: n }, () => []);
    for (const l of lines) byLane[l.lane % n].push(l);
    await ready();
    const t0 = performance.now();
    await Promise.all(clients.map((c, ci) => Promise.all(byLane[ci].map((l) => c.publishAsync(l.topic, l.payload, { qos: 1 }).catch(() => errors++)))));
    const ms = performance.now() - t0;
    await Promise.all(clients.map((c) => c.endAsync()));
    return ms;
  }
  await ready();
  const t0 = performance.now();
  const lanes = new Map();
  for (const l of lines) lanes.set(l.lane, [...(lanes.get(l.lane) ?? []), l.body]);
  await Promise.all(
    [...lanes.values()].map(async (bodies) => {
      for (const body of bodies) {
        const res = await fetch(url, { method: "POST", headers: { "content-type": mode === "ndjson" ? "application/x-ndjson" : "application/json" }, body });
        if (res.status !== 200) errors++;
        await res.arrayBuffer();
      }
    }),
  );
  return performance.now() - t0;
}

function ready() {
  process.stdout.write("ready\n");
  return new Promise((resolve) => readline.createInterface({ input: process.stdin }).once("line", resolve));
}

run().then(
  (ms) => {
    process.stdout.write(JSON.stringify({ ms, errors, connectMs }) + "\n");
    process.exit(0);
  },
  (e) => {
    process.stderr.write(String(e?.stack ?? e) + "\n");
    process.exit(1);
  },
);
