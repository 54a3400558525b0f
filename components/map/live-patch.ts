/**
 * Live map updates (the stream's `map-update` event) patched into a layer's live snapshot
 * (its /latest answer), so energy and safety change in place as traffic does, without
 * fetching the snapshot again. Pure: each returns a new snapshot sharing what did not change
 * (or the same object when nothing did), as lib/map/get-layer-latest.ts would have answered.
 */
import type { EnergyFeatures, EnergyLatest, IncidentState, LiveReading, SafetyLatest } from "@/lib/api/map-specs";
import { incidentFromPayload } from "@/lib/map/incident-state";

/** A feeder is out when its head voltage drops below this, or it carries no load (as get-layer-latest.ts). */
const OUTAGE_VOLTAGE_KV = 9.5;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
/** A granted numeric value, null when the field is withheld. */
const opt = (v: unknown): number | null => (v === undefined || v === null ? null : Number(v));

/** The newest reading per key, in leaf order. */
function newest(updates: readonly LiveReading[]): LiveReading[] {
  const by = new Map<string, LiveReading>();
  for (const u of updates) {
    const cur = by.get(u.key);
    if (!cur || u.leafIndex > cur.leafIndex) by.set(u.key, u);
  }
  return [...by.values()].sort((a, b) => a.leafIndex - b.leafIndex);
}

/** A columnar set of a snapshot: ids with parallel columns, each row as of one reading. */
type Columns = { ids: string[]; observedAt: string[]; leafIndex: number[] };

/**
 * The row of `id` that reading `u` updates in a columnar set, its observedAt and leafIndex
 * already set to the reading's; null when the row holds that reading or a newer one. An id
 * not in the set yet is appended, null in each of `valueColumns` until the caller fills them.
 */
function rowFor<T extends Columns>(set: T, valueColumns: readonly (keyof T)[], id: string, u: LiveReading): number | null {
  let k = set.ids.indexOf(id);
  if (k < 0) {
    k = set.ids.push(id) - 1;
    for (const c of valueColumns) (set[c] as unknown[]).push(null);
    set.observedAt.push(u.observedAt);
    set.leafIndex.push(-1);
  }
  if (set.leafIndex[k] >= u.leafIndex) return null;
  set.observedAt[k] = u.observedAt;
  set.leafIndex[k] = u.leafIndex;
  return k;
}

