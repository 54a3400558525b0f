import { ENTRY_KINDS } from "../ledger/entry-kinds";
import { z } from "zod";
import { defineRoute } from "../http/openapi";
import { BboxParam, InstantParam } from "./geo-params";
import { SafeInstant } from "./safe-input";

// The city maps' routes and schemas (issue 5) live in map-specs.ts.
export * from "./map-specs";
export * from "./citizen-specs";
export * from "./ngsi-specs";

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
      schema: z.object({
        status: z.literal("ok"),
        database: z.enum(["embedded", "server"]),
        uptimeSeconds: z.number(),
        backfill: z
          .object({
            state: z.enum(["off", "waiting", "running", "done"]),
            hours: z.number(),
            total: z.number().int(),
            sent: z.number().int(),
            from: z.string().nullable(),
            to: z.string().nullable(),
            reachedBack: z.string().nullable(),
          })
          .describe("The simulator's backfill of history (SIM_BACKFILL_HOURS): readings planned at this start and sent so far"),
        catchUp: z
          .object({
            ledgerLeavesToIntegrate: z.number().int(),
            mapLeavesToFold: z.number().int(),
            ledger: z
              .object({
                state: z.enum(["idle", "integrating"]),
                integrated: z.number().int(),
                of: z.number().int(),
                size: z.number().int(),
                since: z.string().nullable(),
              })
              .describe("This process's log publisher integrating a backlog longer than one step (after a start): leaves integrated so far of those it set out to integrate, and the tree's size"),
          })
          .describe("What the background jobs are catching up on after a start: leaves the log has not yet put in its tree, and leaves of readings the map's rollup has not yet folded"),
      }),
    },
  },
});

export const metricsRoute = defineRoute({
  method: "get",
  path: "/api/metrics",
  tag: "system",
  summary: "The console process's memory, heap, event-loop delay and database size",
  description:
    "Prometheus text exposition format, for an operator's scraper and `npm run soak`. Needs `Authorization: Bearer <METRICS_TOKEN>`; " +
    "404 while METRICS_TOKEN is unset. The event-loop delay summary covers the time since the previous scrape.",
  responses: {
    200: { description: "Metrics in the Prometheus text format", schema: z.string(), contentType: "text/plain; version=0.0.4" },
    401: { description: "No bearer token was sent" },
    403: { description: "The token does not match METRICS_TOKEN" },
    404: { description: "Metrics are off (METRICS_TOKEN unset)" },
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
        timezone: z.string().describe("IANA time zone of the city"),
        utcOffsetMinutes: z.number().int().describe("Offset of the city's local time from UTC"),
        districts: z.array(z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string(), bbox: z.tuple([Lon, Lat, Lon, Lat]) })),
        roads: z
          .array(z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string(), class: z.string(), bbox: z.tuple([Lon, Lat, Lon, Lat]) }))
          .describe("Named roads with their bounds (for search by name)"),
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
        access: z.looseObject({ basis: z.string(), scope: z.string() }).optional().describe("why the viewer may read it (AccessInfo)"),
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
            flow: z.number().nullable().describe("vehicles per hour (null: the detector records speed only)"),
            occupancy: z.number().nullable().describe("0..1 (null: the detector records speed only)"),
            observedAt: z.string(),
            leafIndex: z.number().int().describe("ledger leaf of the reading"),
          }),
        ),
        access: z.looseObject({ basis: z.string(), scope: z.string() }).optional().describe("why the viewer may read it (AccessInfo)"),
      }),
    },
    403: { description: "The viewer may not read the traffic dataset" },
  },
});

export const streamRoute = defineRoute({
  method: "get",
  path: "/api/stream",
  tag: "live",
  summary:
    "Server-sent events of what the viewer may read: `access` (the access notes), `traffic` batches of {device, segment, speed, ratio, observedAt} as readings are stored, and `energy`, `incidents`, `cameras` batches of {dataset, key, device, observedAt, leafIndex, location, values}",
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
            access: z.looseObject({ basis: z.string(), scope: z.string() }).optional().describe("why readable and at what scope (AccessInfo)"),
            denied: z.looseObject({ code: z.string(), message: z.string() }).optional().describe("why not readable (NoAccess)"),
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

// ---- Signed device ingest, device registry and dead letters (issue 4) ----

const RefusalReason = z
  .enum(["malformed_json", "oversize", "schema", "unknown_field", "out_of_range", "future_timestamp", "before_2000", "before_registration", "unknown_device", "revoked_key", "bad_signature", "replay", "bad_gateway_signature", "gateway_quarantined", "internal", "refused_lines"])
  .describe("Why the message was refused");

export const ReadingOutcomeSchema = z
  .union([
    z.object({
      status: z.literal("accepted"),
      leafIndex: z.number().int().describe("ledger leaf of the reading"),
      duplicate: z.boolean().describe("true when this (device, seq) was already stored with the same payload hash"),
      device: z.string(),
      seq: z.number().int(),
    }),
    z.object({
      status: z.literal("refused"),
      reason: RefusalReason,
      message: z.string(),
      path: z.string().optional().describe("the bad field, e.g. values.speedKmh"),
      deadLetterId: z.number().int(),
      device: z.string().optional(),
      seq: z.number().int().optional(),
    }),
  ])
  .meta({ id: "ReadingOutcome" });

export const SignedReadingSchema = z
  .object({
    device: z.string(),
    dataset: z.string(),
    seq: z.number().int().min(1).describe("per device, increasing; a seq up to INGEST_SEQ_WINDOW (1024) below the device's last accepted one is still stored if it never was (a late reading), any other old seq is refused as a replay"),
    observedAt: z.string().describe("Date.prototype.toISOString() form, e.g. 2026-05-01T08:00:00.000Z"),
    location: Position,
    values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).describe("fields of the dataset's schema"),
    signature: z.string().describe("base64 Ed25519 signature over the RFC 8785 canonical JSON of the six other members"),
  })
  .meta({ id: "SignedReading" });

export const ingestReadingRoute = defineRoute({
  method: "post",
  path: "/api/ingest/readings",
  tag: "ingest",
  summary: "One reading signed by a registered device",
  description:
    "Stored with its ledger leaf once the device is registered with an active key, the signature verifies, the values fit the dataset's schema and seq is above the device's last. A resend of an accepted reading answers the same leaf index. Every refusal is kept as a dead letter.",
  body: { schema: SignedReadingSchema },
  responses: {
    200: { description: "Stored (or already stored)", schema: ReadingOutcomeSchema },
    400: { description: "Malformed JSON (kept as a dead letter)", schema: ReadingOutcomeSchema },
    413: { description: "Larger than INGEST_MAX_MESSAGE_BYTES (kept as a dead letter)", schema: ReadingOutcomeSchema },
    422: { description: "Refused: the reason and the bad field (kept as a dead letter)", schema: ReadingOutcomeSchema },
    503: { description: "Not stored (database unavailable or intake busy); retry" },
  },
});

export const ingestBatchRoute = defineRoute({
  method: "post",
  path: "/api/ingest/batch",
  tag: "ingest",
  summary: "Many signed readings as NDJSON, or one edge gateway's signed batch as JSON",
  description:
    "Content-Type application/x-ndjson: one SignedReading per line. Content-Type application/json: a gateway batch {gateway, batchRoot, signature, readings[]}, where batchRoot is the RFC 9162 root over the readings' payload hashes and signature is the gateway's Ed25519 signature over the canonical JSON {batchRoot, gateway, kind: \"gateway-batch.v1\"}. The gateway signature is checked once per batch.",
  body: { schema: z.string(), contentType: "application/x-ndjson" },
  responses: {
    200: {
      description: "One outcome per reading",
      schema: z.object({
        gateway: z.string().nullable().optional(),
        accepted: z.number().int(),
        duplicates: z.number().int(),
        refused: z.number().int(),
        results: z.array(ReadingOutcomeSchema),
      }),
    },
    413: { description: "Larger than INGEST_MAX_BATCH_BYTES (kept as a dead letter)", schema: ReadingOutcomeSchema },
    422: { description: "A gateway batch refused whole (e.g. bad_gateway_signature), kept as a dead letter", schema: ReadingOutcomeSchema },
    503: { description: "Not stored; retry" },
  },
});

const DeviceStatus = z.enum(["active", "revoked", "unkeyed"]);
const DeviceSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    departmentId: z.string(),
    datasetId: z.string(),
    status: DeviceStatus,
    statusReason: z.string().nullable(),
    keyFingerprint: z.string().nullable().describe("first 16 hex digits of SHA-256 of the public key"),
    lastSeq: z.number().int(),
    location: Position,
    updatedAt: z.string(),
    quarantine: z
      .object({ since: z.string(), reason: z.string().nullable() })
      .nullable()
      .describe("a gateway quarantined for carrying a reading whose device signature did not verify (its batches are refused), else null"),
    suspectUntil: z.string().nullable().describe("until when every reading a released gateway carries has its device signature checked"),
  })
  .meta({ id: "Device" });

