/**
 * Public safety services: a police bureau per district, police stations and fire and rescue
 * stations spread by area, each at a road junction and named after a nearby road.
 */
import { districtDef, numeralZh } from "./names";
import type { PlacementContext } from "./placement-context";
import type { Rng } from "./random";
import type { DistrictId, SafetyServices, SafetyStation, StationKind } from "./types";

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** Builds police and fire stations. */
export function buildSafety(ctx: PlacementContext, rng: Rng, cityNameZh: string, cityNameEn: string): SafetyServices {
  const { land, network, build, districts } = ctx;
  const usedNodes = new Set<number>();
  const usedNames = new Set<string>();

  /** The stem of a named road at a node, for station names. */
  const stemAt = (node: number): [string, string] | null => {
    for (const k of ctx.incident[node]) {
      const name = build.roadNames.get(network.segments[k].roadId);
      if (name && network.segments[k].class !== "expressway") return [name.stemZh, name.stemEn];
    }
    return null;
  };

  const place = (districtId: DistrictId, kind: StationKind, spacingM: number, list: SafetyStation[], idPrefix: string) => {
    const shape = districts.find((d) => d.id === districtId)!;
    // Candidate junctions in the district: the bureau takes the one nearest the district's
    // centre, stations spread out greedily over a shuffled list.
    const inDistrict = network.nodes.map((_, i) => i).filter((i) => {
      const p = build.nodeXY[i];
      return ctx.nodeClass[i] !== "local" && ctx.nodeClass[i] !== "expressway" && land.districtAt(p[0], p[1]) === districtId;
    });
    const toLabel = (i: number) => Math.hypot(build.nodeXY[i][0] - shape.label[0], build.nodeXY[i][1] - shape.label[1]);
    const candidates = kind === "police-bureau" ? inDistrict.sort((a, b) => toLabel(a) - toLabel(b) || a - b) : rng.shuffle(inDistrict);
    const target = kind === "police-bureau" ? 1 : Math.max(1, Math.round(shape.areaM2 / (spacingM * spacingM)));
    const chosen: number[] = [];
    for (const i of candidates) {
      if (chosen.length >= target) break;
      if (usedNodes.has(i)) continue;
      const p = build.nodeXY[i];
      const minGap = spacingM * 0.6;
      if (list.some((s) => { if (s.districtId !== districtId) return false; const q = build.nodeXY[ctx.nodeIndexById.get(s.nodeId)!]; return Math.hypot(q[0] - p[0], q[1] - p[1]) < minGap; })) continue;
      if (chosen.some((c) => Math.hypot(build.nodeXY[c][0] - p[0], build.nodeXY[c][1] - p[1]) < minGap)) continue;
      chosen.push(i);
      usedNodes.add(i);
      const def = districtDef(districtId);
      const stem = stemAt(i) ?? [def.shortZh, def.shortEn];
      let nameZh: string, nameEn: string;
      const suffix = kind === "fire-station" ? ["消防救援站", "Fire and Rescue Station"] : ["派出所", "Police Station"];
      nameZh = `${stem[0]}${suffix[0]}`;
      nameEn = `${stem[1]} ${suffix[1]}`;
      for (let n = 2; usedNames.has(nameZh); n++) {
        nameZh = `${stem[0]}${numeralZh(n)}${suffix[0]}`;
        nameEn = `${stem[1]} ${suffix[1]} ${n}`;
      }
      usedNames.add(nameZh);
      list.push({
        id: `${idPrefix}-${pad(list.length + 1, 3)}`,
        kind,
        departmentId: kind === "fire-station" ? "emergency" : "safety",
        nameZh, nameEn,
        location: network.nodes[i].location,
        nodeId: network.nodes[i].id,
        districtId,
      });
    }
  };

  const police: SafetyStation[] = [];
  const fire: SafetyStation[] = [];
  for (const d of districts) {
    // The district bureau first, then local stations.
    const before = police.length;
    place(d.id, "police-bureau", 2600, police, "pol");
    if (police.length > before) {
      const def = districtDef(d.id);
      const bureau = police[police.length - 1];
      bureau.nameZh = `${cityNameZh.replace(/市$/, "")}市公安局${def.shortZh}分局`;
      bureau.nameEn = `${cityNameEn} Public Security Bureau, ${def.shortEn} Branch`;
    }
    place(d.id, "police-station", 2600, police, "pol");
  }
  for (const d of districts) place(d.id, "fire-station", 4200, fire, "fire");
  return { policeStations: police, fireStations: fire };
}
