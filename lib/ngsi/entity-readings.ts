/**
 * The way in (`npm run ngsi:bridge`): NGSI-LD entities of a department's broker or file, in
 * normalized or keyValues form, as the console's readings (pure mapping, no I/O). Mapped:
 * TrafficFlowObserved → traffic.flow (averageVehicleSpeed in km/h, or m/s as MTS; intensity;
 * occupancy; refRoadSegment). Any other type, or an entity lacking what the dataset needs, is
 * skipped with the reason.
 */

/** What one entity becomes: the reading of its source device, unsigned. */
export type EntityReading = {
  entityId: string;
  datasetId: string;
  observedAt: string;
  location: [number, number];
  values: Record<string, string | number>;
  /** The road segment, when the entity names one (urn:ngsi-ld:RoadSegment:<id> or a bare id). */
  segmentId?: string;
};

/** Entity types the bridge maps, with the dataset each feeds. */
export const BRIDGED_TYPES: Record<string, string> = { TrafficFlowObserved: "traffic.flow" };

/** A member's short name: expanded IRIs (https://…/averageVehicleSpeed) as their last segment. */
const shortName = (k: string) => k.slice(Math.max(k.lastIndexOf("/"), k.lastIndexOf("#")) + 1);

type Member = { value: unknown; observedAt?: string; unitCode?: string };

/** An attribute in either form: normalized {type, value|object, observedAt, unitCode} or a bare keyValues value. */
function member(raw: unknown): Member | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) return member(raw[0]); // multi-attribute: the first (default) instance
  if (typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    if (o.type === "Property" || o.type === "GeoProperty" || o.type === "Relationship" || "value" in o || "object" in o) {
      const v = o.type === "Relationship" || ("object" in o && !("value" in o)) ? o.object : o.value;
      return { value: v, ...(typeof o.observedAt === "string" ? { observedAt: o.observedAt } : {}), ...(typeof o.unitCode === "string" ? { unitCode: o.unitCode } : {}) };
    }
  }
  return { value: raw };
}

/** A date-time value: a string, or {"@type": "DateTime", "@value": …}; an interval a/b gives its end. */
function instant(v: unknown): number | null {
  const s = typeof v === "string" ? v : typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)["@value"] === "string" ? ((v as Record<string, unknown>)["@value"] as string) : null;
  if (!s) return null;
  const end = s.includes("/") ? s.slice(s.indexOf("/") + 1) : s;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(end)) return null;
  const ms = Date.parse(end);
  return Number.isFinite(ms) ? ms : null;
}

const finite = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Maps one entity; a skip with the reason when it cannot be a reading. */
export function readingOfEntity(entity: unknown): { reading: EntityReading } | { skip: string; entityId?: string } {
  if (typeof entity !== "object" || entity === null || Array.isArray(entity)) return { skip: "an entity must be a JSON object" };
  const e: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity as Record<string, unknown>)) e[k === "@id" ? "id" : k === "@type" ? "type" : shortName(k)] = v;
  const id = typeof e.id === "string" ? e.id : undefined;
  if (!id) return { skip: "the entity has no id" };
  const type = typeof e.type === "string" ? shortName(e.type) : Array.isArray(e.type) && typeof e.type[0] === "string" ? shortName(e.type[0]) : undefined;
  const datasetId = type ? BRIDGED_TYPES[type] : undefined;
  if (!datasetId) return { skip: `type ${type ?? "(none)"} is not mapped (mapped: ${Object.keys(BRIDGED_TYPES).join(", ")})`, entityId: id };

  const loc = member(e.location)?.value as { type?: unknown; coordinates?: unknown } | undefined;
  const c = loc?.type === "Point" && Array.isArray(loc.coordinates) ? loc.coordinates : null;
  if (!c || finite(c[0]) === undefined || finite(c[1]) === undefined || Math.abs(c[0] as number) > 180 || Math.abs(c[1] as number) > 90) {
    return { skip: "location is not a GeoJSON Point [lon, lat]", entityId: id };
  }
  const speed = member(e.averageVehicleSpeed);
  const v = finite(speed?.value);
  if (v === undefined) return { skip: "averageVehicleSpeed is missing or not a number", entityId: id };
  const unit = speed?.unitCode ?? "KMH";
  if (unit !== "KMH" && unit !== "MTS") return { skip: `averageVehicleSpeed unitCode ${unit} is not KMH or MTS`, entityId: id };
  const values: Record<string, string | number> = { speedKmh: unit === "MTS" ? Math.round(v * 3.6 * 1000) / 1000 : v };
  const intensity = finite(member(e.intensity)?.value);
  if (intensity !== undefined) values.flowVehH = intensity;
  const occupancy = finite(member(e.occupancy)?.value);
  if (occupancy !== undefined) values.occupancy = occupancy;

  const t = instant(e.dateObservedTo ? member(e.dateObservedTo)?.value : undefined) ?? instant(speed?.observedAt) ?? instant(member(e.dateObserved)?.value) ?? instant(e.observedAt);
  if (t === null) return { skip: "no observation time (dateObservedTo, averageVehicleSpeed.observedAt or dateObserved)", entityId: id };

  const segRef = member(e.refRoadSegment)?.value;
  const seg = typeof segRef === "string" ? segRef.replace(/^urn:ngsi-ld:RoadSegment:/, "") : undefined;
  return {
    reading: {
      entityId: id, datasetId, observedAt: new Date(t).toISOString(), location: [c[0] as number, c[1] as number], values,
      ...(seg ? { segmentId: seg } : {}),
    },
  };
}

/** The console device id of an entity: the prefix and the id without urn:ngsi-ld:; null when that is not a valid device id. */
export function deviceIdOfEntity(entityId: string, prefix: string): string | null {
  const id = prefix + entityId.replace(/^urn:ngsi-ld:/, "");
  return /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id) && id.length <= 128 ? id : null;
}
