import type { Device } from "../city/types";
import type { ScopedCells } from "../api/map-specs";
import type { LatestRow } from "../access/scoped/map-latest";

/**
 * The console's datasets as FIWARE Smart Data Models entities (pure mapping, no I/O):
 * - traffic.flow → TrafficFlowObserved, one per sensor (dataModel.Transportation)
 * - safety.incidents → Alert, one per incident (dataModel.Alert)
 * - energy.load feeder meters → ACMeasurement, one per feeder head (dataModel.Energy): the
 *   model for an AC power measurement of a three-phase circuit, i.e. a feeder's load
 * - safety.cameras → Camera (dataModel.Device): `on` is the camera's state; counts and the
 *   video-analytics alert are the console's own attributes
 * - every device of a readable dataset → Device (dataModel.Device)
 * Under an anonymized or aggregated grant there are no per-device entities: the cells the
 * scoped read returns (0.01° grid points, or hexagons over at least k devices) become entities
 * `urn:ngsi-ld:<Type>:cell-<cell>` with the means, `scope` and `aggregatedDevices`; Alert and
 * Device are served under raw access only (an incident or a device is one identifiable thing).
 */
export const ENTITY_TYPES = ["TrafficFlowObserved", "Alert", "ACMeasurement", "Camera", "Device"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** The dataset each type maps (Device: the devices of every dataset but citizen reports). */
export const TYPE_DATASET: Record<Exclude<EntityType, "Device">, string> = {
  TrafficFlowObserved: "traffic.flow",
  Alert: "safety.incidents",
  ACMeasurement: "energy.load",
  Camera: "safety.cameras",
};
export const DEVICE_DATASETS = ["traffic.flow", "energy.load", "safety.cameras", "safety.incidents"] as const;

export type Attr = {
  kind: "Property" | "Relationship" | "GeoProperty";
  value: unknown;
  observedAt?: string;
  unitCode?: string;
};
/** An entity before it is put in one of the NGSI-LD forms. */
export type Entity = { id: string; type: EntityType; datasetId: string; location: [number, number]; attrs: Record<string, Attr> };

export const urn = (type: string, local: string) => `urn:ngsi-ld:${type}:${local}`;
const DEPT_PROVIDER = (department: string) => `city-brain:${department}`;

/** The type and local id of an entity id, or null when it is not urn:ngsi-ld:<Type>:<id> of a served type. */
export function parseEntityId(id: string): { type: EntityType; local: string } | null {
  const m = /^urn:ngsi-ld:([A-Za-z]+):(.+)$/.exec(id);
  if (!m || !(ENTITY_TYPES as readonly string[]).includes(m[1])) return null;
  return { type: m[1] as EntityType, local: m[2] };
}

const prop = (value: unknown, observedAt?: string, unitCode?: string): Attr | undefined =>
  value === undefined || value === null ? undefined : { kind: "Property", value, ...(observedAt ? { observedAt } : {}), ...(unitCode ? { unitCode } : {}) };
const rel = (object: string | string[] | undefined): Attr | undefined => (object === undefined ? undefined : { kind: "Relationship", value: object });
const clean = (a: Record<string, Attr | undefined>): Record<string, Attr> =>
  Object.fromEntries(Object.entries(a).filter((e): e is [string, Attr] => e[1] !== undefined));
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Incident type → Alert category and subCategory (the models' enums; no subCategory fits crime). */
const ALERT_CATEGORY: Record<string, { category: string; subCategory?: string }> = {
  accident: { category: "traffic", subCategory: "carAccident" },
  hazard: { category: "traffic", subCategory: "hazardOnRoad" },
  fire: { category: "security", subCategory: "buildingFire" },
  crime: { category: "security" },
};
/** Severity 1 (worst) … 3 → Alert severity. */
const ALERT_SEVERITY: Record<number, string> = { 1: "critical", 2: "high", 3: "medium" };

/** One entity from the newest reading of a device (or incident) under raw access. */
export function entityFromRow(type: Exclude<EntityType, "Device">, row: LatestRow, ownerDepartment: string, device?: Device): Entity | null {
  const at = row.observed_at.toISOString();
  const p = row.payload;
  const location: [number, number] = [row.lon, row.lat];
  const base = { type, datasetId: TYPE_DATASET[type], location };
  const common = { location: { kind: "GeoProperty", value: { type: "Point", coordinates: location } } as Attr, dataProvider: prop(DEPT_PROVIDER(ownerDepartment)) };
  if (type === "TrafficFlowObserved") {
    return {
      ...base, id: urn(type, row.device_id),
      attrs: clean({
        ...common,
        dateObserved: prop(at),
        averageVehicleSpeed: prop(num(p.speedKmh), at, "KMH"),
        intensity: prop(num(p.flowVehH), at),
        occupancy: prop(num(p.occupancy), at, "C62"),
        refRoadSegment: rel(str(p.segmentId) && urn("RoadSegment", str(p.segmentId)!)),
      }),
    };
  }
  if (type === "Alert") {
    const cat = ALERT_CATEGORY[str(p.type) ?? ""];
    const sev = num(p.severity);
    return {
      ...base, id: urn(type, row.key),
      attrs: clean({
        ...common,
        dateObserved: prop(at),
        alertSource: rel(urn("Device", row.device_id)),
        category: prop(cat?.category),
        subCategory: prop(cat?.subCategory),
        incidentType: prop(str(p.type)),
        severity: prop(sev === undefined ? undefined : ALERT_SEVERITY[sev]),
        dateIssued: prop(str(p.startedAt)),
        validFrom: prop(str(p.startedAt)),
        validTo: prop(str(p.endedAt)),
        incidentStatus: prop(str(p.status), at),
        lanesBlocked: prop(num(p.lanesBlocked), at),
        roadSegment: rel(str(p.segmentId) && urn("RoadSegment", str(p.segmentId)!)),
      }),
    };
  }
  if (type === "ACMeasurement") {
    if (device && device.kind !== "feeder-meter") return null;
    if (!device && p.meter !== "feeder") return null;
    return {
      ...base, id: urn(type, row.device_id),
      attrs: clean({
        ...common,
        dateObserved: prop(at),
        phaseType: prop("threePhase"),
        totalActivePower: prop(num(p.loadMw), at, "MAW"),
        utilisation: prop(num(p.utilisation), at, "C62"),
        voltageKv: prop(num(p.voltageKv), at, "KVT"),
        refDevice: prop([urn("Device", row.device_id)]),
        feeder: prop(device?.kind === "feeder-meter" ? device.feederId : undefined),
      }),
    };
  }
  return {
    ...base, id: urn(type, row.device_id),
    attrs: clean({
      ...common,
      dateObserved: prop(at),
      cameraUsage: prop("TRAFFIC"),
      on: prop(typeof p.online === "boolean" ? p.online : undefined, at),
      vehiclesPerMin: prop(num(p.vehiclesPerMin), at),
      pedestriansPerMin: prop(num(p.pedestriansPerMin), at),
      videoAlert: prop(str(p.alert), at),
      headingDeg: prop(device?.kind === "camera" ? device.headingDeg : undefined),
    }),
  };
}

/** Field of a dataset's cells → attribute of its type, with unit code. */
const CELL_ATTRS: Record<string, Record<string, [string, string?]>> = {
  TrafficFlowObserved: { speedKmh: ["averageVehicleSpeed", "KMH"], flowVehH: ["intensity"], occupancy: ["occupancy", "C62"] },
  ACMeasurement: { loadMw: ["totalActivePower", "MAW"], utilisation: ["utilisation", "C62"], voltageKv: ["voltageKv", "KVT"] },
  Camera: { vehiclesPerMin: ["vehiclesPerMin"], pedestriansPerMin: ["pedestriansPerMin"], online: ["onlineShare", "C62"] },
};

/** Entities of the cells an anonymized or aggregated read returned (suppressed cells left out). */
export function entitiesFromCells(type: "TrafficFlowObserved" | "ACMeasurement" | "Camera", cells: ScopedCells, observedAt: Date, ownerDepartment: string): Entity[] {
  const at = observedAt.toISOString();
  const out: Entity[] = [];
  cells.ids.forEach((cell, i) => {
    if (cells.suppressed[i]) return;
    const location: [number, number] = [cells.position[2 * i], cells.position[2 * i + 1]];
    const attrs: Record<string, Attr | undefined> = {
      location: { kind: "GeoProperty", value: { type: "Point", coordinates: location } },
      dataProvider: prop(DEPT_PROVIDER(ownerDepartment)),
      dateObserved: prop(at),
      scope: prop(cells.scope),
      aggregatedDevices: prop(cells.devices[i] ?? undefined),
      ...(type === "ACMeasurement" ? { phaseType: prop("threePhase") } : {}),
    };
    for (const f of cells.fields) {
      const m = CELL_ATTRS[type]?.[f.key];
      if (m) attrs[m[0]] = prop(f.values[i] ?? undefined, at, m[1]);
    }
    out.push({ id: urn(type, `cell-${cell.replace(/[^A-Za-z0-9._-]/g, "_")}`), type, datasetId: TYPE_DATASET[type], location, attrs: clean(attrs) });
  });
  return out;
}

/** What each kind of device observes (dataModel.Device controlledProperty enum) and its category. */
const DEVICE_KIND: Record<Device["kind"], { controlledProperty: string[]; deviceCategory?: string[] }> = {
  "traffic-sensor": { controlledProperty: ["trafficFlow", "speed", "occupancy"], deviceCategory: ["sensor"] },
  "feeder-meter": { controlledProperty: ["power"], deviceCategory: ["meter"] },
  "production-meter": { controlledProperty: ["power", "energy"], deviceCategory: ["meter"] },
  camera: { controlledProperty: ["trafficFlow", "motion"], deviceCategory: ["multimedia"] },
  "dispatch-terminal": { controlledProperty: ["location"] },
};

/** A device of the city as a Device entity (raw access to its dataset only). */
export function deviceEntity(d: Device, opts: { status?: string; lastReported?: Date }): Entity {
  const k = DEVICE_KIND[d.kind];
  return {
    id: urn("Device", d.id),
    type: "Device",
    datasetId: d.datasetId,
    location: d.location,
    attrs: clean({
      location: { kind: "GeoProperty", value: { type: "Point", coordinates: d.location } },
      name: prop(d.id),
      dataProvider: prop(DEPT_PROVIDER(d.departmentId)),
      controlledProperty: prop(k.controlledProperty),
      deviceCategory: prop(k.deviceCategory),
      deviceState: prop(opts.status),
      dateLastValueReported: prop(opts.lastReported?.toISOString()),
      dataset: prop(d.datasetId),
    }),
  };
}

/** The NGSI-LD forms of an entity. `attrs` (null: all) picks the attributes shown. */
export function normalized(e: Entity, attrs: string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type };
  for (const [k, a] of Object.entries(e.attrs)) {
    if (attrs && !attrs.includes(k)) continue;
    out[k] = a.kind === "Relationship"
      ? { type: "Relationship", object: a.value, ...(a.observedAt ? { observedAt: a.observedAt } : {}) }
      : { type: a.kind, value: a.value, ...(a.observedAt ? { observedAt: a.observedAt } : {}), ...(a.unitCode ? { unitCode: a.unitCode } : {}) };
  }
  return out;
}

export function keyValues(e: Entity, attrs: string[] | null): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type };
  for (const [k, a] of Object.entries(e.attrs)) if (!attrs || attrs.includes(k)) out[k] = a.value;
  return out;
}
