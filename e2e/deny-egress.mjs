// Loaded into the console's server process during e2e runs (node --import): any outgoing
// connection to a host that is not this machine is refused and written to a log file that
// the tests read. The console must never reach out (no CDN, tiles, fonts or telemetry).
import net from "node:net";
import fs from "node:fs";

const log = process.env.EGRESS_LOG ?? "./data/egress.log";
const isLocal = (host) =>
  !host || host === "localhost" || host.startsWith("127.") || host === "::1" || host === "0.0.0.0" || host.startsWith("/");

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patchedConnect(...args) {
  const opts = typeof args[0] === "object" && args[0] !== null ? (Array.isArray(args[0]) ? args[0][0] : args[0]) : { port: args[0], host: args[1] };
  const host = opts?.host ?? (opts?.path ? opts.path : "localhost");
  if (!isLocal(String(host))) {
    fs.appendFileSync(log, `${new Date().toISOString()} blocked connection to ${host}:${opts?.port}\n`);
    this.destroy(new Error(`egress to ${host} blocked`));
    return this;
  }
  return original.apply(this, args);
};
