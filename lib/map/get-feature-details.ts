import type { Viewer } from "../access/viewer";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import { DEPARTMENTS, DATASETS, datasetById } from "../city";
import type { CityModel, DepartmentId, LonLat } from "../city/types";
import { AppError, notFound } from "../errors";
import type { AccessNote, FeatureDetails } from "../api/map-specs";
import type { ReadBasis } from "../access/check-read";
import { withinArea } from "../access/scope-sql";
import { rollupColumns, withheldFields, type RollupColumn } from "../access/scoped/map-basis";
import { scopedDeviceLatest, scopedDeviceSeries, scopedIncidentLatest } from "../access/scoped/map-details";
import { layerAccess } from "./access-notes";
import { refreshRollup } from "./rollup";
import { trafficSet } from "./registry-sensors";
import { bucketWindow, resolveWindow } from "./time-window";

const SERIES_DEFAULT_SPAN_MS = 24 * 3_600_000;
const SERIES_MAX_SPAN_MS = 7 * 24 * 3_600_000;

type Kind = FeatureDetails["kind"];
type Fact = FeatureDetails["facts"][number];
/** A bucket's rollup sums of a device (or several): n readings and the dataset's columns, NaN where withheld. */
type Sums = { n: number } & Partial<Record<RollupColumn, number>>;
/** The mean of a rollup column over the bucket's readings. */
const mean = (col: RollupColumn) => (s: Sums) => (s[col] ?? Number.NaN) / s.n;
type SeriesField = { key: string; unit: string; of: (s: Sums) => number };

/** What a feature is, before any reading: static facts from the city model. */
type Resolved = {
  id: string;
  kind: Kind;
  nameZh: string;
  nameEn: string;
  departmentId: DepartmentId;
  datasetId: string | null;
  position: LonLat;
  facts: Fact[];
  /** Meter or sensor whose readings describe it. */
  devices: string[];
  /** Series fields over map_bucket_5m sums (n = readings); summed over devices when several. */
  series: SeriesField[];
  sumDevices?: boolean;
};

const mid = (path: readonly LonLat[]): LonLat => path[Math.floor(path.length / 2)];

/** A fact naming a district, with the district's name in both languages. */
function districtFact(city: CityModel, id: string): Fact {
  const d = city.districts.find((x) => x.id === id);
  return d ? { key: "district", value: id, nameZh: d.nameZh, nameEn: d.nameEn } : { key: "district", value: id };
}

/** A traffic sensor on a segment of the city model: one of the model's, or a registered device placed on it (lib/map/registry-sensors). */
function trafficSensor(city: CityModel, d: { id: string; departmentId: DepartmentId; datasetId: string; location: LonLat; segmentId: string }): Resolved | null {
  const seg = city.network.segments.find((s) => s.id === d.segmentId);
  if (!seg) return null;
  return {
    id: d.id, kind: "traffic-sensor",
    nameZh: seg.nameZh ?? "支路", nameEn: seg.nameEn ?? seg.nameZh ?? "Local street",
    departmentId: d.departmentId, datasetId: d.datasetId, position: d.location,
    facts: [
      { key: "segment", value: seg.id }, { key: "roadClass", value: seg.class }, { key: "lanes", value: seg.lanes },
      { key: "freeFlow", value: seg.freeFlowKmh, unit: "km/h" }, { key: "capacity", value: seg.capacityVehH, unit: "veh/h" },
      { key: "length", value: Math.round(seg.lengthM), unit: "m" }, districtFact(city, seg.districtId),
    ],
    devices: [d.id],
    series: [
      { key: "speedKmh", unit: "km/h", of: mean("speed_kmh_sum") },
      { key: "ratio", unit: "1", of: mean("speed_ratio_sum") },
      { key: "flowVehH", unit: "veh/h", of: mean("flow_veh_h_sum") },
      { key: "occupancy", unit: "1", of: mean("occupancy_sum") },
    ],
  };
}

