import { z } from "zod";
import { defineRoute } from "../http/openapi";
import { BboxParam, InstantParam } from "./geo-params";

// Every HTTP route's contract. Route handlers parse with these schemas; /api/openapi.json
// is generated from this same list.

const Lon = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);
const Position = z.tuple([Lon, Lat]);

export const healthRoute = defineRoute({
  method: "get",
  path: "/api/health",
  tag: "system",
  summary: "Liveness and database mode",
  responses: {
    200: {
      description: "The console is up",
      schema: z.object({ status: z.literal("ok"), database: z.enum(["embedded", "server"]), uptimeSeconds: z.number() }),
    },
  },
});

export const cityRoute = defineRoute({
  method: "get",
  path: "/api/city",
  tag: "city",
  summary: "The city's name, centre, bounds and counts",
  responses: {
    200: {
      description: "City summary",
      schema: z.object({
        nameZh: z.string(),
        nameEn: z.string(),
        seed: z.string(),
        center: Position,
        zoom: z.number(),
        bounds: z.tuple([Lon, Lat, Lon, Lat]),
        counts: z.record(z.string(), z.number()),
      }),
    },
  },
});

export const cityStyleRoute = defineRoute({
  method: "get",
  path: "/api/city/style",
  tag: "city",
  summary: "MapLibre style of the base map, built from the city model (no external sources)",
  query: z.object({ theme: z.enum(["light", "dark"]).default("dark").describe("Colour theme") }),
  responses: { 200: { description: "A MapLibre style specification (version 8) with inline GeoJSON", schema: z.looseObject({ version: z.literal(8) }) } },
});

export const cityLabelsRoute = defineRoute({
  method: "get",
  path: "/api/city/labels",
  tag: "city",
  summary: "Place labels (districts, major roads) in the requested language",
  query: z.object({ lang: z.enum(["zh-CN", "en"]).default("zh-CN").describe("Label language") }),
  responses: {
    200: {
      description: "Labels with positions; rank 0 are district names",
      schema: z.object({
        labels: z.array(
          z.object({ text: z.string(), position: Position, rank: z.number().int(), angle: z.number().describe("degrees counter-clockwise"), minZoom: z.number() }),
        ),
      }),
    },
  },
});

export const trafficSensorsRoute = defineRoute({
  method: "get",
  path: "/api/traffic/sensors",
  tag: "traffic",
  summary: "Traffic sensors with the geometry of the road segment each one measures",
  query: z.object({ bbox: BboxParam.optional() }),
  responses: {
    200: {
      description: "Sensors",
      schema: z.object({
        sensors: z.array(
          z.object({ id: z.string(), segment: z.string(), freeFlowKmh: z.number(), position: Position, path: z.array(Position) }),
        ),
      }),
    },
    403: { description: "The viewer may not read the traffic dataset" },
  },
});

export const TrafficLatestQuery = z.object({
  bbox: BboxParam.optional(),
  since: InstantParam.optional().describe("Only readings observed at or after this instant (default: the last 15 minutes)"),
});

export const trafficLatestRoute = defineRoute({
  method: "get",
  path: "/api/traffic/latest",
  tag: "traffic",
  summary: "The latest reading of each traffic sensor",
  query: TrafficLatestQuery,
  responses: {
    200: {
      description: "One entry per sensor that reported in the window",
      schema: z.object({
        readings: z.array(
          z.object({
            device: z.string(),
            speed: z.number().describe("km/h"),
            ratio: z.number().describe("speed / free-flow speed"),
            flow: z.number().describe("vehicles per hour"),
            occupancy: z.number().describe("0..1"),
            observedAt: z.string(),
            leafIndex: z.number().int().describe("ledger leaf of the reading"),
          }),
        ),
      }),
    },
    403: { description: "The viewer may not read the traffic dataset" },
  },
});

export const streamRoute = defineRoute({
  method: "get",
  path: "/api/stream",
  tag: "live",
  summary: "Server-sent events: `traffic` batches of {device, speed, ratio, observedAt} as readings are stored",
  responses: { 200: { description: "An event stream", contentType: "text/event-stream", schema: z.string() } },
});

export const datasetsRoute = defineRoute({
  method: "get",
  path: "/api/datasets",
  tag: "data",
  summary: "Datasets of every department, with whether the viewer may read each",
  responses: {
    200: {
      description: "Datasets",
      schema: z.object({
        datasets: z.array(
          z.object({
            id: z.string(),
            departmentId: z.string(),
            domain: z.string(),
            nameZh: z.string(),
            nameEn: z.string(),
            sensitivity: z.string(),
            readable: z.boolean(),
          }),
        ),
      }),
    },
  },
});

export const openapiRoute = defineRoute({
  method: "get",
  path: "/api/openapi.json",
  tag: "system",
  summary: "This document",
  responses: { 200: { description: "OpenAPI 3.1 document", schema: z.looseObject({ openapi: z.string() }) } },
});

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/).describe("SHA-256 hash, lowercase hex");
const Size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ledgerInfoRoute = defineRoute({
  method: "get",
  path: "/api/ledger/info",
  tag: "ledger",
  summary: "The log's origin, verifier key, witnesses with their keys, the quorum and the latest checkpoint",
  responses: {
    200: {
      description: "Public facts of the log",
      schema: z.object({
        origin: z.string(),
        logVerifierKey: z.string(),
        quorum: z.number().int(),
        witnesses: z.array(z.object({ department: z.string(), name: z.string(), verifierKey: z.string() })),
        sequenced: z.number().int(),
        integrated: z.number().int(),
        latest: z.object({ size: z.number().int(), note: z.string(), cosignatures: z.number().int() }).nullable(),
        latestFinal: z.object({ size: z.number().int(), cosignatures: z.number().int() }).nullable(),
      }),
    },
  },
});

export const InclusionQuery = z.object({
  index: Size.describe("Leaf index"),
  size: Size.optional().describe("Tree size (default: the latest checkpoint's)"),
});

export const inclusionProofRoute = defineRoute({
  method: "get",
  path: "/api/ledger/proof/inclusion",
  tag: "ledger",
  summary: "RFC 9162 inclusion proof of a leaf in a tree of the given size",
  query: InclusionQuery,
  responses: {
    200: {
      description: "The proof, hashes in hex",
      schema: z.object({ index: z.number().int(), size: z.number().int(), leafHash: Hex32, root: Hex32, proof: z.array(Hex32) }),
    },
    404: { description: "No such leaf" },
  },
});

export const ConsistencyQuery = z.object({ size1: Size.describe("Older tree size"), size2: Size.describe("Newer tree size") });

export const consistencyProofRoute = defineRoute({
  method: "get",
  path: "/api/ledger/proof/consistency",
  tag: "ledger",
  summary: "RFC 9162 consistency proof between two tree sizes",
  query: ConsistencyQuery,
  responses: {
    200: {
      description: "The proof, hashes in hex",
      schema: z.object({ size1: z.number().int(), size2: z.number().int(), root1: Hex32, root2: Hex32, proof: z.array(Hex32) }),
    },
  },
});

export const ledgerTilesRoute = defineRoute({
  method: "get",
  path: "/ledger/{resource}",
  tag: "ledger",
  summary: "C2SP tlog-tiles: `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` (full tiles are immutable)",
  params: z.object({ resource: z.string().describe("checkpoint or a tile path") }),
  responses: {
    200: { description: "Checkpoint note (text) or tile bytes", contentType: "application/octet-stream", schema: z.string() },
    404: { description: "No such tile or not yet integrated" },
  },
});