export const DevicesQuery = z.object({
  department: z.string().min(1).max(64).optional().describe("Department (default: the viewer's)"),
  q: z.string().max(100).optional().describe("Search in id, kind and dataset"),
  status: DeviceStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const devicesRoute = defineRoute({
  method: "get",
  path: "/api/devices",
  tag: "devices",
  summary: "A department's devices with their key status (department admins)",
  query: DevicesQuery,
  responses: {
    200: { description: "Devices", schema: z.object({ total: z.number().int(), devices: z.array(DeviceSchema) }) },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of that department" },
  },
});

const PublicKeyB64 = z.string().min(1).max(100).describe("base64 of the raw 32-byte Ed25519 public key");
const DeviceId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only");

export const RegisterDeviceBody = z.object({
  id: DeviceId,
  departmentId: z.string().min(1).max(64),
  datasetId: z.string().min(1).max(64).describe('the dataset it writes; "*" for a gateway'),
  kind: z.enum(["traffic-sensor", "feeder-meter", "production-meter", "camera", "dispatch-terminal", "gateway", "other"]),
  location: Position,
  segmentId: z.string().trim().min(1).max(128).optional()
    .describe("the road segment of the city model a traffic sensor measures; the map draws the device on it (else on the segment its readings name)"),
  publicKey: PublicKeyB64,
  reason: z.string().max(1024).optional(),
});

export const registerDeviceRoute = defineRoute({
  method: "post",
  path: "/api/devices",
  tag: "devices",
  summary: "Register a device with its public key (a device.v1 ledger entry)",
  body: { schema: RegisterDeviceBody },
  responses: {
    200: { description: "Registered", schema: z.object({ id: z.string() }) },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the device's department" },
    409: { description: "The id is taken" },
  },
});

export const DeviceIdParams = z.object({ id: DeviceId.describe("Device id") });
export const RotateKeyBody = z.object({
  publicKey: PublicKeyB64,
  reason: z.string().max(1024).optional(),
  reinstate: z.boolean().optional().describe("Put a revoked device back into service with this key; needs a reason, ledgered as 'reinstated: <reason>'"),
});
export const RevokeBody = z.object({ reason: z.string().trim().min(1).max(1024).describe("why the key is revoked") });

export const rotateDeviceKeyRoute = defineRoute({
  method: "post",
  path: "/api/devices/{id}/rotate",
  tag: "devices",
  summary: "Give a device a new key (a device.v1 rotate entry); readings signed with the old key are refused",
  params: DeviceIdParams,
  body: { schema: RotateKeyBody },
  responses: {
    200: { description: "Rotated", schema: z.object({ action: z.enum(["register", "rotate"]), reinstated: z.boolean() }) },
    400: { description: "A reinstatement without a reason, or a malformed key" },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the device's department" },
    404: { description: "No such device" },
    409: { description: "The device is revoked (reinstate it with a reason), or already has this key" },
  },
});

export const revokeDeviceRoute = defineRoute({
  method: "post",
  path: "/api/devices/{id}/revoke",
  tag: "devices",
  summary: "Revoke a device's key with a reason (a device.v1 revoke entry); its readings are refused",
  params: DeviceIdParams,
  body: { schema: RevokeBody },
  responses: {
    200: { description: "Revoked", schema: z.object({ device: z.string(), status: z.literal("revoked") }) },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the device's department" },
    404: { description: "No such device" },
    409: { description: "Already revoked or no key" },
  },
});

const KeyEventSchema = <A extends [string, ...string[]]>(actions: A) =>
  z.object({
    action: z.enum(actions),
    leaf: z.number().int().describe("ledger leaf of the device.v1 entry (a salted commitment for a restricted dataset's device)"),
    at: z.string(),
    reason: z.string().nullable().describe("the entry's reason (a reinstatement's without its 'reinstated: ' prefix)"),
  });

export const DeviceHistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

export const deviceHistoryRoute = defineRoute({
  method: "get",
  path: "/api/devices/{id}/history",
  tag: "devices",
  summary: "Every key a device has had, newest first: how each came in and ended, each change linked to its ledger leaf (department admins, auditors)",
  params: DeviceIdParams,
  query: DeviceHistoryQuery,
  responses: {
    200: {
      description: "Key history",
      schema: z.object({
        device: z.string(),
        departmentId: z.string(),
        total: z.number().int().describe("keys the device has had"),
        keys: z.array(
          z.object({
            fingerprint: z.string().describe("first 16 hex digits of SHA-256 of the public key"),
            publicKey: z.string(),
            from: KeyEventSchema(["register", "rotate", "reinstate"]),
            until: KeyEventSchema(["rotate", "revoke"]).nullable().describe("null while it is the device's key"),
          }),
        ),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the device's department, nor an auditor" },
    404: { description: "No such device" },
  },
});

export const ReleaseBody = z.object({ reason: z.string().trim().min(1).max(1024).describe("why the gateway is trusted again") });

export const releaseGatewayRoute = defineRoute({
  method: "post",
  path: "/api/devices/{id}/release",
  tag: "devices",
  summary: "Release a quarantined gateway with a reason (a device.v1 release entry); every reading it carries is checked for GATEWAY_SUSPECT_HOURS",
  params: DeviceIdParams,
  body: { schema: ReleaseBody },
  responses: {
    200: { description: "Released", schema: z.object({ device: z.string(), quarantined: z.literal(false), suspectUntil: z.string() }) },
    400: { description: "Not a gateway, or no reason" },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the device's department" },
    404: { description: "No such device" },
    409: { description: "Not quarantined" },
  },
});

export const quarantinedGatewaysRoute = defineRoute({
  method: "get",
  path: "/api/devices/quarantined",
  tag: "devices",
  summary: "Quarantined gateways of the admin's department (the header's notice)",
  responses: {
    200: {
      description: "Quarantined gateways (empty for users who are not admins)",
      schema: z.object({ gateways: z.array(z.object({ id: z.string(), departmentId: z.string(), reason: z.string().nullable(), since: z.string() })) }),
    },
    401: { description: "Not signed in" },
  },
});

export const DeadLettersQuery = z.object({
  department: z.string().min(1).max(64).optional().describe("Department (default: the viewer's; sysadmins: all)"),
  reason: RefusalReason.optional(),
  device: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional().describe("Only dead letters with a smaller id (paging)"),
});

export const deadLettersRoute = defineRoute({
  method: "get",
  path: "/api/dead-letters",
  tag: "ingest",
  summary: "Refused messages with their reason, source and raw bytes, and counts by reason (department admins)",
  query: DeadLettersQuery,
  responses: {
    200: {
      description: "Dead letters, newest first",
      schema: z.object({
        total: z.number().int(),
        counts: z.array(z.object({ reason: z.string(), count: z.number().int() })),
        dropped: z
          .object({ count: z.number().int(), lastAt: z.string().nullable(), maxPerMinute: z.number().int() })
          .describe("refusals not kept since the console started: the cap on dead letters per minute was reached"),
        items: z.array(
          z.object({
            id: z.number().int(),
            receivedAt: z.string(),
            source: z.enum(["http", "mqtt"]),
            sourceDetail: z.string().nullable(),
            reason: z.string(),
            reasonText: z.string(),
            fieldPath: z.string().nullable(),
            deviceId: z.string().nullable(),
            departmentId: z.string().nullable(),
            gatewayDeviceId: z.string().nullable(),
            rawSize: z.number().int(),
            rawPreview: z.string(),
          }),
        ),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of that department" },
  },
});

export const CheckpointsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe("How many, newest first"),
  before: Size.optional().describe("Only checkpoints smaller than this size"),
  at: InstantParam.optional().describe("Only checkpoints signed at or before this instant (browse by time)"),
});

export const checkpointsRoute = defineRoute({
  method: "get",
  path: "/api/ledger/checkpoints",
  tag: "ledger",
  summary: "Checkpoints, newest first, with their cosignature counts and whether a quorum cosigned them",
  query: CheckpointsQuery,
  responses: {
    200: {
      description: "Checkpoints",
      schema: z.object({
        checkpoints: z.array(z.object({ size: z.number().int(), root: Hex32, createdAt: z.string(), cosignatures: z.number().int(), final: z.boolean() })),
      }),
    },
  },
});

export const LeafParam = z.object({ leaf: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("Ledger leaf index of the reading") });
export const DownloadQuery = z.object({
  as: z.enum(["datum", "receipt", "prov"]).default("datum").describe("datum (JSON, verifiable offline), receipt (.tlog-proof) or prov (W3C PROV-JSON)"),
});

const TrailScope = z.enum(["raw", "anonymized", "aggregated"]);
const TrailReader = z.object({ user: z.string(), department: z.string(), basis: z.string(), at: z.string(), coversReading: z.boolean() });
export const ProvenanceTrailSchema = z.object({
  leafIndex: z.number().int(),
  dataset: z.object({ id: z.string(), owner: z.string() }),
  access: z.looseObject({ basis: z.enum(["public", "ownership", "grant"]), scope: TrailScope, reason: z.string().optional() }).describe("The viewer's basis (as data endpoints return it)"),
  disclosure: z
    .object({
      level: z.enum(["full", "fields", "ledger"]).describe("full: the reading as signed; fields: raw with some payload fields withheld; ledger: anonymized or aggregated scope, ledger facts only"),
      scope: TrailScope,
      withheldFields: z.array(z.string()).describe("Payload fields withheld (level fields)"),
      withheld: z.array(z.enum(["payload", "device", "location", "exactTime", "signature", "entry"])).describe("Parts of the reading withheld (level ledger)"),
      reason: z.string().nullable(),
      refused: z.object({ datum: z.string().optional(), prov: z.string().optional() }).describe("Downloads refused under this basis, with the reason their 403 gives"),
    })
    .describe("What the trail discloses under the viewer's grant, and why"),
  readingId: z.number().int().nullable(),
  device: z.looseObject({ id: z.string(), department: z.string(), kind: z.string() }).nullable().describe("null under anonymized and aggregated scope"),
  timeline: z.object({
    observedAt: z.string().nullable(),
    observedWithin: z.object({ from: z.string(), until: z.string() }).nullable().describe("The scope's time bucket, instead of exact times, under anonymized and aggregated scope"),
    receivedAt: z.string().nullable(),
    integratedAt: z.string().nullable(),
    quorumAt: z.string().nullable(),
    firstCheckpointSize: z.number().int().nullable(),
  }),
  checkpoint: z.object({ size: z.number().int(), note: z.string() }).nullable(),
  readers: z.object({ count: z.number().int(), names: z.array(TrailReader).nullable().describe("Only for the owning department's admins and for auditors") }),
  ledgerProof: z.object({ leafIndex: z.number().int(), leafHash: z.string(), receipt: z.string() }).nullable().describe("Leaf hash and .tlog-proof receipt, under every scope, once a quorum-cosigned checkpoint holds the reading"),
  datum: z.looseObject({ format: z.string() }).nullable().describe("The downloadable datum (level full)"),
  partialDatum: z.looseObject({ format: z.string() }).nullable().describe("Level fields: the datum's shape with the granted fields only (not verifiable: the signature covers every field)"),
});

export const provenanceRoute = defineRoute({
  method: "get",
  path: "/api/provenance/reading/{leaf}",
  tag: "provenance",
  summary: "A reading's provenance trail as the viewer's grant allows: whole (raw), granted fields only, or ledger facts only (anonymized, aggregated)",
  params: LeafParam,
  responses: {
    200: { description: "The trail, with the ledger proof (and under raw scope the datum) once a quorum-cosigned checkpoint holds the reading", schema: ProvenanceTrailSchema },
    403: { description: "The viewer may not read the reading's dataset, or the reading lies outside the grant's data window or area (the message names which)" },
    404: { description: "No such leaf" },
  },
});

export const provenanceDownloadRoute = defineRoute({
  method: "get",
  path: "/api/provenance/reading/{leaf}/download",
  tag: "provenance",
  summary: "Download a reading as a verifiable datum, its .tlog-proof receipt, or its PROV-JSON trail",
  params: LeafParam,
  query: DownloadQuery,
  responses: {
    200: { description: "The file (Content-Disposition: attachment)", contentType: "application/octet-stream", schema: z.string() },
    403: { description: "Not allowed under the viewer's grant, with the reason: the datum needs raw scope with every field, PROV-JSON raw scope; the receipt is allowed under every scope" },
    409: { description: "No quorum-cosigned checkpoint holds the reading yet; retry in a few seconds" },
  },
});

export const EntriesQuery = z.object({
  kind: z.enum(ENTRY_KINDS).optional().describe("Entry kind (commitment.v1: a reading or grant change of a restricted dataset, as the public log holds it)"),
  dataset: z.string().min(1).max(256).optional().describe("Readings of this dataset"),
  device: z.string().min(1).max(256).optional().describe("Readings of this device"),
  from: InstantParam.optional().describe("Observed (readings) or sequenced (other entries) at or after"),
  to: InstantParam.optional().describe("… and before"),
  before: Size.optional().describe("Only leaves below this index (next page)"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const EntryLeafParam = z.object({ leaf: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("Ledger leaf index") });

export const entryRoute = defineRoute({
  method: "get",
  path: "/api/ledger/entries/{leaf}",
  tag: "ledger",
  summary: "One ledger entry as the search shows it to the viewer, with its exact text and a receipt (inclusion proof to the newest quorum-cosigned checkpoint) to verify in the browser",
  params: EntryLeafParam,
  responses: {
    200: {
      description: "The entry; receipt is null while no quorum-cosigned checkpoint holds it",
      schema: z.object({
        leafIndex: z.number().int(),
        kind: z.string(),
        ref: z.string().nullable(),
        sequencedAt: z.string(),
        entry: z.record(z.string(), z.unknown()),
        opened: z.object({ salt: z.string(), entry: z.record(z.string(), z.unknown()) }).optional(),
        text: z.string().describe("The entry exactly as the leaf hashes it (UTF-8)"),
        receipt: z.string().nullable().describe("C2SP tlog-proof: index, inclusion proof, checkpoint with cosignatures"),
      }),
    },
    400: { description: "The leaf is not a non-negative integer" },
    404: { description: "No such leaf" },
  },
});

export const CheckpointSizeParam = z.object({ size: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("Checkpoint size (leaves)") });

export const checkpointRoute = defineRoute({
  method: "get",
  path: "/api/ledger/checkpoints/{size}",
  tag: "ledger",
  summary: "One checkpoint: its signed note, each stored cosignature, and the newest checkpoint to check consistency against",
  params: CheckpointSizeParam,
  responses: {
    200: {
      description: "The checkpoint",
      schema: z.object({
        size: z.number().int(),
        root: Hex32,
        createdAt: z.string(),
        note: z.string().describe("The log-signed note, its cosignature lines appended"),
        cosignatures: z.array(z.object({ witness: z.string(), line: z.string() })),
        latest: z.object({ size: z.number().int(), root: Hex32 }),
        previous: z.number().int().nullable().describe("The next smaller checkpoint's size"),
        next: z.number().int().nullable().describe("The next larger checkpoint's size"),
      }),
    },
    400: { description: "The size is not a non-negative integer" },
    404: { description: "No checkpoint of this size" },
  },
});

export const entriesRoute = defineRoute({
  method: "get",
  path: "/api/ledger/entries",
  tag: "ledger",
  summary: "Search ledger entries by kind, dataset, device and time, newest first",
  query: EntriesQuery,
  responses: {
    200: {
      description: "Entries",
      schema: z.object({
        entries: z.array(
          z.object({
            leafIndex: z.number().int(),
            kind: z.string(),
            ref: z.string().nullable(),
            sequencedAt: z.string(),
            entry: z.record(z.string(), z.unknown()),
            opened: z
              .object({ salt: z.string(), entry: z.record(z.string(), z.unknown()) })
              .optional()
              .describe("A commitment.v1 entry opened (its salt, hex, and the entry it commits to), for auditors and the dataset's owner only"),
          }),
        ),
      }),
    },
  },
});

const AuditRunSchema = z.object({
  id: z.number().int(),
  startedBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  done: z.number().int(),
  total: z.number().int(),
  report: z.looseObject({ ok: z.boolean() }).nullable(),
  error: z.string().nullable(),
  sinceSize: z.number().int().nullable().describe("The size of the kept checkpoint the run checks the log extends, if one was given"),
});

export const startAuditRoute = defineRoute({
  method: "post",
  path: "/api/audit/runs",
  tag: "audit",
  summary: "Start a full ledger audit (auditors and sysadmins)",
  body: {
    schema: z
      .object({
        since: z.string().min(1).max(16_384).optional().describe("A checkpoint note the auditor kept: the audit fails unless the stored log is a consistent extension of it"),
      })
      .strict(),
    description: "Empty, or the checkpoint note the auditor kept (`since`)",
  },
  responses: {
    202: { description: "Started", schema: AuditRunSchema },
    400: { description: "`since` is not a checkpoint signed by this log's key" },
    401: { description: "Not signed in" },
    403: { description: "Not an auditor" },
    409: { description: "An audit is already running" },
  },
});

export const latestAuditRoute = defineRoute({
  method: "get",
  path: "/api/audit/runs/latest",
  tag: "audit",
  summary: "Progress and report of the latest ledger audit (auditors and sysadmins)",
  responses: { 200: { description: "The latest run, or null", schema: z.object({ run: AuditRunSchema.nullable() }) }, 401: { description: "Not signed in" }, 403: { description: "Not an auditor" } },
});

export const SourcesQuery = z
  .object({
    dataset: z.string().min(1).max(256).describe("Dataset of the derived value"),
    from: InstantParam.describe("Window start (inclusive)"),
    to: InstantParam.describe("Window end (exclusive)"),
    bbox: BboxParam.optional(),
    device: z.string().min(1).max(256).optional(),
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "must be a field name").optional().describe("Payload field to list, e.g. speedKmh"),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: "from must be before to", path: ["to"] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 31 * 86_400_000, { message: "the window may span at most 31 days", path: ["to"] });

export const sourcesRoute = defineRoute({
  method: "get",
  path: "/api/provenance/sources",
  tag: "provenance",
  summary: "The readings a derived value (map aggregate, KPI) was computed from, each with its ledger leaf",
  query: SourcesQuery as unknown as z.ZodObject,
  responses: {
    200: {
      description: "Source readings, newest first, and how many there are in all, inside the grant's data window and area",
      schema: z.object({
        access: z.looseObject({ basis: z.enum(["public", "ownership", "grant"]), scope: z.literal("raw") }),
        window: z.object({ from: z.string(), to: z.string() }).nullable().describe("The time range searched: the request's, cut to the grant's data window; null when they do not meet"),
        total: z.number().int(),
        sources: z.array(z.object({ leafIndex: z.number().int(), device: z.string(), observedAt: z.string(), value: z.union([z.number(), z.string(), z.null()]) })),
      }),
    },
    403: { description: "The viewer may not read the dataset, holds only anonymized or aggregated access (sources are individual readings), or asked for a field the grant does not cover" },
  },
});

// ---- Identity, grants, emergency linkage rules and access events (issue 7) ----

const RoleEnum = z.enum(["official", "dept_admin", "auditor", "sysadmin"]);
const ScopeEnum = z.enum(["raw", "anonymized", "aggregated"]).describe("raw: readings as stored; anonymized: identifying fields dropped, location, time and some values coarsened; aggregated: counts and averages per 15 minutes");
const Instant = SafeInstant;
const IdParam = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only");

export const AccessInfoSchema = z
  .object({
    basis: z.enum(["public", "ownership", "grant"]),
    scope: ScopeEnum,
    grantId: z.string().optional(),
    fields: z.array(z.string()).optional(),
    window: z.object({ from: z.string().nullable(), until: z.string().nullable() }).optional(),
    area: z.object({ center: Position, radiusM: z.number() }).optional(),
    validUntil: z.string().optional(),
    reason: z.string().optional().describe("why the data is partial, in words"),
  })
  .meta({ id: "AccessInfo" });

export const NoAccessSchema = z
  .object({
    code: z.enum(["sign_in", "no_grant", "requested", "revoked", "expired", "rejected"]),
    message: z.string(),
    grantId: z.string().optional(),
    at: z.string().optional(),
    by: z.string().optional(),
    note: z.string().optional(),
  })
  .meta({ id: "NoAccess" });

export const meRoute = defineRoute({
  method: "get",
  path: "/api/auth/me",
  tag: "identity",
  summary: "The signed-in user (effective role: dept_admin and sysadmin act as officials until their session passed a second factor)",
  responses: {
    200: {
      description: "Who is signed in, and whether single sign-on is offered",
      schema: z.object({
        signedIn: z.boolean(),
        sso: z.object({ name: z.string() }).nullable(),
        user: z.object({ id: z.string(), name: z.string(), email: z.string(), departmentId: z.string(), role: RoleEnum, needsTwoFactor: z.boolean(), twoFactorEnabled: z.boolean().describe("the account has TOTP two-factor sign-in"), readsData: z.boolean().describe("false while the session owes the second factor REQUIRE_TOTP_ALL asks of every role: data reads answer 403") }).optional(),
      }),
    },
  },
});

const UserSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string(), departmentId: z.string(), role: RoleEnum, disabled: z.boolean(), twoFactorEnabled: z.boolean(), createdAt: z.string() })
  .meta({ id: "User" });

export const usersRoute = defineRoute({
  method: "get",
  path: "/api/auth/users",
  tag: "identity",
  summary: "Every console user (sysadmins)",
  responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserSchema) }) }, 401: { description: "Not signed in" }, 403: { description: "Not a sysadmin" } },
});

export const CreateUserBody = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  departmentId: z.string().min(1).max(64),
  role: RoleEnum,
  password: z.string().min(12).max(128).describe("initial password, 12 to 128 characters"),
});