function resolve(city: CityModel, id: string): Resolved | null {
  const prefix = id.slice(0, id.indexOf("-"));
  const traffic = (deviceId: string): Resolved | null => {
    const d = city.devices.find((x) => x.id === deviceId);
    if (!d || d.kind !== "traffic-sensor") return null;
    return trafficSensor(city, d);
  };
  switch (prefix) {
    case "trf":
      return traffic(id);
    case "fdr":
    case "fdm": {
      const meter = prefix === "fdm" ? city.devices.find((d) => d.id === id) : city.devices.find((d) => d.kind === "feeder-meter" && d.feederId === id);
      if (!meter || meter.kind !== "feeder-meter") return null;
      const f = city.energy.feeders.find((x) => x.id === meter.feederId);
      const sub = city.energy.substations.find((s) => s.id === f?.substationId);
      if (!f || !sub) return null;
      const n = f.id.replace(/^fdr-0*/, "");
      return {
        id, kind: "feeder", nameZh: `${sub.nameZh} ${n}号馈线`, nameEn: `Feeder ${n}, ${sub.nameEn}`,
        departmentId: meter.departmentId, datasetId: meter.datasetId, position: mid(f.geometry),
        facts: [
          { key: "substation", value: sub.id, nameZh: sub.nameZh, nameEn: sub.nameEn }, { key: "capacity", value: f.capacityMw, unit: "MW" }, { key: "profile", value: f.profile },
          { key: "length", value: Math.round(f.lengthM), unit: "m" }, { key: "meter", value: meter.id },
        ],
        devices: [meter.id],
        series: [
          { key: "loadMw", unit: "MW", of: mean("load_mw_sum") },
          { key: "utilisation", unit: "1", of: mean("utilisation_sum") },
          { key: "voltageKv", unit: "kV", of: mean("voltage_kv_sum") },
        ],
      };
    }
    case "sub": {
      const s = city.energy.substations.find((x) => x.id === id);
      if (!s) return null;
      const feeders = city.energy.feeders.filter((f) => f.substationId === s.id).map((f) => f.id);
      const meters = city.devices.filter((d) => d.kind === "feeder-meter" && d.substationId === s.id).map((d) => d.id);
      return {
        id, kind: "substation", nameZh: s.nameZh, nameEn: s.nameEn, departmentId: "energy", datasetId: "energy.load", position: s.location,
        facts: [
          { key: "capacity", value: s.capacityMw, unit: "MW" }, { key: "voltage", value: s.voltageKv, unit: "kV" },
          { key: "feeders", value: feeders.length }, districtFact(city, s.districtId),
        ],
        devices: meters,
        series: [{ key: "loadMw", unit: "MW", of: mean("load_mw_sum") }],
        sumDevices: true,
      };
    }
    case "ren":
    case "prm": {
      const meter = prefix === "prm" ? city.devices.find((d) => d.id === id) : city.devices.find((d) => d.kind === "production-meter" && d.siteId === id);
      if (!meter || meter.kind !== "production-meter") return null;
      const site = city.energy.renewables.find((r) => r.id === meter.siteId);
      if (!site) return null;
      return {
        id, kind: "renewable", nameZh: site.nameZh, nameEn: site.nameEn, departmentId: meter.departmentId, datasetId: meter.datasetId, position: site.location,
        facts: [{ key: "source", value: site.kind }, { key: "capacity", value: site.capacityMw, unit: "MW" }, { key: "offshore", value: site.offshore }, { key: "meter", value: meter.id }],
        devices: [meter.id],
        series: [
          { key: "productionMw", unit: "MW", of: mean("production_mw_sum") },
          { key: "capacityFactor", unit: "1", of: mean("capacity_factor_sum") },
        ],
      };
    }
    case "cam": {
      const d = city.devices.find((x) => x.id === id);
      if (!d || d.kind !== "camera") return null;
      const seg = city.network.segments.find((s) => s.id === d.segmentId);
      return {
        id, kind: "camera", nameZh: `${seg?.nameZh ?? "支路"}摄像机`, nameEn: `Camera on ${seg?.nameEn ?? seg?.nameZh ?? "a local street"}`,
        departmentId: d.departmentId, datasetId: d.datasetId, position: d.location,
        facts: [{ key: "segment", value: d.segmentId }, { key: "heading", value: Math.round(d.headingDeg), unit: "°" }, districtFact(city, d.districtId)],
        devices: [d.id],
        series: [
          { key: "vehiclesPerMin", unit: "veh/min", of: mean("vehicles_per_min_sum") },
          { key: "pedestriansPerMin", unit: "1/min", of: mean("pedestrians_per_min_sum") },
          { key: "online", unit: "1", of: mean("online_count") },
        ],
      };
    }
    case "pol":
    case "fire": {
      const s = [...city.safety.policeStations, ...city.safety.fireStations].find((x) => x.id === id);
      if (!s) return null;
      return {
        id, kind: "station", nameZh: s.nameZh, nameEn: s.nameEn, departmentId: s.departmentId, datasetId: null, position: s.location,
        facts: [{ key: "stationKind", value: s.kind }, districtFact(city, s.districtId), { key: "node", value: s.nodeId }],
        devices: [], series: [],
      };
    }
    case "n": {
      const n = city.network.nodes.find((x) => x.id === id);
      if (!n) return null;
      return {
        id, kind: "signal", nameZh: "信号灯路口", nameEn: "Signalised intersection", departmentId: "traffic", datasetId: null, position: n.location,
        facts: [{ key: "signalised", value: n.signalised }, { key: "degree", value: n.degree }, { key: "interchange", value: n.interchange }],
        devices: [], series: [],
      };
    }
    default:
      return null;
  }
}

