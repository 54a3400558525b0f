import { z } from "zod";
import { defineRoute } from "../http/openapi";
import { BboxParam, InstantParam } from "./geo-params";

// The city maps' routes (issue 5). Exported through specs.ts so they join the OpenAPI
// document; the browser imports only the inferred types.

export const MAP_LAYERS = ["traffic", "energy", "safety", "citizen"] as const;
export const MapLayerParam = z.enum(MAP_LAYERS).describe("Map layer: traffic, energy, safety or citizen (confirmed citizen reports of non-safety categories)");
export type MapLayerId = z.infer<typeof MapLayerParam>;

const Positions = z.array(z.number()).describe("Flat lon, lat pairs (WGS84, 5 decimals)");
const StartIndices = z.array(z.number().int()).describe("Vertex index where each path starts, plus the total at the end");
const Ids = z.array(z.string());
const Nums = z.array(z.number());
const NullableNums = z.array(z.number().nullable());
const Instant = z.string().describe("ISO 8601 instant");

export const AccessNoteSchema = z
  .union([
    z.looseObject({
      datasetId: z.string(),
      allowed: z.literal(true),
      basis: z.string().describe("why the viewer may read it: public, ownership or grant"),
    }),
    z.object({
      datasetId: z.string(),
      allowed: z.literal(false),
      ownerDepartmentId: z.string(),
      code: z.string().optional().describe("why not, machine-readable (e.g. sign_in, no_grant, revoked)"),
      reason: z.string().describe("why not, in words"),
    }),
  ])
  .meta({ id: "MapAccessNote" });
export type AccessNote = z.infer<typeof AccessNoteSchema>;
const Access = z.array(AccessNoteSchema).describe("The access check's answer for every dataset the layer reads");

/** Quantised values: value = q × scale for q in 0..254; 255 means no data. */
export const Q8Schema = z
  .object({ scale: z.number(), data: z.string().describe("base64 of one byte per value") })
  .meta({ id: "Q8" });
export type Q8 = z.infer<typeof Q8Schema>;

/**
 * A dataset the viewer holds anonymized or aggregated, as the map may draw it: points on the
 * 0.01° grid (anonymized: locations snapped and values coarsened before grouping, no device
 * ids) or hexagons (aggregated: means over at least k distinct devices; smaller groups are
 * suppressed, with no value and no count).
 */
/** The cells a scoped dataset is drawn as (its now and its replay frames alike): dataset, scope, cell shape and size, k. */
const ScopedCellKind = {
  datasetId: z.string(),
  scope: z.enum(["anonymized", "aggregated"]),
  shape: z.enum(["grid", "hex"]).describe("grid: points on the 0.01° grid; hex: flat-top hexagons"),
  sizeM: z.number().describe("hexagon radius, or the grid step north-south, in metres"),
  k: z.number().int().nullable().describe("aggregated: the fewest distinct devices a value is computed over"),
};

export const ScopedCellsSchema = z
  .object({
    ...ScopedCellKind,
    ids: Ids,
    position: Positions,
    devices: z.array(z.number().int().nullable()).describe("distinct devices (anonymized: readings) per cell; null where suppressed"),
    suppressed: z.array(z.boolean()).describe("fewer than k devices: no value"),
    fields: z.array(z.object({ key: z.string(), unit: z.string(), values: NullableNums })).describe("means per cell of the granted numeric fields (booleans as the share true)"),
  })
  .meta({ id: "MapScopedCells" });
export type ScopedCells = z.infer<typeof ScopedCellsSchema>;
const Cells = z.array(ScopedCellsSchema).describe("Datasets of the layer the viewer holds anonymized or aggregated");

// ---- query parameters ----

