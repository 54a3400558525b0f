/**
 * Checks a city model read from a file (CITY_FILE, written by `npm run city:import`) before the
 * console runs on it: the shape the console relies on, and that segments, devices and stations
 * refer to nodes and segments that exist. Returns the first problem as one line.
 */
import { z } from "zod";
import type { CityModel } from "./types";

const lonLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const ring = z.array(lonLat);
const polygon = z.array(ring);
const named = { id: z.string().min(1), nameZh: z.string(), nameEn: z.string() };
const roadClass = z.enum(["expressway", "arterial", "collector", "local"]);

const CitySchema = z.object({
  schemaVersion: z.literal(1),
  seed: z.string().min(1),
  size: z.number().positive(),
  nameZh: z.string().min(1),
  nameEn: z.string().min(1),
  center: lonLat,
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  timezone: z.literal("Asia/Shanghai"),
  utcOffsetMinutes: z.literal(480),
  districts: z.array(z.object({ ...named, polygon: polygon.min(1), labelPoint: lonLat, areaKm2: z.number() })).min(1),
  waters: z.object({
    coastline: z.array(lonLat), sea: polygon, seaNameZh: z.string(), seaNameEn: z.string(),
    rivers: z.array(z.object({ ...named, centerline: z.array(lonLat), polygon, widthM: z.number() })),
    islands: z.array(z.object({ ...named, polygon })),
  }),
  parks: z.array(z.object({ ...named, districtId: z.string(), polygon })),
  network: z.object({
    nodes: z.array(z.object({ id: z.string().min(1), location: lonLat, degree: z.number().int(), signalised: z.boolean(), interchange: z.boolean() })).min(1),
    segments: z.array(z.object({
      id: z.string().min(1), roadId: z.string(), class: roadClass, lanes: z.number().positive(), freeFlowKmh: z.number().positive(),
      capacityVehH: z.number().positive(), lengthM: z.number().nonnegative(), from: z.string(), to: z.string(),
      geometry: z.array(lonLat).min(2), bridge: z.boolean(), districtId: z.string(), oneway: z.literal(true).optional(),
    })).min(1),
    roads: z.array(z.object({ id: z.string().min(1), class: roadClass })),
  }),
  energy: z.object({ substations: z.array(z.object({ id: z.string(), nodeId: z.string(), location: lonLat })), feeders: z.array(z.object({ id: z.string(), substationId: z.string(), geometry: z.array(lonLat) })), renewables: z.array(z.object({ id: z.string() })) }),
  safety: z.object({ policeStations: z.array(z.object({ id: z.string(), nodeId: z.string(), location: lonLat })), fireStations: z.array(z.object({ id: z.string(), nodeId: z.string(), location: lonLat })) }),
  pois: z.array(z.object({ id: z.string(), category: z.string(), location: lonLat, segmentId: z.string() })),
  devices: z.array(z.object({
    id: z.string().min(1),
    kind: z.enum(["traffic-sensor", "feeder-meter", "production-meter", "camera", "dispatch-terminal"]),
    departmentId: z.enum(["traffic", "energy", "safety", "emergency", "citizen"]),
    datasetId: z.enum(["traffic.flow", "energy.load", "safety.incidents", "safety.cameras", "reports.citizen"]),
    location: lonLat,
    districtId: z.string(),
    segmentId: z.string().optional(),
  })).min(1),
  stats: z.object({ nodes: z.number(), segments: z.number(), devices: z.number() }),
});

/** A city file that cannot be used; the message names the first problem. */
export class CityFileError extends Error {}

/** Parses and checks a city model's JSON text; throws CityFileError with the first problem. */
export function parseCityModel(text: string): CityModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CityFileError(`not JSON (${(e as Error).message})`);
  }
  const parsed = CitySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CityFileError(`${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  const city = json as CityModel;
  const nodes = new Set(city.network.nodes.map((n) => n.id));
  const segments = new Set(city.network.segments.map((s) => s.id));
  const districts = new Set(city.districts.map((d) => d.id));
  city.network.segments.forEach((s, i) => {
    if (!nodes.has(s.from) || !nodes.has(s.to)) throw new CityFileError(`network.segments.${i} (${s.id}) joins a node that is not in network.nodes`);
    if (!districts.has(s.districtId)) throw new CityFileError(`network.segments.${i} (${s.id}) lies in district ${s.districtId}, which is not in districts`);
  });
  const ids = new Set<string>();
  city.devices.forEach((d, i) => {
    if (ids.has(d.id)) throw new CityFileError(`devices.${i}: device id ${d.id} appears twice`);
    ids.add(d.id);
    if ((d.kind === "traffic-sensor" || d.kind === "camera") && !segments.has(d.segmentId)) {
      throw new CityFileError(`devices.${i} (${d.id}) watches segment ${d.segmentId}, which is not in network.segments`);
    }
  });
  return city;
}
