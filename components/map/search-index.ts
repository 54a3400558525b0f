/**
 * Search by place: districts and roads by name (Chinese and English whatever the UI
 * language), device, station and incident ids, over the public city model and the layer
 * features the map has loaded for this viewer. Pure: runs in Node for tests.
 */
import type { CitizenReportState, EnergyFeatures, IncidentState, SafetyFeatures, TrafficFeatures } from "@/lib/api/map-specs";

export type SearchKind = "district" | "road" | "incident" | "report" | "device";
export type SearchItem = {
  kind: SearchKind;
  id: string;
  /** Name in the UI language (the id for devices and incidents). */
  label: string;
  /** The other language's name, or what the device is. */
  sub: string;
  /** Lower-case strings the query is matched against. */
  keys: string[];
  /** Fly to these bounds (districts, roads) or this point (devices, incidents). */
  bbox?: [number, number, number, number];
  position?: [number, number];
  /** The feature to open in the panel (devices, incidents). */
  featureId?: string;
};

type Named = { id: string; nameZh: string; nameEn: string; bbox: [number, number, number, number] };

export type SearchSources = {
  districts?: readonly Named[];
  roads?: readonly (Named & { class?: string })[];
  traffic?: TrafficFeatures;
  energy?: EnergyFeatures;
  safety?: SafetyFeatures;
  incidents?: readonly IncidentState[] | null;
  /** The citizen layer's reports (confirmed, not yet resolved), found by report id. */
  reports?: readonly CitizenReportState[] | null;
};

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

function pathMiddle(startIndices: readonly number[], path: readonly number[], i: number): [number, number] {
  const v = Math.floor((startIndices[i] + startIndices[i + 1] - 1) / 2);
  return [path[2 * v], path[2 * v + 1]];
}

/** The searchable items; `kinds` names each device kind in the UI language. */
export function buildSearchItems(src: SearchSources, locale: string, kinds: Record<string, string>): SearchItem[] {
  const en = locale === "en";
  const out: SearchItem[] = [];
  const named = (kind: SearchKind, n: Named) =>
    out.push({ kind, id: n.id, label: en ? n.nameEn : n.nameZh, sub: en ? n.nameZh : n.nameEn, keys: [norm(n.nameZh), norm(n.nameEn), n.id.toLowerCase()], bbox: n.bbox });
  for (const d of src.districts ?? []) named("district", d);
  for (const r of src.roads ?? []) named("road", r);
  for (const i of src.incidents ?? []) {
    if (i.status === "resolved") continue;
    out.push({ kind: "incident", id: i.id, label: i.id, sub: kinds[`incident.${i.type}`] ?? i.type, keys: [i.id.toLowerCase()], position: i.position, featureId: i.id });
  }
  for (const r of src.reports ?? []) {
    out.push({ kind: "report", id: r.id, label: r.id.slice(0, 8), sub: kinds[`report.${r.serviceCode}`] ?? r.serviceCode, keys: [r.id.toLowerCase()], position: r.position, featureId: `citizen-${r.id}` });
  }
  const points = (ids: readonly string[], pos: readonly number[], kind: string) =>
    ids.forEach((id, i) => out.push({ kind: "device", id, label: id, sub: kinds[kind] ?? kind, keys: [id.toLowerCase()], position: [pos[2 * i], pos[2 * i + 1]], featureId: id }));
  const t = src.traffic;
  if (t) t.sensors.ids.forEach((id, i) => out.push({ kind: "device", id, label: id, sub: kinds["traffic-sensor"], keys: [id.toLowerCase(), t.sensors.segmentIds[i]?.toLowerCase() ?? ""], position: pathMiddle(t.sensors.startIndices, t.sensors.path, i), featureId: id }));
  const e = src.energy;
  if (e) {
    points(e.substations.ids, e.substations.position, "substation");
    e.feeders.ids.forEach((id, i) => out.push({ kind: "device", id, label: id, sub: kinds.feeder, keys: [id.toLowerCase(), e.feeders.meterIds[i]?.toLowerCase() ?? ""], position: pathMiddle(e.feeders.startIndices, e.feeders.path, i), featureId: id }));
    points(e.renewables.ids, e.renewables.position, "renewable");
  }
  const s = src.safety;
  if (s) {
    points(s.stations.ids, s.stations.position, "station");
    if (s.cameras) points(s.cameras.ids, s.cameras.position, "camera");
  }
  return out;
}

const KIND_ORDER: Record<SearchKind, number> = { district: 0, road: 1, incident: 2, report: 3, device: 4 };

/**
 * The best `limit` items for a query: an exact key first, then keys starting with the query,
 * then keys with a word starting with it, then keys containing it; within a rank districts,
 * roads, incidents, devices, then the shorter label. Empty query: nothing.
 */
export function searchItems(items: readonly SearchItem[], query: string, limit = 8): SearchItem[] {
  const q = norm(query);
  if (!q) return [];
  const scored: { item: SearchItem; rank: number }[] = [];
  for (const item of items) {
    let rank = 9;
    for (const k of item.keys) {
      if (!k) continue;
      const r = k === q ? 0 : k.startsWith(q) ? 1 : k.split(/[\s\-_·]/).some((w) => w.startsWith(q)) ? 2 : k.includes(q) ? 3 : 9;
      if (r < rank) rank = r;
    }
    if (rank < 9) scored.push({ item, rank });
  }
  scored.sort((a, b) => a.rank - b.rank || KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || a.item.label.length - b.item.label.length || (a.item.label < b.item.label ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.item);
}