/** Feeders, renewables, outages, substations and cells after the energy readings. */
export function patchEnergy(latest: EnergyLatest, f: EnergyFeatures, updates: readonly LiveReading[]): EnergyLatest {
  if (!updates.length) return latest;
  const feederOf = new Map(f.feeders.meterIds.map((m, i) => [m, i]));
  const siteOf = new Map(f.renewables.meterIds.map((m, i) => [m, i]));
  const feeders = structuredClone(latest.feeders);
  const renewables = structuredClone(latest.renewables);
  const outages = new Set(latest.outages);
  const cellLoad = new Map(latest.cells.ids.map((id, k) => [id, latest.cells.loadMw[k]]));
  let changed = false;
  for (const u of newest(updates)) {
    const fi = feederOf.get(u.device);
    if (fi !== undefined) {
      const id = f.feeders.ids[fi];
      const k = rowFor(feeders, ["loadMw", "utilisation", "voltageKv"], id, u);
      if (k === null) continue;
      const before = feeders.loadMw[k];
      const load = opt(u.values.loadMw), voltage = opt(u.values.voltageKv);
      feeders.loadMw[k] = load;
      feeders.utilisation[k] = opt(u.values.utilisation);
      feeders.voltageKv[k] = voltage;
      if ((load !== null && load <= 0) || (voltage !== null && voltage < OUTAGE_VOLTAGE_KV)) outages.add(id);
      else outages.delete(id);
      // The feeder's load is spread over its cells by share: move each by the change.
      for (const [cell, share] of u.cellShares ?? []) cellLoad.set(cell, (cellLoad.get(cell) ?? 0) + ((load ?? 0) - (before ?? 0)) * share);
      changed = true;
      continue;
    }
    const ri = siteOf.get(u.device);
    if (ri === undefined) continue;
    const k = rowFor(renewables, ["productionMw", "capacityFactor"], f.renewables.ids[ri], u);
    if (k === null) continue;
    renewables.productionMw[k] = opt(u.values.productionMw);
    renewables.capacityFactor[k] = opt(u.values.capacityFactor);
    changed = true;
  }
  if (!changed) return latest;
  // Substations: the sum of their reporting feeders' loads over their capacity.
  const subOf = new Map(f.feeders.ids.map((id, i) => [id, f.feeders.substationIds[i]]));
  const load = new Map<string, number>(), count = new Map<string, number>();
  feeders.ids.forEach((id, k) => {
    const s = subOf.get(id), l = feeders.loadMw[k];
    if (s === undefined || l === null) return;
    load.set(s, (load.get(s) ?? 0) + l);
    count.set(s, (count.get(s) ?? 0) + 1);
  });
  const substations: EnergyLatest["substations"] = { ids: [], loadMw: [], utilisation: [], feedersReporting: [] };
  f.substations.ids.forEach((id, s) => {
    if (!count.get(id)) return;
    substations.ids.push(id);
    substations.loadMw.push(r3(load.get(id)!));
    substations.utilisation.push(r3(load.get(id)! / f.substations.capacityMw[s]));
    substations.feedersReporting.push(count.get(id)!);
  });
  const cells: EnergyLatest["cells"] = { ids: [], loadMw: [] };
  for (const [id, l] of cellLoad) {
    cells.ids.push(id);
    cells.loadMw.push(r3(l));
  }
  return { ...latest, feeders, renewables, substations, cells, outages: [...outages] };
}

/** An incident reading as the map shows it (as the server's latest values); null when it is not one. */
export const incidentOf = (u: LiveReading): IncidentState | null => incidentFromPayload(u.values, u.location, u.observedAt, u.leafIndex);

/** Incidents after the readings: each replaced by a newer reading of it, new ones added; `keep` says which the layer shows. */
export function patchIncidents(list: IncidentState[], updates: readonly LiveReading[], keep: (x: IncidentState) => boolean = () => true): IncidentState[] {
  const by = new Map(list.map((x) => [x.id, x]));
  let changed = false;
  for (const u of updates) {
    const x = incidentOf(u);
    if (!x) continue;
    const cur = by.get(x.id);
    if (cur && cur.leafIndex >= x.leafIndex) continue;
    changed = true;
    if (keep(x)) by.set(x.id, x);
    else by.delete(x.id);
  }
  return changed ? [...by.values()].sort((a, b) => (a.id < b.id ? -1 : 1)) : list;
}

/** Cameras and incidents after the readings. */
export function patchSafety(latest: SafetyLatest, cameras: readonly LiveReading[], incidents: readonly LiveReading[]): SafetyLatest {
  let out = latest;
  if (latest.incidents && incidents.length) {
    const next = patchIncidents(latest.incidents, incidents, () => true);
    if (next !== latest.incidents) out = { ...out, incidents: next };
  }
  if (latest.cameras && cameras.length) {
    const c = structuredClone(latest.cameras);
    let changed = false;
    for (const u of newest(cameras)) {
      const k = rowFor(c, ["online", "alert", "vehiclesPerMin", "pedestriansPerMin"], u.device, u);
      if (k === null) continue;
      c.online[k] = typeof u.values.online === "boolean" ? u.values.online : null;
      c.alert[k] = typeof u.values.alert === "string" ? u.values.alert : null;
      c.vehiclesPerMin[k] = opt(u.values.vehiclesPerMin);
      c.pedestriansPerMin[k] = opt(u.values.pedestriansPerMin);
      changed = true;
    }
    if (changed) out = { ...out, cameras: c };
  }
  return out;
}

/** The incidents the traffic layer shows: those blocking lanes, not resolved (as get-layer-latest.ts). */
export const blocksTraffic = (x: IncidentState) => x.lanesBlocked > 0 && x.status !== "resolved";