export const createUserRoute = defineRoute({
  method: "post",
  path: "/api/auth/users",
  tag: "identity",
  summary: "Create an account with an initial password (sysadmins; sign-up is closed)",
  body: { schema: CreateUserBody },
  responses: { 200: { description: "Created", schema: z.object({ user: UserSchema }) }, 401: { description: "Not signed in" }, 403: { description: "Not a sysadmin" }, 409: { description: "Email taken" } },
});

export const UserIdParams = z.object({ id: z.string().min(1).max(128).describe("User id") });
export const UpdateUserBody = z
  .object({ role: RoleEnum.optional(), departmentId: z.string().min(1).max(64).optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.departmentId !== undefined || b.disabled !== undefined, { message: "change at least one of role, departmentId, disabled" });

export const updateUserRoute = defineRoute({
  method: "patch",
  path: "/api/auth/users/{id}",
  tag: "identity",
  summary: "Change an account's role or department, or disable it (its sessions end at once); takes effect on the next request. Each change is an account.v1 ledger entry; nobody changes their own role or department or disables their own account (403 naming the field)",
  params: UserIdParams,
  body: { schema: UpdateUserBody },
  responses: { 200: { description: "Changed", schema: z.object({ user: UserSchema }) }, 401: { description: "Not signed in" }, 403: { description: "Not a sysadmin, or a change of one's own role, department or status" }, 404: { description: "No such user" } },
});

export const accountEventsRoute = defineRoute({
  method: "get",
  path: "/api/auth/users/{id}/events",
  tag: "identity",
  summary: "An account's history (sysadmins, auditors): its creation and every change of role, department or status, each an account.v1 ledger entry",
  params: UserIdParams,
  responses: {
    200: {
      description: "The account's events, oldest first",
      schema: z.object({
        userId: z.string(),
        events: z.array(
          z.object({
            at: z.string(),
            action: z.enum(["create", "change", "delete", "baseline"]),
            by: z.string().describe("user id of whoever made the change, or system / sso"),
            byName: z.string(),
            byDepartment: z.string().nullable().describe("the actor's own department when they acted"),
            role: RoleEnum,
            departmentId: z.string(),
            disabled: z.boolean(),
            changed: z.array(z.enum(["role", "departmentId", "disabled"])).describe("what differs from the event before"),
            from: z.record(z.string(), z.unknown()).nullable().describe("the changed values before"),
            leafIndex: z.number().int(),
          }),
        ),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "Not a sysadmin or auditor" },
    404: { description: "No such user" },
  },
});

export const DatasetIdParams = z.object({ id: z.string().min(1).max(64).describe("Dataset id, e.g. energy.load") });
export const DatasetReadingsQuery = z.object({
  from: Instant.optional().describe("Readings observed at or after (default: an hour before `until`)"),
  until: Instant.optional().describe("Readings observed before (default: now)"),
  bbox: BboxParam.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe("Most readings (or aggregate buckets), newest first"),
});

export const datasetReadingsRoute = defineRoute({
  method: "get",
  path: "/api/datasets/{id}/readings",
  tag: "data",
  summary: "A dataset's readings at the scope the viewer may see: raw, anonymized or aggregated (with `access` saying why)",
  description: "The one access check decides the basis (ownership, a grant, public); the scoped read applies the grant's scope, fields, data window and area in the query. Anonymized answers coarsen location (0.01°) and time (5 min) before filtering, aggregated ones give 15-minute buckets over at least k distinct devices (ACCESS_MIN_GROUP_DEVICES, default 5); the request's bbox and window are widened to that grid. Every answer is recorded as an access event.",
  params: DatasetIdParams,
  query: DatasetReadingsQuery,
  responses: {
    200: {
      description: "Readings (raw or anonymized) or aggregates per 15-minute bucket",
      schema: z.object({
        dataset: z.string(),
        access: AccessInfoSchema,
        scope: ScopeEnum,
        bucketSeconds: z.number().int().optional(),
        grid: z
          .object({
            locationDeg: z.number(),
            timeSeconds: z.number().int(),
            from: z.string(),
            until: z.string(),
            bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
            minGroupDevices: z.number().int().optional(),
          })
          .optional()
          .describe("anonymized and aggregated answers: the grid their locations and times are coarsened to, and the request's window and bbox widened to it"),
        readings: z.array(z.looseObject({ observedAt: z.string(), location: Position, values: z.record(z.string(), z.unknown()) })).optional(),
        aggregates: z
          .array(
            z.object({
              bucket: z.string(),
              suppressed: z.boolean().describe("true when the bucket covers fewer than k distinct devices: no figures are given"),
              count: z.number().int().nullable(),
              devices: z.number().int().nullable(),
              stats: z.record(z.string(), z.object({ avg: z.number().nullable(), min: z.number().nullable(), max: z.number().nullable() })).nullable(),
            }),
          )
          .optional(),
      }),
    },
    403: { description: "No access: the message says why (never granted, revoked, expired, sign in)" },
    404: { description: "No such dataset" },
  },
});

const GrantStatusEnum = z.enum(["requested", "active", "rejected", "revoked", "expired"]);
export const GrantSchema = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    ownerDepartmentId: z.string(),
    granteeDepartmentId: z.string(),
    scope: ScopeEnum,
    fields: z.array(z.string()).nullable(),
    purpose: z.string(),
    dataFrom: z.string().nullable(),
    dataUntil: z.string().nullable(),
    area: z.object({ lon: z.number(), lat: z.number(), radiusM: z.number() }).nullable(),
    validFrom: z.string(),
    validUntil: z.string(),
    status: GrantStatusEnum,
    requestedTerms: z.record(z.string(), z.unknown()),
    requestedBy: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    endedBy: z.string().nullable(),
    endedAt: z.string().nullable(),
    reason: z.string().nullable(),
    automatic: z.boolean(),
    ruleId: z.string().nullable(),
    triggerRef: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    requestedByName: z.string().optional().describe("name and e-mail of who asked (lists, one grant, pending notifications)"),
  })
  .meta({ id: "Grant" });

const GrantAreaBody = z
  .object({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    radiusM: z.number().positive().max(100_000).describe("metres"),
  })
  .describe("a circle: readings within radiusM metres of lon, lat");

export const GrantsQuery = z.object({
  direction: z.enum(["incoming", "outgoing", "all"]).default("all").describe("incoming: on the viewer's department's datasets; outgoing: held or asked for by it"),
  state: z.enum(["pending", "active", "ended", "all"]).default("all").describe("pending requests, active grants, ended ones (revoked, rejected, expired), or all"),
  status: GrantStatusEnum.optional().describe("one status (instead of state)"),
  dataset: z.string().min(1).max(64).optional(),
  rule: z.string().min(1).max(64).optional().describe("only the grants this emergency linkage rule made"),
  limit: z.coerce.number().int().min(1).max(500).default(200).describe("page size"),
  offset: z.coerce.number().int().min(0).default(0),
});

export const grantsRoute = defineRoute({
  method: "get",
  path: "/api/grants",
  tag: "grants",
  summary: "Grants of the viewer's department (admins); every department's for auditors and sysadmins",
  query: GrantsQuery,
  responses: { 200: { description: "A page of grants, newest change first, with the total the filter matches", schema: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), grants: z.array(GrantSchema) }) }, 401: { description: "Not signed in" }, 403: { description: "Not an admin or auditor" } },
});

