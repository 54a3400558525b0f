/**
 * Physical ranges of reading values, derived from the dataset schemas in lib/city, and checks
 * that ingest can use to refuse impossible values.
 */
import { DATASETS, type CityModel, type DatasetId, type FieldSpec } from "../city";
import type { ReadingValue } from "./types";

/** Allowed values of one field. */
export type FieldRange =
  | { type: "number"; required: boolean; min: number; max: number; unit?: string; integer?: boolean }
  | { type: "string"; required: boolean; enum?: readonly string[]; format?: "date-time" }
  | { type: "boolean"; required: boolean };

function toRange(spec: FieldSpec): FieldRange {
  if (spec.type === "number") {
    return { type: "number", required: spec.required, min: spec.min ?? -Infinity, max: spec.max ?? Infinity, unit: spec.unit, integer: spec.integer };
  }
  if (spec.type === "string") return { type: "string", required: spec.required, enum: spec.enum, format: spec.format };
  return { type: "boolean", required: spec.required };
}

/** Ranges of every field of every dataset, e.g. `PHYSICAL_RANGES["traffic.flow"].speedKmh`. */
export const PHYSICAL_RANGES: Readonly<Record<DatasetId, Readonly<Record<string, FieldRange>>>> = Object.fromEntries(
  DATASETS.map((d) => [d.id, Object.fromEntries(Object.entries(d.schema.fields).map(([k, f]) => [k, toRange(f)]))]),
) as Record<DatasetId, Record<string, FieldRange>>;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks reading values against the dataset's physical ranges. Returns one message per
 * problem (unknown field, missing required field, wrong type, out of range, not an integer,
 * not an allowed value, not an ISO instant); an empty array means the values are acceptable.
 */
export function checkPhysicalRanges(datasetId: DatasetId, values: Readonly<Record<string, ReadingValue>>): string[] {
  const ranges = PHYSICAL_RANGES[datasetId];
  if (!ranges) return [`unknown dataset ${datasetId}`];
  const problems: string[] = [];
  for (const [field, range] of Object.entries(ranges)) {
    if (range.required && !(field in values)) problems.push(`${field}: missing`);
  }
  for (const [field, value] of Object.entries(values)) {
    const range = ranges[field];
    if (!range) { problems.push(`${field}: not a field of ${datasetId}`); continue; }
    if (range.type === "number") {
      if (typeof value !== "number" || !Number.isFinite(value)) problems.push(`${field}: expected a finite number, got ${JSON.stringify(value)}`);
      else if (value < range.min || value > range.max) problems.push(`${field}: ${value} outside [${range.min}, ${range.max}]${range.unit ? " " + range.unit : ""}`);
      else if (range.integer && !Number.isInteger(value)) problems.push(`${field}: ${value} is not an integer`);
    } else if (range.type === "string") {
      if (typeof value !== "string") problems.push(`${field}: expected a string, got ${JSON.stringify(value)}`);
      else if (range.enum && !range.enum.includes(value)) problems.push(`${field}: ${JSON.stringify(value)} is not one of ${range.enum.join(", ")}`);
      else if (range.format === "date-time" && (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) problems.push(`${field}: ${JSON.stringify(value)} is not an ISO 8601 instant`);
    } else if (typeof value !== "boolean") {
      problems.push(`${field}: expected a boolean, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * Builds a check of the limits that depend on the device: speed at most the segment's
 * free-flow speed, flow at most 1.2 × its capacity, feeder load at most 1.1 × feeder capacity,
 * production at most the site's capacity. Returns problems as `checkPhysicalRanges` does; a
 * device the city does not know is a problem too.
 */
export function createDeviceLimitCheck(city: CityModel): (reading: { device: string; values: Readonly<Record<string, ReadingValue>> }) => string[] {
  const segments = new Map(city.network.segments.map((s) => [s.id, s]));
  const feeders = new Map(city.energy.feeders.map((f) => [f.id, f]));
  const sites = new Map(city.energy.renewables.map((r) => [r.id, r]));
  const devices = new Map(city.devices.map((d) => [d.id, d]));
  const num = (v: ReadingValue | undefined) => (typeof v === "number" ? v : undefined);
  return ({ device, values }) => {
    const d = devices.get(device);
    if (!d) return [`unknown device ${device}`];
    const problems: string[] = [];
    if (d.kind === "traffic-sensor") {
      const seg = segments.get(d.segmentId);
      const speed = num(values.speedKmh), flow = num(values.flowVehH);
      if (seg && speed !== undefined && speed > seg.freeFlowKmh) problems.push(`speedKmh: ${speed} above free-flow ${seg.freeFlowKmh}`);
      if (seg && flow !== undefined && flow > 1.2 * seg.capacityVehH) problems.push(`flowVehH: ${flow} above 1.2 × capacity ${seg.capacityVehH}`);
    } else if (d.kind === "feeder-meter") {
      const f = feeders.get(d.feederId);
      const load = num(values.loadMw);
      if (f && load !== undefined && load > 1.1 * f.capacityMw) problems.push(`loadMw: ${load} above 1.1 × capacity ${f.capacityMw}`);
    } else if (d.kind === "production-meter") {
      const s = sites.get(d.siteId);
      const p = num(values.productionMw);
      if (s && p !== undefined && p > s.capacityMw) problems.push(`productionMw: ${p} above capacity ${s.capacityMw}`);
    }
    return problems;
  };
}