export const MapLayerParams = z.object({ layer: MapLayerParam });
export const FeaturesQuery = z.object({ bbox: BboxParam.optional() });
export const LatestQuery = z.object({
  from: InstantParam.optional().describe("Readings observed after this instant count (default: `to` minus 15 minutes)"),
  to: InstantParam.optional().describe("The moment to show (default: now)"),
  bbox: BboxParam.optional(),
});
export const FramesQuery = z.object({
  from: InstantParam.optional().describe("Start (default: `to` minus 24 hours); rounded down to the bucket"),
  to: InstantParam.optional().describe("End (default: now)"),
  bucket: z.coerce.number().int().default(300).describe("Bucket length in seconds: a multiple of 300 from 300 to 3600"),
  bbox: BboxParam.optional(),
});
export const KpisQuery = z.object({
  from: InstantParam.optional().describe("Trend start (default: `to` minus 24 hours)"),
  to: InstantParam.optional().describe("The moment the KPIs describe (default: now)"),
  bucket: z.coerce.number().int().default(300).describe("Trend bucket in seconds: a multiple of 300 from 300 to 3600"),
});
export const FeatureParams = z.object({
  id: z
    .string()
    .min(3)
    .max(64)
    .regex(/^[a-z]+-[A-Za-z0-9-]+$/, "a feature id looks like trf-000123, fdr-00012, sub-003, cam-000045, pol-001 or inc-…")
    .describe("Feature id: a device, substation, feeder, renewable site, station or incident"),
});
export const FeatureQuery = z.object({
  from: InstantParam.optional().describe("Series start (default: `to` minus 24 hours)"),
  to: InstantParam.optional().describe("Series end (default: now)"),
  bucket: z.coerce.number().int().default(300).describe("Series bucket in seconds: a multiple of 300 from 300 to 3600"),
});

// ---- responses ----

const PathSet = z.object({ ids: Ids, startIndices: StartIndices, path: Positions });
const PointSet = z.object({ ids: Ids, position: Positions });

export const TrafficFeaturesSchema = z.object({
  layer: z.literal("traffic"),
  cityKey: z.string(),
  sensors: PathSet.extend({ segmentIds: Ids, roadIds: Ids, freeFlowKmh: Nums, roadClass: z.array(z.enum(["expressway", "arterial", "collector", "local"])).describe("the segment's road class, which its traffic grade thresholds follow") })
    .describe("One path per traffic sensor: the segment it measures"),
  signals: PointSet.describe("Signalised intersections"),
  access: Access,
});
export const EnergyFeaturesSchema = z.object({
  layer: z.literal("energy"),
  cityKey: z.string(),
  substations: PointSet.extend({ capacityMw: Nums, voltageKv: Nums }),
  feeders: PathSet.extend({ meterIds: Ids, substationIds: Ids, capacityMw: Nums }),
  renewables: PointSet.extend({ meterIds: Ids, kind: z.array(z.enum(["solar", "wind", "hydro"])), capacityMw: Nums }),
  cells: PointSet.extend({ radiusM: z.number() }).describe("Hexagon cells (flat-top) the feeders cross; consumption is aggregated on them"),
  access: Access,
});
export const SafetyFeaturesSchema = z.object({
  layer: z.literal("safety"),
  cityKey: z.string(),
  stations: PointSet.extend({ kind: z.array(z.enum(["police-bureau", "police-station", "fire-station"])) }),
  coverage: PointSet.extend({ radiusM: z.number(), policeMin: Nums, fireMin: Nums }).describe("Minutes from the nearest station per hexagon, over the road graph"),
  cameras: PointSet.extend({ headingDeg: Nums }).nullable().describe("null when the viewer may not read safety.cameras"),
  access: Access,
});
export const CitizenFeaturesSchema = z.object({
  layer: z.literal("citizen"),
  cityKey: z.string(),
  categories: z
    .array(z.object({ code: z.string(), department: z.string(), nameZh: z.string(), nameEn: z.string() }))
    .describe("The report categories (Open311 service codes) the layer draws: those of the catalogue that are not safety categories"),
  access: Access,
});
export const LayerFeaturesSchema = z.discriminatedUnion("layer", [TrafficFeaturesSchema, EnergyFeaturesSchema, SafetyFeaturesSchema, CitizenFeaturesSchema]);
export type CitizenFeatures = z.infer<typeof CitizenFeaturesSchema>;
export type TrafficFeatures = z.infer<typeof TrafficFeaturesSchema>;
export type EnergyFeatures = z.infer<typeof EnergyFeaturesSchema>;
export type SafetyFeatures = z.infer<typeof SafetyFeaturesSchema>;
export type LayerFeatures = z.infer<typeof LayerFeaturesSchema>;

