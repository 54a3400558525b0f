/**
 * Reads an OpenStreetMap file, `.osm.pbf` (osm-pbf-parser-node), `.osm` XML (saxes) or XML
 * compressed with gzip or bzip2 (`.osm.gz`, `.osm.bz2`), and hands every node, way and
 * relation to a callback in file order. A file it cannot read is refused with an
 * OsmReadError naming the reason.
 */
import fs from "node:fs";
import { PassThrough, Readable, type Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { OSMTransform } from "osm-pbf-parser-node";
import { SaxesParser } from "saxes";
import bz2 from "unbzip2-stream";

export type OsmTags = Record<string, string>;
export type OsmNode = { type: "node"; id: number; lat: number; lon: number; tags?: OsmTags };
export type OsmWay = { type: "way"; id: number; refs: number[]; tags?: OsmTags };
export type OsmMember = { type: "node" | "way" | "relation"; ref: number; role: string };
export type OsmRelation = { type: "relation"; id: number; members: OsmMember[]; tags?: OsmTags };
export type OsmElement = OsmNode | OsmWay | OsmRelation;

export type OsmFormat = "pbf" | "xml" | "xml.gz" | "xml.bz2";

/** A file that is not a readable OpenStreetMap file; the message says why. */
export class OsmReadError extends Error {}

/** The format from the file's first bytes (the extension is only a hint). */
export function detectFormat(head: Buffer, file: string): OsmFormat {
  if (head.length === 0) throw new OsmReadError(`${file} is empty`);
  if (head[0] === 0x1f && head[1] === 0x8b) return "xml.gz";
  if (head.subarray(0, 3).toString("latin1") === "BZh") return "xml.bz2";
  const text = head.toString("utf8").replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("<")) return "xml";
  if (head.length >= 8) {
    const len = head.readUInt32BE(0);
    if (len > 0 && len < 64 * 1024 && head.subarray(4, 4 + len).includes("OSMHeader")) return "pbf";
  }
  throw new OsmReadError(
    `${file} is neither OSM XML (it does not start with "<"), gzip, bzip2 nor OSM PBF (no OSMHeader block at the start)`,
  );
}

/** Reads the file, calling `onElement` for each node, way and relation. */
export async function readOsmFile(file: string, onElement: (e: OsmElement) => void): Promise<OsmFormat> {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw new OsmReadError(`cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const head = Buffer.alloc(512);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const format = detectFormat(head.subarray(0, n), file);
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    if (format === "pbf") await readPbf(input, onElement);
    else if (format === "xml") await readXml(input, onElement);
    else {
      // The decompressor is a classic stream: its errors are forwarded, and a PassThrough makes it iterable.
      const unzip = format === "xml.gz" ? createGunzip() : bz2();
      const out = new PassThrough();
      unzip.on("error", (e: Error) => out.destroy(e));
      input.on("error", (e) => out.destroy(e));
      await readXml(input.pipe(unzip).pipe(out), onElement);
    }
  } catch (e) {
    input.destroy();
    const what = format === "pbf" ? "OSM PBF" : format === "xml" ? "OSM XML" : `OSM XML (${format.slice(4)})`;
    const why = (e as Error).message || String(e);
    throw new OsmReadError(`${file} is not readable ${what}: ${why === "input format error" ? "a block is truncated or corrupt" : why}`);
  }
  return format;
}

/** The parser with its synchronous throws (a corrupt block) turned into stream errors. */
class SafeOSMTransform extends OSMTransform {
  override _transform(chunk: Buffer, encoding: BufferEncoding, next: (e?: Error | null) => void): void {
    try {
      super._transform(chunk, encoding, next);
    } catch (e) {
      next(e as Error);
    }
  }
  override _flush(callback: (e?: Error | null) => void): void {
    try {
      super._flush(callback);
    } catch (e) {
      callback(e as Error);
    }
  }
}

async function readPbf(input: Readable, onElement: (e: OsmElement) => void): Promise<void> {
  const parser: Transform = new SafeOSMTransform({ withTags: true, withInfo: false });
  let sawHeader = false;
  const out = input.pipe(parser);
  input.on("error", (e) => parser.destroy(e));
  for await (const batch of out as AsyncIterable<unknown[]>) {
    for (const item of batch) {
      const e = item as OsmElement | { type?: undefined };
      if (e.type === "node" || e.type === "way" || e.type === "relation") {
        if (!sawHeader) throw new OsmReadError("data block before the OSMHeader block");
        onElement(e);
      } else sawHeader = true;
    }
  }
  if (!sawHeader) throw new OsmReadError("no OSMHeader block");
}

const num = (v: string | undefined, what: string, line: number): number => {
  const x = Number(v);
  if (v === undefined || v === "" || !Number.isFinite(x)) throw new OsmReadError(`line ${line}: ${what} is ${v === undefined ? "missing" : JSON.stringify(v)}`);
  return x;
};

async function readXml(input: Readable, onElement: (e: OsmElement) => void): Promise<void> {
  const sax = new SaxesParser({ position: true });
  let current: OsmElement | null = null;
  let sawOsm = false;
  let depth = 0;
  let failure: Error | null = null;
  sax.on("error", (e) => { failure ??= e; });
  sax.on("opentag", (tag) => {
    depth++;
    const a = tag.attributes as Record<string, string>;
    const line = sax.line;
    switch (tag.name) {
      case "osm":
        if (depth !== 1) throw new OsmReadError(`line ${line}: nested <osm>`);
        sawOsm = true;
        break;
      case "node":
        current = { type: "node", id: num(a.id, "node id", line), lat: num(a.lat, "lat", line), lon: num(a.lon, "lon", line) };
        if (Math.abs(current.lat) > 90 || Math.abs(current.lon) > 180) throw new OsmReadError(`line ${line}: node ${a.id} lies outside WGS84 (${a.lat}, ${a.lon})`);
        break;
      case "way":
        current = { type: "way", id: num(a.id, "way id", line), refs: [] };
        break;
      case "relation":
        current = { type: "relation", id: num(a.id, "relation id", line), members: [] };
        break;
      case "nd":
        if (current?.type === "way") current.refs.push(num(a.ref, "nd ref", line));
        break;
      case "member":
        if (current?.type === "relation" && (a.type === "node" || a.type === "way" || a.type === "relation")) {
          current.members.push({ type: a.type, ref: num(a.ref, "member ref", line), role: a.role ?? "" });
        }
        break;
      case "tag":
        if (current && a.k !== undefined) (current.tags ??= {})[a.k] = a.v ?? "";
        break;
      default:
        if (depth === 1) throw new OsmReadError(`line ${line}: the root element is <${tag.name}>, not <osm>`);
    }
  });
  sax.on("closetag", (tag) => {
    depth--;
    if (current && tag.name === current.type) {
      onElement(current);
      current = null;
    }
  });
  input.setEncoding?.("utf8");
  for await (const chunk of input) {
    sax.write(typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8"));
    if (failure) throw failure;
  }
  sax.close();
  if (failure) throw failure;
  if (!sawOsm) throw new OsmReadError("no <osm> element");
}