export const RequestGrantBody = z.object({
  datasetId: z.string().min(1).max(64),
  scope: ScopeEnum,
  fields: z.array(z.string().min(1).max(64)).max(64).nullable().optional().describe("fields of the readings (default: all)"),
  purpose: z.string().trim().min(1).max(2000).describe("what the data is for, in words"),
  dataFrom: Instant.nullable().optional().describe("earliest observation time of the data (default: open)"),
  dataUntil: Instant.nullable().optional().describe("latest observation time of the data (default: open)"),
  area: GrantAreaBody.nullable().optional().describe("only readings within this circle (default: the whole city)"),
  validFrom: Instant.nullable().optional().describe("when the grant starts (default: on approval)"),
  validUntil: Instant.describe("expiry: when the grant ends by itself"),
});

export const requestGrantRoute = defineRoute({
  method: "post",
  path: "/api/grants",
  tag: "grants",
  summary: "Request access to another department's dataset (department admins; a grant.v2 request entry)",
  body: { schema: RequestGrantBody },
  responses: {
    200: { description: "Requested", schema: z.object({ grant: GrantSchema }) },
    400: { description: "Bad terms: expiry in the past, window ending before it starts, unknown fields, own dataset" },
    401: { description: "Not signed in" },
    403: { description: "Not a department admin" },
    404: { description: "No such dataset" },
  },
});

