/**
 * Types of the city model: the generated (or imported) geography, road graph, energy grid,
 * safety services, points of interest and the devices that later produce readings.
 *
 * Coordinates are WGS84 [longitude, latitude] rounded to 6 decimals. Ids are stable for a
 * given seed and size.
 */

/** A WGS84 position: [longitude, latitude] in degrees. */
export type LonLat = [number, number];

/** A polygon as GeoJSON rings: the first ring is the outer boundary (counter-clockwise), the rest are holes. */
export type PolygonRings = LonLat[][];

/** Bounding box: [minLon, minLat, maxLon, maxLat]. */
export type BBox = [number, number, number, number];

/** Something named in both UI languages. */
export interface Named {
  nameZh: string;
  nameEn: string;
}

/** Ids of the departments that own data. */
export type DepartmentId = "traffic" | "energy" | "safety" | "emergency" | "citizen";

/** Ids of the datasets devices and citizens write to. */
export type DatasetId =
  | "traffic.flow"
  | "energy.load"
  | "safety.incidents"
  | "safety.cameras"
  | "reports.citizen";

/** The domain a dataset belongs to; drives which map shows it. */
export type DatasetDomain = "traffic" | "energy" | "safety" | "reports";

/** How sensitive a dataset is, from open data to restricted personal or security data. */
export type Sensitivity = "public" | "internal" | "restricted" | "confidential";

/** A department of the city administration. */
export interface Department extends Named {
  id: DepartmentId;
}

/** One field of a dataset's readings (`values` of a reading). */
export interface FieldSpec {
  type: "number" | "string" | "boolean";
  /** Whether every reading of the dataset carries the field. */
  required: boolean;
  /** Unit of a number, e.g. "km/h". */
  unit?: string;
  /** Inclusive physical minimum of a number. */
  min?: number;
  /** Inclusive physical maximum of a number. */
  max?: number;
  /** True when a number must be an integer. */
  integer?: boolean;
  /** Allowed values of a string. */
  enum?: string[];
  /** "date-time" when a string is an ISO 8601 instant. */
  format?: "date-time";
  descriptionZh: string;
  descriptionEn: string;
}

/** The shape of a dataset's reading values. */
export interface DatasetSchema {
  fields: Record<string, FieldSpec>;
}

/** A dataset: what is recorded, who owns it and how sensitive it is. */
export interface Dataset extends Named {
  id: DatasetId;
  departmentId: DepartmentId;
  domain: DatasetDomain;
  sensitivity: Sensitivity;
  schema: DatasetSchema;
}

/** Ids of the generated districts. */
export type GeneratedDistrictId = "penglai" | "devzone" | "fushan" | "zhifu" | "laishan" | "muping";

/** Id of a district: a generated one, or one of an imported city (e.g. "osm-r12345", "grid-1"). */
export type DistrictId = GeneratedDistrictId | (string & {});

/** An administrative district. */
export interface District extends Named {
  id: DistrictId;
  /** Outer boundary (one ring, counter-clockwise). */
  polygon: PolygonRings;
  /** A point inside the district suited to its label. */
  labelPoint: LonLat;
  areaKm2: number;
}

/** A river from its source side to its mouth at the sea. */
export interface River extends Named {
  id: string;
  /** Centre line from upstream (south) to the mouth (north, slightly into the sea). */
  centerline: LonLat[];
  /** Water surface as a polygon. */
  polygon: PolygonRings;
  widthM: number;
}

/** An island in the sea (no roads). */
export interface Island extends Named {
  id: string;
  polygon: PolygonRings;
}

/** The sea, the coastline and everything wet. */
export interface Waters {
  /** Land-sea boundary from west to east (extends beyond the city's limits). */
  coastline: LonLat[];
  /** The sea north of the coastline, with islands as holes. */
  sea: PolygonRings;
  seaNameZh: string;
  seaNameEn: string;
  rivers: River[];
  islands: Island[];
}

/** A park or hill: green land with no local streets inside. */
export interface Park extends Named {
  id: string;
  districtId: DistrictId;
  polygon: PolygonRings;
}

/** Functional class of a road; expressways include the ring roads. */
export type RoadClass = "expressway" | "arterial" | "collector" | "local";

/** A named (or unnamed local) road made of one or more segments. */
export interface Road {
  id: string;
  class: RoadClass;
  /** Chinese name; absent for unnamed local streets. */
  nameZh?: string;
  nameEn?: string;
  /** True for the ring roads. */
  ring?: boolean;
}

/** An intersection, interchange, bend or dead end of the road graph. */
export interface RoadNode {
  id: string;
  location: LonLat;
  /** Number of segments meeting here. */
  degree: number;
  /** Traffic lights: an at-grade crossing of two major roads, at least one arterial. */
  signalised: boolean;
  /** Grade-separated junction of an expressway with an arterial. */
  interchange: boolean;
}

