// npm run ngsi:bridge -- --from URL|FILE --gateway KEYFILE [--poll SECONDS] [--type T,…] [--page-size 100]
//   [--console URL] [--keys FILE] [--id-prefix ngsi-]
// npm run ngsi:bridge -- --init-gateway KEYFILE --id GATEWAY [--department traffic] [--at LON,LAT]
//
// Feeds the console from a department's NGSI-LD broker (URL: GET /ngsi-ld/v1/entities, paged;
// NGSI_SOURCE_KEY is sent as its Bearer token) or a file of entities (a JSON array, one entity,
// or NDJSON). Each mapped entity (TrafficFlowObserved) becomes a reading signed by its source
// device's key (generated into the key file, default DATA_DIR/secrets/ngsi-bridge-devices.json;
// the device registered on the console when new) and forwarded in batches signed by the
// gateway of KEYFILE. --init-gateway makes that key file and registers the gateway. Registering
// needs an admin of the gateway's department (CONSOLE_ADMIN_EMAIL / _PASSWORD / _TOTP_SECRET, or
// the demo admin of DATA_DIR/secrets/demo-users.json). --poll reads the source again every
// SECONDS until stopped (an unchanged entity is acknowledged as already held).
// Exit codes: 0 every entity stored; 1 some not; 2 unreadable source or arguments; 3 the console
// or the gateway could not be used.
import path from "node:path";
import { loadConfig } from "../lib/config";
import { getCity } from "../lib/city/current-city";
import type { ConsoleSession } from "../lib/sim/console-session";
import { adminSession, consoleBase, failer, parseToolArgs } from "./console-tool";
import { createGatewayKeyFile, DeviceKeyFile, readGatewayKeyFile } from "../lib/sim/recorded-devices";
import { sleep } from "../lib/sim/post-ingest";
import { BRIDGED_TYPES } from "../lib/ngsi/entity-readings";
import { bridgeEntities, BridgeSourceError, fetchBrokerEntities, readEntityFile } from "../lib/ngsi/bridge";

const fail: (code: number, message: string) => never = failer("ngsi:bridge");
const parsed = parseToolArgs(
  {
    options: {
      from: { type: "string" },
      gateway: { type: "string" },
      poll: { type: "string" },
      "page-size": { type: "string", default: "100" },
      type: { type: "string" },
      console: { type: "string" },
      keys: { type: "string" },
      "id-prefix": { type: "string", default: "ngsi-" },
      "init-gateway": { type: "string" },
      id: { type: "string" },
      department: { type: "string", default: "traffic" },
      at: { type: "string" },
    },
  },
  fail,
);
const args = parsed.values;
const config = loadConfig();
const base = consoleBase(args.console, config);
const session = (departmentId: string) => adminSession(base, config, departmentId, fail);

if (args["init-gateway"]) {
  if (!args.id) fail(2, "--init-gateway needs --id GATEWAY (e.g. gw-traffic-ngsi)");
  const at = args.at ? args.at.split(",").map(Number) : getCity().center;
  if (at.length !== 2 || !at.every(Number.isFinite)) fail(2, `--at must be LON,LAT, got ${JSON.stringify(args.at)}`);
  try {
    const g = await createGatewayKeyFile(await session(args.department!), args["init-gateway"], { id: args.id, departmentId: args.department!, location: [at[0], at[1]] });
    console.log(`gateway ${g.id} of ${g.departmentId} registered; its key is in ${path.resolve(args["init-gateway"])} (keep it there, mode 0600)`);
    process.exit(0);
  } catch (e) {
    fail(3, (e as Error).message);
  }
}

if (!args.from) fail(2, "--from URL|FILE is required");
if (!args.gateway) fail(2, "--gateway KEYFILE is required (make one with --init-gateway KEYFILE --id GATEWAY)");
const poll = args.poll === undefined ? 0 : Number(args.poll);
if (!(poll >= 0)) fail(2, `--poll must be seconds ≥ 0, got ${JSON.stringify(args.poll)}`);
const pageSize = Number(args["page-size"]);
if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) fail(2, `--page-size must be an integer 1..1000, got ${JSON.stringify(args["page-size"])}`);
const types = (args.type ?? Object.keys(BRIDGED_TYPES).join(",")).split(",").map((s) => s.trim()).filter(Boolean);
const unknown = types.filter((t) => !BRIDGED_TYPES[t]);
if (unknown.length) fail(2, `--type ${unknown.join(",")} is not mapped (mapped: ${Object.keys(BRIDGED_TYPES).join(", ")})`);
const isUrl = /^https?:\/\//i.test(args.from);

let gateway;
try {
  gateway = readGatewayKeyFile(args.gateway);
} catch (e) {
  fail(3, (e as Error).message);
}
const sourceHeaders: Record<string, string> = process.env.NGSI_SOURCE_KEY ? { authorization: `Bearer ${process.env.NGSI_SOURCE_KEY}` } : {};
const readSource = () => (isUrl ? fetchBrokerEntities(args.from!, { types, pageSize, headers: sourceHeaders }) : Promise.resolve(readEntityFile(path.resolve(args.from!))));

let stop = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => (stop = true));
let s: ConsoleSession | null = null;
let notStored = 0;
do {
  let entities: unknown[];
  try {
    entities = await readSource();
  } catch (e) {
    if (e instanceof BridgeSourceError && !poll) fail(2, e.message);
    if (!(e instanceof BridgeSourceError)) throw e;
    console.error(`ngsi:bridge: ${e.message}; trying again in ${poll} s`);
    await sleep(poll * 1000);
    continue;
  }
  try {
    s ??= await session(gateway.departmentId);
    const report = await bridgeEntities({ session: s, gateway, keys: DeviceKeyFile.open(args.keys ?? path.join(config.dataDir, "secrets", "ngsi-bridge-devices.json")), entities, city: getCity(), idPrefix: args["id-prefix"], log: (l) => console.log(l) });
    for (const n of report.notStored) console.error(`${n.entity}: ${n.reason}`);
    notStored = report.notStored.length;
    console.log(`${new Date().toISOString()} ${report.entities} entities read: ${report.accepted} stored, ${report.duplicates} already held, ${notStored} not stored, ${report.registered.length} devices registered`);
  } catch (e) {
    fail(3, (e as Error).message);
  }
  if (poll && !stop) await sleep(poll * 1000);
} while (poll && !stop);
process.exit(notStored ? 1 : 0);