export const GrantIdParams = z.object({ id: IdParam.describe("Grant id") });

export const grantRoute = defineRoute({
  method: "get",
  path: "/api/grants/{id}",
  tag: "grants",
  summary: "One grant with its ledgered history (request, approval, rejection, revocation, expiry)",
  params: GrantIdParams,
  responses: {
    200: {
      description: "The grant and its history",
      schema: z.object({
        grant: GrantSchema,
        history: z.array(z.object({ action: z.string(), by: z.string(), byName: z.string(), byDepartment: z.string().nullable(), at: z.string(), terms: z.record(z.string(), z.unknown()), reason: z.string().nullable(), leafIndex: z.number().int() })),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "A grant between other departments" },
    404: { description: "No such grant" },
  },
});

export const ApproveGrantBody = z.object({
  scope: ScopeEnum.optional().describe("the same or less detail than requested"),
  fields: z.array(z.string().min(1).max(64)).max(64).nullable().optional().describe("a subset of the requested fields"),
  dataFrom: Instant.nullable().optional(),
  dataUntil: Instant.nullable().optional(),
  area: GrantAreaBody.nullable().optional().describe("a circle inside the requested one (any circle when the request had none)"),
  validUntil: Instant.optional().describe("the requested expiry or earlier"),
  note: z.string().max(2000).optional(),
});

export const approveGrantRoute = defineRoute({
  method: "post",
  path: "/api/grants/{id}/approve",
  tag: "grants",
  summary: "Approve a request, as asked or narrower (the owner department's admins who belonged to it since before the request was made, by their account history; a grant.v2 approve entry)",
  params: GrantIdParams,
  body: { schema: ApproveGrantBody },
  responses: {
    200: { description: "Active", schema: z.object({ grant: GrantSchema }) },
    400: { description: "Terms wider than requested, or expiry in the past" },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the dataset's department, or not in it since before the request was made" },
    404: { description: "No such grant" },
    409: { description: "Not a pending request" },
  },
});

export const ReasonBody = z.object({ reason: z.string().trim().min(1).max(2000).describe("why, in words") });

export const rejectGrantRoute = defineRoute({
  method: "post",
  path: "/api/grants/{id}/reject",
  tag: "grants",
  summary: "Reject a request with a reason (the owner department's admins; a grant.v2 reject entry)",
  params: GrantIdParams,
  body: { schema: ReasonBody },
  responses: {
    200: { description: "Rejected", schema: z.object({ grant: GrantSchema }) },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the dataset's department" },
    404: { description: "No such grant" },
    409: { description: "Not a pending request" },
  },
});

export const revokeGrantRoute = defineRoute({
  method: "post",
  path: "/api/grants/{id}/revoke",
  tag: "grants",
  summary: "Revoke a grant at any time with a reason (the owner department's admins, or a sysadmin; a grant.v2 revoke entry); the grantee's next read is refused",
  params: GrantIdParams,
  body: { schema: ReasonBody },
  responses: {
    200: { description: "Revoked", schema: z.object({ grant: GrantSchema }) },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the dataset's department" },
    404: { description: "No such grant" },
    409: { description: "Already ended" },
  },
});

export const grantNotificationsRoute = defineRoute({
  method: "get",
  path: "/api/grants/notifications",
  tag: "grants",
  summary: "What needs the admin's action: requests awaiting its decision, and grants ending soon that were granted for longer than the warning window",
  responses: {
    200: { description: "Notifications (empty for users who decide nothing)", schema: z.object({ incoming: z.array(GrantSchema), expiringSoon: z.array(GrantSchema), windowHours: z.number().describe("what ends within this many hours counts as ending soon") }) },
    401: { description: "Not signed in" },
  },
});

const RuleDefinitionBody = z.object({
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean().default(true),
  trigger: z.object({
    dataset: z.literal("safety.incidents").default("safety.incidents"),
    maxSeverity: z.number().int().min(1).max(3).describe("fires for incidents of this severity or worse (1 is the most severe)"),
    types: z.array(z.enum(["accident", "fire", "crime", "hazard"])).min(1).optional(),
    statuses: z.array(z.enum(["reported", "responding", "resolved"])).min(1).default(["reported", "responding"]),
  }),
  grant: z.object({
    granteeDepartmentId: z.string().min(1).max(64),
    datasets: z.array(z.string().min(1).max(64)).min(1).max(16),
    scope: ScopeEnum,
    radiusM: z.number().min(50).max(50_000).nullable().describe("readings within this distance of the incident; null for the whole city"),
    durationSeconds: z.number().int().min(1).max(30 * 86_400).describe("how long each grant lasts"),
  }),
});
export { RuleDefinitionBody };

const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    definition: RuleDefinitionBody,
    version: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    retiredAt: z.string().nullable(),
  })
  .meta({ id: "LinkageRule" });