/** A road segment between two nodes of the graph. Roads are two-way. */
export interface RoadSegment {
  id: string;
  roadId: string;
  class: RoadClass;
  /** Road name, present for expressways, arterials and collectors. */
  nameZh?: string;
  nameEn?: string;
  /** Lanes counted over both directions. */
  lanes: number;
  freeFlowKmh: number;
  /** Capacity over both directions, vehicles per hour. */
  capacityVehH: number;
  lengthM: number;
  from: string;
  to: string;
  /** Polyline from the `from` node to the `to` node. */
  geometry: LonLat[];
  /** True when the segment crosses a river. */
  bridge: boolean;
  districtId: DistrictId;
  /** Imported cities: traffic only flows from `from` to `to` (OSM `oneway`). Absent: two-way. */
  oneway?: true;
  /** Imported cities: the OSM way the segment comes from. */
  osmWayId?: number;
}

/** The road graph: one connected component. */
export interface RoadNetwork {
  nodes: RoadNode[];
  segments: RoadSegment[];
  roads: Road[];
}

/** A transformer substation feeding the medium-voltage feeders. */
export interface Substation extends Named {
  id: string;
  voltageKv: 110 | 220;
  capacityMw: number;
  location: LonLat;
  /** Road node the substation stands at. */
  nodeId: string;
  districtId: DistrictId;
}

/** Customer mix of a feeder, shaping its daily load curve. */
export type FeederProfile = "residential" | "commercial" | "industrial";

/** A 10 kV feeder running from a substation out along roads. */
export interface Feeder {
  id: string;
  substationId: string;
  capacityMw: number;
  profile: FeederProfile;
  /** Share of the feeder's peak load covered by rooftop solar at noon (0..0.3). */
  rooftopSolarShare: number;
  /** Route from the substation outwards. */
  geometry: LonLat[];
  /** Segments the feeder follows, in order. */
  segmentIds: string[];
  lengthM: number;
}

/** Kind of a renewable production site. */
/** Hydro sites come only from imported cities (power=plant/generator with plant:source=hydro). */
export type RenewableKind = "solar" | "wind" | "hydro";

/** A solar farm or wind farm (onshore coastal or offshore). */
export interface RenewableSite extends Named {
  id: string;
  kind: RenewableKind;
  offshore: boolean;
  capacityMw: number;
  location: LonLat;
  /** Footprint of the farm. */
  polygon: PolygonRings;
}

/** A power line as tagged in an imported city (`power=line` or `minor_line`). */
export interface PowerLine {
  id: string;
  /** Highest voltage tagged, in kV (0 when untagged). */
  voltageKv: number;
  minor: boolean;
  geometry: LonLat[];
}

/** The electricity grid. */
export interface EnergyGrid {
  substations: Substation[];
  feeders: Feeder[];
  renewables: RenewableSite[];
  /** Imported cities: power lines where tagged. */
  powerLines?: PowerLine[];
}

/** Kind of a safety service point. */
export type StationKind = "police-bureau" | "police-station" | "fire-station";

/** A police station, district police bureau or fire and rescue station. */
export interface SafetyStation extends Named {
  id: string;
  kind: StationKind;
  departmentId: DepartmentId;
  location: LonLat;
  nodeId: string;
  districtId: DistrictId;
}

/** Public safety services. */
export interface SafetyServices {
  policeStations: SafetyStation[];
  fireStations: SafetyStation[];
}

/** Category of a point of interest. */
export type PoiCategory =
  | "residential"
  | "shop"
  | "restaurant"
  | "office"
  | "bus-stop"
  | "parking"
  | "school"
  | "hospital"
  | "bank"
  | "pharmacy"
  | "hotel"
  | "factory";

/** A point of interest beside a road. Only larger places carry names. */
export interface Poi {
  id: string;
  category: PoiCategory;
  location: LonLat;
  districtId: DistrictId;
  /** The segment the point is reached from. */
  segmentId: string;
  nameZh?: string;
  nameEn?: string;
}

/** Kinds of devices that sign and send readings. */
export type DeviceKind =
  | "traffic-sensor"
  | "feeder-meter"
  | "production-meter"
  | "camera"
  | "dispatch-terminal";

/** Fields every device has. */
export interface DeviceBase {
  /** Stable id such as "trf-000123". */
  id: string;
  kind: DeviceKind;
  departmentId: DepartmentId;
  datasetId: DatasetId;
  location: LonLat;
  districtId: DistrictId;
}