/** The payload field a series is computed from (ratio: from the speed). */
const seriesField = (key: string) => (key === "ratio" ? "speedKmh" : key);

async function series(sql: Sql, r: Resolved, basis: ReadBasis, from: Date, to: Date, bucketS: number, count: number): Promise<FeatureDetails["series"]> {
  const withheld = new Set(withheldFields(basis));
  const wanted = r.series.filter((f) => !withheld.has(seriesField(f.key)));
  if (wanted.length === 0 || r.devices.length === 0) return null;
  const rows = await scopedDeviceSeries(sql, basis, r.devices, { from, to, bucketS });
  r = { ...r, series: wanted };
  const first = from.getTime() / 1000 / bucketS;
  const fields = r.series.map((f) => ({ key: f.key, unit: f.unit, values: new Array<number | null>(count).fill(null) }));
  for (const row of rows) {
    const b = Math.round(Number(row.bb) - first);
    if (b < 0 || b >= count) continue;
    const n = (v: number | null) => (v === null ? Number.NaN : Number(v));
    const sums: Sums = { n: Number(row.n) };
    for (const c of rollupColumns(basis.datasetId)) sums[c] = n(row[c] ?? null);
    r.series.forEach((f, i) => {
      const v = f.of(sums);
      if (!Number.isFinite(v)) return;
      // Several devices (a substation's feeders): the sum of their means.
      fields[i].values[b] = r.sumDevices ? (fields[i].values[b] ?? 0) + v : v;
    });
  }
  for (const f of fields) f.values = f.values.map((v) => (v === null ? null : Math.round(v * 1000) / 1000));
  return { from: from.toISOString(), to: to.toISOString(), bucketS, fields };
}

/**
 * One feature of the map: what it is (from the city model), who owns it, its latest
 * reading with the reading's ledger leaf (for its provenance page), and a time series of
 * per-bucket means from the rollup, as the viewer's basis allows (lib/access/scoped/map-details):
 * only the granted fields (the others are listed as withheld), only readings inside the
 * grant's data window. 404 for an id the city does not have; 403 when the viewer may not
 * read the feature's dataset raw (anonymized and aggregated grants show cells, not devices)
 * or the feature lies outside the grant's area.
 */
