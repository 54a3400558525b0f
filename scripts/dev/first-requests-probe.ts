// The map's first requests without a browser: signed in as a department's official, asks for
// what the map's loader asks for first (components/map/city-map-loader.tsx: the city, its style
// and labels, and each shown layer's features, live snapshot and the KPIs) all at once, as the
// page does, and prints each answer's time and size. Then each layer's live snapshot alone, one
// after another (nothing beside it on the console's thread), ROUNDS times. The console's own
// cost of a request, apart from the browser's; profile the console (--cpu-prof) to see inside.
//   tsx scripts/dev/first-requests-probe.ts BASE DATA_DIR DEPARTMENT [layers] [rounds]
import { officialCookie } from "../bench/browser";
import { load, sha256Rate } from "../bench/machine";

const [base, dataDir, department, layers = "traffic,energy,safety", rounds = "3"] = process.argv.slice(2);
if (!base || !dataDir || !department) {
  console.error("usage: tsx scripts/dev/first-requests-probe.ts BASE DATA_DIR DEPARTMENT [layers] [rounds]");
  process.exit(2);
}
const cookie = await officialCookie(base, dataDir, department);
const shown = layers.split(",");

async function timed(path: string, t0: number): Promise<string> {
  const res = await fetch(base + path, { headers: { cookie, "accept-encoding": "gzip" } });
  const body = await res.arrayBuffer();
  const end = performance.now() - t0;
  // A layer the official may not see answers 403, as it does in the browser: timed all the same.
  return `${path.padEnd(44)} ${String(res.status)} ${String(Math.round(end)).padStart(6)} ms ${String(Math.round(body.byteLength / 1024)).padStart(6)} kB`;
}

console.log(`${load()}, reference rate ${(sha256Rate() / 1e6).toFixed(2)} M SHA-256/s (one thread, 64 B)`);
const first = ["/api/city", "/api/city/style?theme=dark", "/api/city/labels?lang=zh-CN", ...shown.map((l) => `/api/map/layers/${l}/features`), ...shown.map((l) => `/api/map/layers/${l}/latest`), "/api/map/kpis"];
const t0 = performance.now();
console.log("all at once, as the page asks:");
for (const line of await Promise.all(first.map((p) => timed(p, t0)))) console.log(`  ${line}`);
for (let r = 0; r < Number(rounds); r++) {
  console.log(`round ${r + 1}, one at a time (${load()}):`);
  for (const l of shown) console.log(`  ${await timed(`/api/map/layers/${l}/latest`, performance.now())}`);
}
