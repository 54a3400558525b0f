// Writes the synthetic OpenStreetMap extract (scripts/dev/osm-fixture.ts) as OSM XML, gzip or
// bzip2-less XML, or PBF, chosen by the output's extension:
//   tsx scripts/dev/make-osm-fixture.ts OUT.osm|OUT.osm.gz|OUT.osm.pbf [--cols 24] [--rows 16] [--no-admin] [--no-services] [--buildings 0] [--detail] [--renewables]
import fs from "node:fs";
import zlib from "node:zlib";
import { parseArgs } from "node:util";
import { fixtureToPbf, fixtureToXml, makeOsmFixture } from "./osm-fixture";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cols: { type: "string" }, rows: { type: "string" }, "no-admin": { type: "boolean" }, "no-services": { type: "boolean" }, buildings: { type: "string" }, detail: { type: "boolean" }, renewables: { type: "boolean" } },
});
const out = positionals[0];
if (!out || !/\.(osm|osm\.gz|osm\.pbf)$/.test(out)) {
  console.error("usage: make-osm-fixture OUT.osm|OUT.osm.gz|OUT.osm.pbf [--cols N] [--rows N] [--no-admin] [--buildings N]");
  process.exit(2);
}
const fixture = makeOsmFixture({
  cols: values.cols ? Number(values.cols) : undefined,
  rows: values.rows ? Number(values.rows) : undefined,
  admin: !values["no-admin"],
  services: !values["no-services"],
  buildingsPerBlock: values.buildings ? Number(values.buildings) : undefined,
  detail: values.detail,
  renewables: values.renewables,
});
const data = out.endsWith(".pbf") ? fixtureToPbf(fixture, !!values.detail) : out.endsWith(".gz") ? zlib.gzipSync(fixtureToXml(fixture)) : Buffer.from(fixtureToXml(fixture));
fs.writeFileSync(out, data);
console.log(`${out}: ${fixture.nodes.length} nodes, ${fixture.ways.length} ways, ${fixture.relations.length} relations, ${(data.length / 1e6).toFixed(2)} MB`);
