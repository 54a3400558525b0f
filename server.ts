// The console's process: Next.js plus the services that share its embedded database
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
// (PGlite can be opened by one process only, see STACK.md): migrations, seed, simulator,
// and the ledger's sequencer and witnesses as later issues add them.
import next from "next";
import { loadConfig } from "./lib/config";
import { consoleTls, createConsoleServer } from "./lib/server/console-server";
import { assertPortFree } from "./lib/net/port";
import { startRuntime } from "./lib/server/start";
import { tagPeer } from "./lib/http/client-address";
import { whenOutputCloses } from "./lib/server/output-closed";
import { startProcessMetrics } from "./lib/ops/process-metrics";
import { compressResponse } from "./lib/server/compress";

const dev = process.argv.includes("--dev");
// Whatever read the console's output has gone (lib/server/output-closed.ts): stop as on
// SIGTERM once running, at once while starting (a kill loses nothing already accepted).
let onOutputClosed: () => void = () => process.exit(1);
whenOutputCloses(() => onOutputClosed());

async function main() {
  const started = Date.now();
  startProcessMetrics();
  let config = loadConfig();
  const tlsIdentity = consoleTls(config);
  if (tlsIdentity && !config.AUTH_URL) {
    // Served over HTTPS, the console's own URL (sign-in, trusted origins, Secure cookies) is https too.
    const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
    process.env.AUTH_URL = `https://${host}:${config.PORT}`;
    config = loadConfig();
  }
  await assertPortFree(config.PORT, config.HOST);
  const runtime = await startRuntime(config, { log: (m) => console.log(`city-brain: ${m}`) });
  const app = next({ dev, hostname: config.HOST, port: config.PORT, dir: process.cwd() });
  await app.prepare();
  const handle = app.getRequestHandler();
  // Route handlers cannot see the socket: stamp its peer address (lib/http/client-address.ts).
  // HTTPS when TLS_CERT and TLS_KEY are set (lib/server/console-server.ts). Responses are
  // compressed here, not by Next.js (lib/server/compress.ts says why).
  const server = createConsoleServer((req, res) => {
    tagPeer(req);
    compressResponse(req, res);
    void handle(req, res);
  }, tlsIdentity);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  console.log(
    `city-brain: console ready at ${tlsIdentity ? "https" : "http"}://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${config.PORT} ` +
      `(${runtime.db.mode === "embedded" ? `embedded database in ${config.dataDir}` : "PostgreSQL"}, ` +
      `started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`city-brain: ${signal}, shutting down`);
    server.close();
    server.closeAllConnections();
    await runtime.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  onOutputClosed = () => void stop("output closed");
}

main().catch((e: Error) => {
  // One clear line; the stack only when asked for.
  console.error(`city-brain: cannot start: ${e.message}`);
  if (process.env.DEBUG) console.error(e);
  process.exit(1);
});