export const IncidentStateSchema = z
  .object({
    id: z.string(),
    type: z.enum(["accident", "fire", "crime", "hazard"]),
    severity: z.number().int(),
    status: z.enum(["reported", "responding", "resolved"]),
    startedAt: Instant,
    endedAt: Instant,
    segmentId: z.string(),
    lanesBlocked: z.number().int(),
    position: z.tuple([z.number(), z.number()]),
    observedAt: Instant,
    leafIndex: z.number().int(),
    source: z.literal("citizen").optional().describe('"citizen": a confirmed citizen report of a safety category (id "citizen-" and the report id; position coarsened); absent: a dispatch reading'),
  })
  .meta({ id: "IncidentState" });
export type IncidentState = z.infer<typeof IncidentStateSchema>;

const Window = { from: Instant, to: Instant };
export const TrafficLatestSchema = z.object({
  layer: z.literal("traffic"),
  ...Window,
  sensors: z
    .object({ ids: Ids, speedKmh: NullableNums, ratio: NullableNums.describe("speed / free-flow speed"), flowVehH: NullableNums, occupancy: NullableNums, observedAt: z.array(Instant), leafIndex: Nums })
    .describe("Raw values inside the grant's area and data window; null where a field is not granted"),
  incidents: z.array(IncidentStateSchema).nullable().describe("Incidents that block lanes; null without raw access to safety.incidents"),
  scoped: Cells,
  access: Access,
});
export const EnergyLatestSchema = z.object({
  layer: z.literal("energy"),
  ...Window,
  feeders: z.object({ ids: Ids, loadMw: NullableNums, utilisation: NullableNums, voltageKv: NullableNums, observedAt: z.array(Instant), leafIndex: Nums }),
  renewables: z.object({ ids: Ids, productionMw: NullableNums, capacityFactor: NullableNums, observedAt: z.array(Instant), leafIndex: Nums }),
  substations: z.object({ ids: Ids, loadMw: Nums, utilisation: Nums.describe("sum of its feeders' loads / capacity"), feedersReporting: Nums }),
  cells: z.object({ ids: Ids, loadMw: Nums.describe("feeder loads spread over the cells by length") }),
  outages: Ids.describe("Feeders whose latest reading shows no load or a head voltage under 9.5 kV"),
  scoped: Cells,
  access: Access,
});
export const SafetyLatestSchema = z.object({
  layer: z.literal("safety"),
  ...Window,
  incidents: z.array(IncidentStateSchema).nullable(),
  cameras: z
    .object({
      ids: Ids,
      online: z.array(z.boolean().nullable()),
      alert: z.array(z.string().nullable()),
      vehiclesPerMin: NullableNums,
      pedestriansPerMin: NullableNums,
      observedAt: z.array(Instant),
      leafIndex: Nums,
    })
    .nullable(),
  scoped: Cells,
  access: Access,
});
export const CitizenReportStateSchema = z
  .object({
    id: z.string().describe("the report id (its public page is /report/{id})"),
    serviceCode: z.string().describe("the category (Open311 service_code)"),
    department: z.string().describe("the owning department"),
    position: z.tuple([z.number(), z.number()]).describe("the public, coarsened position (the report page's), never the exact point"),
    createdAt: Instant,
    confirmedAt: Instant.describe("when the owning department confirmed it"),
    leafIndex: z.number().int().describe("the ledger leaf of the confirmation (report.v1)"),
  })
  .meta({ id: "CitizenReportState" });
