// A load generator in its own process, as devices and gateways are other machines:
//   node load-client.mjs mqtt <url> <connections> <file.ndjson>   lines {"topic","payload"}
//   node load-client.mjs http <url> <concurrency> <file.ndjson>    lines {"lane","body"}  (JSON bodies)
//   node load-client.mjs ndjson <url> <concurrency> <file.ndjson>  lines {"lane","body"}  (NDJSON bodies)
// Waits for "go" on stdin, sends everything (MQTT QoS 1 waits for every PUBACK; HTTP each
// lane posts its bodies in order), then prints {"ms": elapsed, "errors": n} and exits.
import fs from "node:fs";
import readline from "node:readline";
import mqtt from "mqtt";

const [mode, url, nStr, file] = process.argv.slice(2);
const n = Number(nStr);
const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
let errors = 0;

async function run() {
  if (mode === "mqtt") {
    const clients = await Promise.all(Array.from({ length: n }, (_, i) => mqtt.connectAsync(url, { clientId: `load-${process.pid}-${i}`, clean: true })));
    await ready();
    const t0 = performance.now();
    await Promise.all(
      clients.map((c, ci) =>
        Promise.all(lines.filter((l) => l.lane % n === ci).map((l) => c.publishAsync(l.topic, l.payload, { qos: 1 }).catch(() => errors++))),
      ),
    );
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
    process.stdout.write(JSON.stringify({ ms, errors }) + "\n");
    process.exit(0);
  },
  (e) => {
    process.stderr.write(String(e?.stack ?? e) + "\n");
    process.exit(1);
  },
);