export const rulesRoute = defineRoute({
  method: "get",
  path: "/api/rules",
  tag: "rules",
  summary: "Emergency linkage rules with the grants they made (sysadmins, auditors, department admins)",
  responses: {
    200: {
      description: "Rules",
      schema: z.object({
        rules: z.array(
          RuleSchema.extend({
            grants: z.array(z.object({ id: z.string(), datasetId: z.string(), granteeDepartmentId: z.string(), status: z.string(), incident: z.string(), validFrom: z.string(), validUntil: z.string() })).describe("the newest grants the rule made (at most 10; page through all with GET /api/grants?rule=)"),
            grantsTotal: z.number().int().describe("how many grants the rule has made"),
          }),
        ),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "Officials do not see rules" },
  },
});

export const createRuleRoute = defineRoute({
  method: "post",
  path: "/api/rules",
  tag: "rules",
  summary: "Define an emergency linkage rule (sysadmins; a rule.v1 create entry)",
  body: { schema: RuleDefinitionBody },
  responses: {
    200: {
      description: "Created; an enabled rule grants at once for the incidents open now (granted)",
      schema: z.object({ rule: RuleSchema, granted: z.array(z.object({ grantId: z.string(), ruleId: z.string(), incident: z.string(), datasetId: z.string() })) }),
    },
    401: { description: "Not signed in" },
    403: { description: "Not a sysadmin" },
  },
});

export const RuleIdParams = z.object({ id: IdParam.describe("Rule id") });

export const updateRuleRoute = defineRoute({
  method: "put",
  path: "/api/rules/{id}",
  tag: "rules",
  summary: "Change a rule (sysadmins; a new version and a rule.v1 update entry)",
  params: RuleIdParams,
  body: { schema: RuleDefinitionBody },
  responses: { 200: { description: "Changed", schema: z.object({ rule: RuleSchema }) }, 401: { description: "Not signed in" }, 403: { description: "Not a sysadmin" }, 404: { description: "No such rule" }, 409: { description: "Retired" } },
});

export const RetireRuleBody = z
  .object({ revokeGrants: z.boolean().default(false).describe("Also revoke the rule's grants that are still active (each a grant.v2 revoke entry)") })
  .strict();

export const retireRuleRoute = defineRoute({
  method: "post",
  path: "/api/rules/{id}/retire",
  tag: "rules",
  summary: "Retire a rule (sysadmins; a rule.v1 retire entry); its active grants are revoked when asked, else run to their end",
  params: RuleIdParams,
  body: { schema: RetireRuleBody },
  responses: {
    200: { description: "Retired", schema: z.object({ rule: RuleSchema, revoked: z.array(z.string()).describe("Grants revoked with it") }) },
    401: { description: "Not signed in" },
    403: { description: "Not a sysadmin" },
    404: { description: "No such rule" },
    409: { description: "Already retired" },
  },
});

export const previewRuleRoute = defineRoute({
  method: "post",
  path: "/api/rules/preview",
  tag: "rules",
  summary: "What a rule would do if enabled now: the open incidents it matches (their details only for a sysadmin who may read safety.incidents raw) and the grants it would make",
  body: { schema: RuleDefinitionBody },
  responses: {
    200: {
      description: "The preview",
      schema: z.object({
        matching: z.number().int(),
        incidents: z
          .array(z.object({ incident: z.string(), type: z.string(), severity: z.number().int(), status: z.string(), lon: z.number(), lat: z.number(), observedAt: z.string() }))
          .nullable(),
        grants: z.number().int(),
        datasets: z.array(z.string()),
        granteeDepartmentId: z.string(),
      }),
    },
    400: { description: "The definition is invalid (the field is named)" },
    401: { description: "Not signed in" },
    403: { description: "Not a sysadmin" },
  },
});

const AccessLogFilterQuery = z.object({
  dataset: z.string().min(1).max(64).optional(),
  department: z.string().min(1).max(64).optional().describe("Owner department (default: the viewer's; auditors: all)"),
  grant: z.string().min(1).max(128).optional(),
  user: z.string().min(1).max(256).optional().describe("Reader: a user id or e-mail address"),
  reader: z.string().min(1).max(64).optional().describe("Reader's department"),
  from: InstantParam.optional().describe("Events at or after this instant"),
  to: InstantParam.optional().describe("Events before this instant"),
});

export const AccessEventsQuery = AccessLogFilterQuery.extend({
  before: z.coerce.number().int().min(1).optional().describe("Only events with a smaller id (paging)"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const AccessGroupsQuery = AccessLogFilterQuery.extend({
  by: z.enum(["reader", "dataset", "grant", "hour"]).describe("Group the events by reader (user), dataset, grant or hour"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const AccessExportQuery = AccessLogFilterQuery;

export const accessGroupsRoute = defineRoute({
  method: "get",
  path: "/api/access-events/groups",
  tag: "access",
  summary: "The access log grouped by reader, dataset, grant or hour: events, records and first and last read per group",
  query: AccessGroupsQuery,
  responses: {
    200: {
      description: "Groups, largest first (hours newest first)",
      schema: z.object({
        by: z.string(),
        groups: z.array(
          z.object({
            key: z.string().nullable().describe("User id, dataset id, grant id or hour (UTC); null: guests, or reads without a grant"),
            label: z.string().nullable(),
            departmentId: z.string().nullable(),
            events: z.number().int(),
            records: z.number().int().nullable(),
            datasets: z.number().int(),
            first: z.string(),
            last: z.string(),
          }),
        ),
      }),
    },
    400: { description: "A parameter is missing or invalid (named)" },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the owner department, nor an auditor" },
  },
});

export const accessExportRoute = defineRoute({
  method: "get",
  path: "/api/access-events/export",
  tag: "access",
  summary: "The filtered access log as a CSV file (UTF-8 with BOM), newest first, at most 50,000 events",
  query: AccessExportQuery,
  responses: {
    200: { description: "text/csv attachment" },
    400: { description: "A parameter is invalid (named)" },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the owner department, nor an auditor" },
  },
});

export const accessEventsRoute = defineRoute({
  method: "get",
  path: "/api/access-events",
  tag: "access",
  summary: "Who read which data, when, under which grant or ownership (the owner's admins; auditors see all)",
  query: AccessEventsQuery,
  responses: {
    200: {
      description: "Access events, newest first, with the access.v1 batch and leaf each was ledgered in",
      schema: z.object({
        events: z.array(
          z.object({
            id: z.number().int(),
            at: z.string(),
            userId: z.string().nullable(),
            user: z.string().nullable(),
            departmentId: z.string().nullable(),
            role: z.string().nullable(),
            datasetId: z.string(),
            ownerDepartmentId: z.string(),
            basis: z.string(),
            grantId: z.string().nullable(),
            scope: z.string(),
            action: z.string(),
            count: z.number().int().nullable(),
            from: z.string().nullable(),
            until: z.string().nullable(),
            batchId: z.string().nullable(),
            leafIndex: z.number().int().nullable(),
          }),
        ),
      }),
    },
    401: { description: "Not signed in" },
    403: { description: "Not an admin of the owner department, nor an auditor" },
  },
});