export type CitizenReportState = z.infer<typeof CitizenReportStateSchema>;
export const CitizenLatestSchema = z.object({
  layer: z.literal("citizen"),
  ...Window,
  reports: z
    .array(CitizenReportStateSchema)
    .nullable()
    .describe("Reports of non-safety categories standing confirmed at `to` (not resolved, rejected or merged); null when reports.citizen is held aggregated (then `scoped` counts them per hexagon)"),
  scoped: Cells,
  access: Access,
});
export type CitizenLatest = z.infer<typeof CitizenLatestSchema>;
export const LayerLatestSchema = z.discriminatedUnion("layer", [TrafficLatestSchema, EnergyLatestSchema, SafetyLatestSchema, CitizenLatestSchema]);
export type TrafficLatest = z.infer<typeof TrafficLatestSchema>;
export type EnergyLatest = z.infer<typeof EnergyLatestSchema>;
export type SafetyLatest = z.infer<typeof SafetyLatestSchema>;
export type LayerLatest = z.infer<typeof LayerLatestSchema>;

export const IncidentTimelineSchema = IncidentStateSchema.omit({ status: true, observedAt: true, leafIndex: true })
  .extend({ changes: z.array(z.tuple([z.number().int().describe("ms since epoch"), z.enum(["reported", "responding", "resolved"])])) })
  .meta({ id: "IncidentTimeline" });
export type IncidentTimeline = z.infer<typeof IncidentTimelineSchema>;

export const CitizenReportSpanSchema = CitizenReportStateSchema.extend({
  closedAt: z.number().int().nullable().describe("ms since epoch when it was resolved, rejected or merged; null while it stands"),
}).meta({ id: "CitizenReportSpan" });
export type CitizenReportSpan = z.infer<typeof CitizenReportSpanSchema>;

export const ScopedCellFramesSchema = z
  .object({
    ...ScopedCellKind,
    field: z.object({ key: z.string(), unit: z.string() }).describe("the mean each cell replays"),
    ids: Ids,
    position: Positions,
    q: Q8Schema.describe("row-major bucket × cells: the mean"),
    state: Q8Schema.describe("row-major bucket × cells: 0 no data, 1 suppressed (fewer than k devices), 2 a value"),
  })
  .meta({ id: "MapScopedCellFrames" });
export type ScopedCellFrames = z.infer<typeof ScopedCellFramesSchema>;

export const FramesSchema = z.object({
  layer: MapLayerParam,
  ...Window,
  bucketS: z.number().int(),
  count: z.number().int().describe("Number of buckets; frame b covers from + b × bucketS"),
  series: z
    .record(z.string(), z.object({ ids: Ids, q: Q8Schema.describe("row-major: bucket × ids") }))
    .describe("traffic: ratio, flow; energy: feederUtil, renewableCf, substationUtil, cellLoad; safety: cameraState"),
  incidents: z.array(IncidentTimelineSchema).nullable(),
  reports: z
    .array(CitizenReportSpanSchema)
    .nullable()
    .optional()
    .describe("citizen layer: reports of non-safety categories confirmed in the window and not closed before it; each is drawn from confirmedAt until closedAt"),
  scoped: z.array(ScopedCellFramesSchema).describe("Datasets of the layer the viewer holds anonymized or aggregated, as cells"),
  access: Access,
});
export type Frames = z.infer<typeof FramesSchema>;

