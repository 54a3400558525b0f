// Imports an OpenStreetMap file into the console's city model:
//   npm run city:import -- FILE.osm.pbf|FILE.osm|FILE.osm.gz|FILE.osm.bz2 --out model.json [--name-zh 名称] [--name-en Name]
// Prints what it read, built and skipped (and why), the time and the memory used. Exit code 2:
// bad arguments or a file it cannot read (the reason is printed).
import fs from "node:fs";
import { parseArgs } from "node:util";
import { OsmModelError, OsmReadError, importOsmFile } from "../lib/city/osm-import";

function fail(message: string): never {
  console.error(`city:import: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { out: { type: "string", short: "o" }, "name-zh": { type: "string" }, "name-en": { type: "string" } } });
} catch (e) {
  fail((e as Error).message);
}
const { values, positionals } = parsed;
if (positionals.length !== 1 || !values.out) fail("usage: npm run city:import -- FILE.osm.pbf|FILE.osm|FILE.osm.gz|FILE.osm.bz2 --out model.json");
const file = positionals[0];

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);
try {
  const { model, report, format } = await importOsmFile(file, { nameZh: values["name-zh"], nameEn: values["name-en"] });
  const json = JSON.stringify(model);
  fs.writeFileSync(values.out, json);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const r = report;
  console.log(`read ${file} (${format}): ${r.nodesRead} nodes, ${r.waysRead} ways, ${r.relationsRead} relations`);
  console.log(`roads: ${r.roadWays} ways -> ${r.segments} segments, ${r.intersections} intersections, ${r.roadLengthKm} km`);
  console.log(`districts: ${r.districts} (${r.districtSource}); water: ${r.rivers} rivers and lakes, coastline ${r.coastline ? "yes" : "no"}; parks ${r.parks}; land use ${r.landUse}`);
  console.log(`POIs: ${r.pois} (hospitals ${r.hospitals}); police stations ${r.policeStations}; fire stations ${r.fireStations}`);
  console.log(`energy: ${r.substations} substations, ${r.powerLines} power lines, ${r.feeders} feeders, ${r.renewables} renewable sites (${r.renewableMw} MW); devices: ${r.devices}`);
  const skipped = Object.entries(r.skipped);
  if (skipped.length) {
    console.log("skipped or generated:");
    for (const [why, n] of skipped) console.log(`  ${String(n).padStart(7)}  ${why}`);
  }
  console.log(
    `wrote ${values.out} (${(json.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s), ` +
    `peak RSS ${(peakRss / 1048576).toFixed(0)} MiB, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB; ` +
    `${((seconds * 1e6) / Math.max(1, r.nodesRead)).toFixed(1)} s per million nodes`,
  );
} catch (e) {
  clearInterval(sampler);
  if (e instanceof OsmReadError || e instanceof OsmModelError) fail(e.message);
  throw e;
}
