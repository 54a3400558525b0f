// One console process of a cluster without the Next.js pages, for the cluster test and
// benchmark (no production build needed): the same runtime as server.ts (startRuntime: the
// intake on MQTT_URL's shared subscriptions, the ledger, jobs chosen by advisory locks) and a
// plain HTTP server on PORT with the map's live stream (GET /live, as a guest: the public
// traffic layer) and GET /roles (the roles this process holds). Configured by the environment
// like the console; prints its log lines and "ready" on stdout.
import http from "node:http";
import { loadConfig } from "../../config";
import { startRuntime } from "../start";
import { openLiveStream } from "../../map/open-live-stream";

const ROLES = ["ledger", "grant-expiry", "rules", "access-log", "map-rollup", "ngsi-notify"];
const config = loadConfig();
const runtime = await startRuntime(config, { log: (m) => console.log(`city-brain: ${m}`) });
const server = http.createServer((req, res) => {
  if (req.url === "/roles") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(ROLES.filter((r) => runtime.leadership.holds(r))));
    return;
  }
  if (req.url !== "/live") {
    res.writeHead(404).end();
    return;
  }
  const ac = new AbortController();
  req.on("close", () => ac.abort());
  openLiveStream({ viewer: { kind: "guest" }, signal: ac.signal }).then(
    async (stream) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      const reader = stream.getReader();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done || ac.signal.aborted) break;
        res.write(value);
      }
      res.end();
    },
    (e: Error) => res.writeHead(500).end(e.message),
  );
});
await new Promise<void>((r) => server.listen(config.PORT, "127.0.0.1", () => r()));
console.log("ready");
const stop = async () => {
  server.close();
  server.closeAllConnections();
  await runtime.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