const Trend = z.object({ from: Instant, bucketS: z.number().int(), values: NullableNums });
const TrafficGrade = z.enum(["smooth", "basic", "light", "moderate", "severe"]);
export const KpisSchema = z.object({
  ...Window,
  traffic: z
    .object({
      speedKmh: z.number().nullable(),
      index: z.number().nullable().describe("traffic performance index 0–10 (higher is worse): the length-weighted mean of segment indices graded by speed and road class (lib/map/traffic-grade.ts)"),
      grade: TrafficGrade.nullable().describe("the index's grade: smooth 畅通 [0,2), basic 基本畅通 [2,4), light 轻度拥堵 [4,6), moderate 中度拥堵 [6,8), severe 严重拥堵 [8,10]"),
      speedRatio: z.number().nullable().describe("mean of speed / free flow, 1 = free flow"),
      congestedShare: z.number().nullable().describe("share of the measured road length graded moderately or severely congested (index 6 or more)"),
      trendIndex: Trend.describe("the traffic performance index per 5 minutes over the last 2 hours"),
      trendSpeed: Trend,
      worstCorridors: z
        .array(z.object({ roadId: z.string(), nameZh: z.string(), nameEn: z.string(), index: z.number(), grade: TrafficGrade, speedRatio: z.number().nullable(), sensors: z.number().int(), trend: NullableNums }))
        .describe("named roads with at least two sensors by traffic performance index, worst first; trend: index per 5 minutes over 2 hours"),
    })
    .nullable(),
  energy: z
    .object({
      loadMw: z.number().nullable(),
      capacityMw: z.number(),
      reserveMw: z.number().nullable(),
      productionMw: z.number().nullable(),
      trendLoad: Trend,
      trendReserve: Trend,
    })
    .nullable(),
  safety: z
    .object({
      open: z.object({ s1: z.number().int(), s2: z.number().int(), s3: z.number().int() }).describe("open incidents by severity"),
      trendOpen: Trend,
      camerasOnline: z.number().nullable(),
    })
    .nullable(),
  reports: z
    .object({
      open: z.number().int().describe("citizen reports open now (submitted, assigned or confirmed)"),
      resolved: z.number().int().describe("citizen reports resolved in the 30 days before `to`"),
      medianResolutionH: z.number().nullable().describe("median hours from filing to resolution of those reports"),
    })
    .nullable()
    .describe("citizen reports (dataset reports.citizen), as the viewer's read basis lets through"),
  access: Access,
});
export type Kpis = z.infer<typeof KpisSchema>;

export const FeatureDetailsSchema = z.object({
  id: z.string(),
  kind: z.enum(["traffic-sensor", "feeder", "substation", "renewable", "camera", "station", "incident", "signal"]),
  nameZh: z.string(),
  nameEn: z.string(),
  departmentId: z.string(),
  departmentZh: z.string(),
  departmentEn: z.string(),
  datasetId: z.string().nullable(),
  position: z.tuple([z.number(), z.number()]),
  facts: z
    .array(
      z.object({
        key: z.string(),
        value: z.union([z.string(), z.number(), z.boolean()]),
        unit: z.string().optional(),
        nameZh: z.string().optional().describe("the name of what the value identifies (a district, a substation), in Chinese"),
        nameEn: z.string().optional(),
      }),
    )
    .describe("static facts"),
  latest: z
    .object({ device: z.string(), observedAt: Instant, leafIndex: z.number().int(), values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) })
    .nullable(),
  series: z
    .object({
      ...Window,
      bucketS: z.number().int(),
      fields: z.array(z.object({ key: z.string(), unit: z.string(), values: NullableNums })),
    })
    .nullable(),
  withheld: Ids.describe("Fields of the feature's dataset the viewer's grant withholds (not in `latest` or `series`)"),
  access: Access,
});
export type FeatureDetails = z.infer<typeof FeatureDetailsSchema>;

export const MapLayersSchema = z.object({
  cityKey: z.string(),
  layers: z.array(z.object({ id: MapLayerParam, datasets: z.array(z.object({ id: z.string(), primary: z.boolean() })) })),
  departments: z.array(z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string() })),
  access: Access,
});
export type MapLayers = z.infer<typeof MapLayersSchema>;

// ---- routes ----

const forbidden = { description: "The viewer may read none of the layer's datasets (the message says why)" };
const badInput = { description: "A bad layer name, time window, bucket or bbox (the message says which)" };

