// npm run readings:replay -- FILE.csv --columns time=…,sensor=…,lat=…,lon=…,speed=… [--speed 60]
//   [--time now|recorded] [--console URL] [--keys FILE] [--id-prefix rec-]
//
// Plays a recorded traffic feed into a running console through its ingest API: each sensor is
// registered as a device of the traffic department (if it is not yet), with a key generated
// into the key file (default DATA_DIR/secrets/replay-devices.json, never in the repository),
// each row is signed by its sensor's key and posted at `--speed` × the recorded pace ("max": no
// waiting). With --time now (the default) each reading is observed when it is played and keeps
// its recorded time in values.recordedAt, so the day plays live on the map; --time recorded
// keeps the recorded time as observedAt (for devices registered before the recording: the
// console refuses readings dated before their device's registration). Optional columns: flow (veh/h), occupancy (0..1), segment (a road segment id; by
// default the nearest road of the city model within 150 m). Registering needs a traffic admin:
// CONSOLE_ADMIN_EMAIL / CONSOLE_ADMIN_PASSWORD / CONSOLE_ADMIN_TOTP_SECRET, or the demo admin
// of DATA_DIR/secrets/demo-users.json. Bad rows are printed with their line numbers.
// Exit codes: 0 every row stored; 1 some rows not stored; 2 unreadable input or arguments;
// 3 the console could not be used.
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../lib/config";
import { getCity } from "../lib/city/current-city";
import { adminSession, consoleBase, failer, parseToolArgs } from "./console-tool";
import { DeviceKeyFile } from "../lib/sim/recorded-devices";
import { parseColumnSpec, parseReplayCsv, ReplayInputError } from "../lib/sim/replay-csv";
import { replayReadings } from "../lib/sim/replay-readings";

const fail: (code: number, message: string) => never = failer("readings:replay");
const parsed = parseToolArgs(
  {
    allowPositionals: true,
    options: {
      columns: { type: "string" },
      speed: { type: "string", default: "1" },
      console: { type: "string" },
      keys: { type: "string" },
      "id-prefix": { type: "string", default: "rec-" },
      time: { type: "string", default: "now" },
    },
  },
  fail,
);
const { values: args, positionals } = parsed;
if (positionals.length !== 1) fail(2, "give one CSV file: npm run readings:replay -- FILE.csv --columns time=…,sensor=…,lat=…,lon=…,speed=…");
if (!args.columns) fail(2, "--columns is required, e.g. --columns time=ts,sensor=detector,lat=lat,lon=lon,speed=speed_kmh");
const speed = args.speed === "max" ? Infinity : Number(args.speed);
if (!(speed > 0)) fail(2, `--speed must be a number > 0 or "max", got ${JSON.stringify(args.speed)}`);
const time = args.time;
if (time !== "now" && time !== "recorded") fail(2, `--time must be "now" or "recorded", got ${JSON.stringify(time)}`);
const prefix = args["id-prefix"]!;
if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,27}$|^$/.test(prefix)) fail(2, `--id-prefix must be up to 28 letters, digits, . _ : -, got ${JSON.stringify(prefix)}`);

const file = path.resolve(positionals[0]);
let raw: Buffer;
try {
  raw = fs.readFileSync(file);
} catch (e) {
  fail(2, `${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}
let text: string;
try {
  text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
} catch {
  fail(2, `${file} cannot be read: not UTF-8 text`);
}
let csv;
try {
  csv = parseReplayCsv(text, parseColumnSpec(args.columns));
} catch (e) {
  if (e instanceof ReplayInputError) fail(2, `${file}: ${e.message}`);
  throw e;
}
for (const b of csv.bad) console.error(`${path.basename(file)}:${b.line}: ${b.reason}`);
console.log(`${file}: ${csv.rows.length} rows to replay, ${csv.bad.length} bad, ${new Set(csv.rows.map((r) => r.sensor)).size} sensors${csv.rows.length ? `, ${csv.rows[0].observedAt} … ${csv.rows[csv.rows.length - 1].observedAt}` : ""}`);

const config = loadConfig();
let report;
try {
  const session = await adminSession(consoleBase(args.console, config), config, "traffic", fail);
  const keys = DeviceKeyFile.open(args.keys ?? path.join(config.dataDir, "secrets", "replay-devices.json"));
  report = await replayReadings({ session, keys, rows: csv.rows, city: getCity(), speed, time, idPrefix: prefix, log: (l) => console.log(l) });
} catch (e) {
  fail(3, (e as Error).message);
}
for (const b of report.refused) console.error(`${path.basename(file)}:${b.line}: ${b.reason}`);
const notStored = csv.bad.length + report.refused.length;
console.log(`done: ${report.accepted} stored, ${report.duplicates} already held, ${notStored} rows not stored (${csv.bad.length} bad in the file, ${report.refused.length} refused), ${report.registered.length} devices registered`);
process.exit(notStored ? 1 : 0);