/** A traffic detector (loop or radar) on exactly one road segment. */
export interface TrafficSensor extends DeviceBase {
  kind: "traffic-sensor";
  segmentId: string;
  /** Fraction (0..1) of the segment's length from its `from` node to the sensor. */
  position: number;
}

/** A meter at the head of a feeder. */
export interface FeederMeter extends DeviceBase {
  kind: "feeder-meter";
  feederId: string;
  substationId: string;
}

/** A meter at a renewable production site's grid connection. */
export interface ProductionMeter extends DeviceBase {
  kind: "production-meter";
  siteId: string;
}

/** A road camera, mostly at signalised intersections. */
export interface Camera extends DeviceBase {
  kind: "camera";
  /** The intersection watched, if it stands at one. */
  nodeId?: string;
  /** The segment watched (at an intersection: one of the segments meeting there). */
  segmentId: string;
  /** Direction the camera faces, degrees clockwise from north. */
  headingDeg: number;
}

/** The incident dispatch terminal of a police station; it reports incidents nearby. */
export interface DispatchTerminal extends DeviceBase {
  kind: "dispatch-terminal";
  stationId: string;
}

/** Any device. */
export type Device = TrafficSensor | FeederMeter | ProductionMeter | Camera | DispatchTerminal;

/** Counts of what was generated. */
export interface CityStats {
  nodes: number;
  segments: number;
  roadLengthKm: number;
  devices: number;
  trafficSensors: number;
  cameras: number;
  feeders: number;
  pois: number;
  /** All point features: POIs, stations, substations, renewable sites and devices. */
  pointFeatures: number;
  landAreaKm2: number;
}

/** Kind of an imported land-use area. */
export type LandUseKind = "residential" | "commercial" | "retail" | "industrial" | "farmland" | "forest" | "grass" | "other";

/** A land-use area of an imported city (OSM `landuse=*`). */
export interface LandUseArea {
  id: string;
  kind: LandUseKind;
  polygon: PolygonRings;
}

/** Where an imported city's data comes from, credited on the map. */
export interface CitySource {
  kind: "osm";
  /** The file's base name. */
  file: string;
  /** SHA-256 of the file (hex). */
  sha256: string;
  /** "© OpenStreetMap contributors, ODbL". */
  attribution: string;
  licence: "ODbL-1.0";
  /** How the districts were made: from administrative boundaries or generated over the extent. */
  districts: "admin-boundaries" | "generated";
}

/** The whole city. `JSON.stringify` of it is stable for given generator options. */
export interface CityModel extends Named {
  schemaVersion: 1;
  seed: string;
  size: number;
  /** The generator's origin: [lon, lat]. */
  center: LonLat;
  /** Bounds of the districts (the land of the city). */
  bbox: BBox;
  timezone: "Asia/Shanghai";
  /** Offset of local time from UTC in minutes (UTC+8, no daylight saving). */
  utcOffsetMinutes: 480;
  districts: District[];
  waters: Waters;
  parks: Park[];
  network: RoadNetwork;
  energy: EnergyGrid;
  safety: SafetyServices;
  pois: Poi[];
  /** Every device, sorted by id. */
  devices: Device[];
  stats: CityStats;
  /** Imported cities: land use other than parks. */
  landUse?: LandUseArea[];
  /** Imported cities: the source and its licence (absent for a generated city). */
  source?: CitySource;
}

/** Options of `generateCity`. */
export interface CityOptions {
  /** Seed of every random choice; default "yantai". */
  seed?: string | number;
  /**
   * Scale factor of the city's area (default 1: about 5,900 road segments and 22,000 point
   * features). Size 9 gives about 50,000 segments; size 10 about 55,000 segments and
   * 208,000 point features (POIs, stations, substations, renewable sites and devices).
   */
  size?: number;
  /** Where the city lies: [lon, lat]; default Yantai (121.45, 37.46). */
  center?: LonLat;
  nameZh?: string;
  nameEn?: string;
  /** Points of interest per road segment (default 3.4). */
  poiDensity?: number;
}

/** Layers `cityToGeoJSON` can export. */
export type CityLayer = "districts" | "water" | "roads" | "pois" | "parks" | "devices" | "feeders";

/** A GeoJSON geometry as produced by this module. */
export type GeoJsonGeometry =
  | { type: "Point"; coordinates: LonLat }
  | { type: "LineString"; coordinates: LonLat[] }
  | { type: "Polygon"; coordinates: PolygonRings };

/** A GeoJSON feature with flat properties. */
export type GeoJsonFeature = {
  type: "Feature";
  id?: string;
  geometry: GeoJsonGeometry;
  properties: Record<string, string | number | boolean | null>;
};

/** A GeoJSON feature collection. */
export type GeoJsonFeatureCollection = {
  type: "FeatureCollection";
  features: GeoJsonFeature[];
};