export const mapLayersRoute = defineRoute({
  method: "get",
  path: "/api/map/layers",
  tag: "map",
  summary: "The map's layers, the datasets each reads and whether the viewer may read them",
  responses: { 200: { description: "Layers", schema: MapLayersSchema } },
});

/**
 * A GET on one view of a layer, /api/map/layers/{layer}/<view>: its query and 200 answer; a bad
 * layer name or query is a 400, a layer whose datasets the viewer may read none of a 403.
 */
function layerViewRoute<Q extends z.ZodObject, S extends z.ZodType>(view: string, spec: { summary: string; description?: string; query: Q; ok: { description: string; schema: S } }) {
  const { ok, ...text } = spec;
  return defineRoute({
    method: "get",
    path: `/api/map/layers/{layer}/${view}`,
    tag: "map",
    ...text,
    params: MapLayerParams,
    responses: { 200: ok, 400: badInput, 403: forbidden },
  });
}

export const mapFeaturesRoute = layerViewRoute("features", {
  summary: "Static geometry of a layer from the city model (segments, substations, feeders, stations, hexagon cells)",
  query: FeaturesQuery,
  ok: { description: "Flat arrays for deck.gl binary attributes", schema: LayerFeaturesSchema },
});

export const mapLatestRoute = layerViewRoute("latest", {
  summary: "The latest value of every feature of a layer at a moment (live by default)",
  description: "Per device (or incident) the newest reading observed in (from, to]. Columnar arrays; ids match the features' ids.",
  query: LatestQuery,
  ok: { description: "Latest values", schema: LayerLatestSchema },
});

export const mapFramesRoute = layerViewRoute("frames", {
  summary: "Replay frames of a layer: per-bucket means aggregated in SQL (5-minute buckets by default, the last 24 hours)",
  query: FramesQuery,
  ok: { description: "Quantised frames", schema: FramesSchema },
});

export const mapKpisRoute = defineRoute({
  method: "get",
  path: "/api/map/kpis",
  tag: "map",
  summary: "Duty-officer KPIs at a moment with their trends: speed and congestion index, worst corridors, grid load and reserve, open incidents by severity",
  query: KpisQuery,
  responses: { 200: { description: "KPIs; a domain the viewer may not read is null and its access note says why", schema: KpisSchema }, 400: badInput },
});

export const mapFeatureRoute = defineRoute({
  method: "get",
  path: "/api/map/features/{id}",
  tag: "map",
  summary: "One feature: static facts, owner department, latest reading with its ledger leaf, and a time series",
  params: FeatureParams,
  query: FeatureQuery,
  responses: {
    200: { description: "The feature", schema: FeatureDetailsSchema },
    400: badInput,
    403: { description: "The viewer may not read the feature's dataset" },
    404: { description: "No such feature" },
  },
});

// ---- live stream (/api/stream) ----

/** A traffic reading as the live map draws it: the segment's speed and its ratio to free flow. */
export type LiveTrafficUpdate = { device: string; segment: string; speed: number; ratio: number; observedAt: string };
/** A reading that changed a latest value, with the fields the viewer may see. */
export type LiveReading = {
  dataset: string;
  key: string;
  device: string;
  observedAt: string;
  leafIndex: number;
  location: [number, number];
  values: Record<string, unknown>;
  /** Feeder readings: the consumption cells its load is spread over, with each one's share. */
  cellShares?: [string, number][];
};
/** The `map-update` event: one commit's changes to every layer the viewer may see (empty parts left out). */
export type LiveMapUpdate = {
  traffic?: LiveTrafficUpdate[];
  energy?: LiveReading[];
  incidents?: LiveReading[];
  cameras?: LiveReading[];
  /** Datasets held anonymized or aggregated that changed: their cells are fetched again. */
  cells?: string[];
  /** Layers whose live answer changed in a way readings do not carry (a citizen report confirmed or closed): fetched again. */
  reload?: MapLayerId[];
};