export async function getFeatureDetails(opts: { viewer: Viewer; id: string; from?: string; to?: string; bucket: number }): Promise<FeatureDetails> {
  const city = getCity();
  const w = resolveWindow(opts, { defaultSpanMs: SERIES_DEFAULT_SPAN_MS, maxSpanMs: SERIES_MAX_SPAN_MS });
  const { from, count } = bucketWindow(w, opts.bucket);
  const isIncident = opts.id.startsWith("inc-");
  const db = await getDb();
  let r = isIncident ? null : resolve(city, opts.id);
  if (!isIncident && !r) {
    // A registered traffic device the map draws on a segment of the city (readings:replay, ngsi:bridge).
    const reg = (await trafficSet(db.sql, city)).registry.find((x) => x.id === opts.id);
    const dataset = datasetById("traffic.flow")!;
    if (reg) r = trafficSensor(city, { id: reg.id, departmentId: dataset.departmentId, datasetId: dataset.id, location: reg.location, segmentId: reg.segmentId });
  }
  if (!isIncident && !r) throw notFound("feature", opts.id);
  const datasetId = isIncident ? "safety.incidents" : r!.datasetId;
  let notes: AccessNote[] = [];
  let basis: ReadBasis | undefined;
  if (datasetId) {
    const access = await layerAccess(db.sql, opts.viewer, [datasetId], { require: true });
    notes = access.notes;
    basis = access.basis(datasetId)!;
    if (basis.scope !== "raw") {
      throw new AppError(
        "forbidden",
        `feature details of ${opts.id} need raw access to ${datasetId}; the viewer holds ${basis.scope}`,
        `A feature's details show one device's readings; your department holds ${basis.scope} access to ${datasetId}${basis.grantId ? ` (grant ${basis.grantId})` : ""}, which the map draws as cells`,
        { scope: basis.scope },
      );
    }
    if (r && basis.area && !withinArea(r.position, basis.area)) {
      throw new AppError("forbidden", `${opts.id} lies outside the area of grant ${basis.grantId}`, `${opts.id} lies outside the area your department's grant ${basis.grantId} covers`, { code: "outside_area" });
    }
    await access.record(db.sql, datasetId, { action: "map.feature", count: 1, from, until: w.to });
  }
  if (opts.to === undefined) await refreshRollup(db.sql, city);
  const dept = (id: string) => DEPARTMENTS.find((d) => d.id === id)!;

  if (isIncident) {
    // The incident's newest reading at `to` decides its state, with the granted fields only.
    const row = await scopedIncidentLatest(db.sql, basis!, opts.id, w.to);
    if (!row) throw notFound("feature", opts.id);
    const payload = row.payload as Record<string, string | number | boolean>;
    const fact = (key: string, field = key) => (payload[field] === undefined ? [] : [{ key, value: payload[field] }]);
    const type = String(payload.type ?? "");
    const owner = DATASETS.find((d) => d.id === "safety.incidents")!.departmentId;
    return {
      id: opts.id, kind: "incident",
      nameZh: ({ accident: "交通事故", fire: "火情", crime: "治安事件", hazard: "道路险情" } as Record<string, string>)[type] ?? "事件",
      nameEn: ({ accident: "Traffic accident", fire: "Fire", crime: "Crime", hazard: "Road hazard" } as Record<string, string>)[type] ?? "Incident",
      departmentId: owner, departmentZh: dept(owner).nameZh, departmentEn: dept(owner).nameEn, datasetId: "safety.incidents",
      position: [row.lon, row.lat],
      facts: [
        ...fact("type"), ...fact("severity"), ...fact("status"), ...fact("startedAt"), ...fact("endedAt"), ...fact("lanesBlocked"),
        ...fact("segment", "segmentId"), { key: "reporter", value: row.device_id },
      ],
      latest: { device: row.device_id, observedAt: row.observed_at.toISOString(), leafIndex: row.leaf_index, values: payload },
      series: null,
      withheld: withheldFields(basis!),
      access: notes,
    };
  }

  const f = r!;
  let latest: FeatureDetails["latest"] = null;
  if (basis && f.devices.length === 1) {
    // The device's newest reading at `to` (the rollup's latest row when live).
    const row = await scopedDeviceLatest(db.sql, basis, f.devices[0], w.to, opts.to === undefined);
    if (row) {
      latest = {
        device: row.device_id,
        observedAt: row.observed_at.toISOString(),
        leafIndex: row.leaf_index,
        values: row.payload as Record<string, string | number | boolean>,
      };
    }
  }
  const d = dept(f.departmentId);
  return {
    id: f.id, kind: f.kind, nameZh: f.nameZh, nameEn: f.nameEn,
    departmentId: f.departmentId, departmentZh: d.nameZh, departmentEn: d.nameEn,
    datasetId, position: f.position, facts: f.facts, latest,
    series: basis ? await series(db.sql, f, basis, from, w.to, opts.bucket, count) : null,
    withheld: basis ? withheldFields(basis) : [],
    access: notes,
  };
}
