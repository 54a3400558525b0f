/**
 * OpenStreetMap import: `importOsmFile` reads an `.osm.pbf`, `.osm`, `.osm.gz` or `.osm.bz2`
 * file and builds the console's city model (lib/city/types.ts CityModel) with a report of
 * what it read, built and left out. The same file always gives the same model, byte for byte.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { CityModel } from "../types";
import { OsmCollector, buildCityFromOsm, type ImportReport } from "./build-model";
import { readOsmFile, type OsmFormat } from "./read-osm";

export { OsmReadError, detectFormat, type OsmFormat } from "./read-osm";
export { OsmModelError, namesOf, parseLanes, parseMaxspeed, parseOutputMw, onewayOf, type ImportReport } from "./build-model";

/** Options of the import. */
export interface ImportOptions {
  nameZh?: string;
  nameEn?: string;
}

/** The imported city, its report and the file's format. */
export interface ImportResult {
  model: CityModel;
  report: ImportReport;
  format: OsmFormat;
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Imports an OpenStreetMap file. Throws OsmReadError (unreadable file) or OsmModelError (no city in it). */
export async function importOsmFile(file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const collector = new OsmCollector();
  const format = await readOsmFile(file, collector.add);
  const sha256 = await sha256File(file);
  const { model, report } = buildCityFromOsm(collector, { file: path.basename(file), sha256, ...options });
  return { model, report, format };
}
