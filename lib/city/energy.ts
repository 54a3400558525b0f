/**
 * The electricity grid: substations at major junctions spread over the city, 10 kV feeders
 * running out from them along roads, and renewable sites (offshore and coastal wind farms,
 * ground-mounted and rooftop solar).
 */
import { orientRing, polylineLengthM, roundTo, type XY } from "./geo";
import { districtDef, numeralZh } from "./names";
import { classRank, type PlacementContext } from "./placement-context";
import type { Rng } from "./random";
import type { IslandShape } from "./waters";
import type { EnergyGrid, Feeder, FeederProfile, RenewableSite, Substation } from "./types";

const SUBSTATION_CELL_M = 2600;
const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** Substations and the local-metre routes of the feeders, for placing meters. */
export interface EnergyBuild {
  grid: EnergyGrid;
  feederXY: XY[][];
}

function placeSubstations(ctx: PlacementContext, rng: Rng): { subs: Substation[]; nodes: number[] } {
  const { land, build, network } = ctx;
  const subs: Substation[] = [];
  const nodes: number[] = [];
  const minY = land.coastBase(0) - land.depthM - land.widthM * 0.05;
  const maxY = land.coastBase(0) + land.widthM * 0.05 + 1500;
  for (let cy = maxY; cy > minY; cy -= SUBSTATION_CELL_M) {
    for (let cx = -land.halfWidthM + SUBSTATION_CELL_M / 2; cx < land.halfWidthM; cx += SUBSTATION_CELL_M) {
      const x = cx + rng.range(-500, 500), y = cy + rng.range(-500, 500);
      const i = ctx.nodeGrid.nearest(x, y, 1300, (k) => {
        if (classRank(ctx.nodeClass[k]) < 1 || ctx.nodeClass[k] === "expressway") return false;
        const p = build.nodeXY[k];
        return nodes.every((n) => Math.hypot(build.nodeXY[n][0] - p[0], build.nodeXY[n][1] - p[1]) > 1600);
      });
      if (i < 0) continue;
      const p = build.nodeXY[i];
      const districtId = land.districtAt(p[0], p[1]);
      const def = districtDef(districtId);
      const high = rng.chance(0.18);
      const n = subs.length + 1;
      nodes.push(i);
      subs.push({
        id: `sub-${pad(n, 3)}`,
        nameZh: `${def.shortZh}${numeralZh(subs.filter((s) => s.districtId === districtId).length + 1)}号${high ? 220 : 110}千伏变电站`,
        nameEn: `${def.shortEn} ${high ? 220 : 110} kV Substation ${subs.filter((s) => s.districtId === districtId).length + 1}`,
        voltageKv: high ? 220 : 110,
        capacityMw: high ? rng.pick([240, 360]) : rng.pick([63, 80, 100, 126]),
        location: network.nodes[i].location,
        nodeId: network.nodes[i].id,
        districtId,
      });
    }
  }
  return { subs, nodes };
}

/**
 * Walks a feeder outwards from the substation, preferring major roads and segments no earlier
 * feeder of the same substation took (feeders share trenches near the substation, then part).
 */
function routeFeeder(ctx: PlacementContext, rng: Rng, startNode: number, used: Set<number>, targetM: number): { segs: number[]; nodes: number[] } {
  const { build, network } = ctx;
  const origin = build.nodeXY[startNode];
  const dist = (k: number) => Math.hypot(build.nodeXY[k][0] - origin[0], build.nodeXY[k][1] - origin[1]);
  const segs: number[] = [];
  const own = new Set<number>();
  const nodes = [startNode];
  let cur = startNode, length = 0;
  while (length < targetM) {
    let best = -1, bestScore = -Infinity, bestNext = -1;
    for (const k of ctx.incident[cur]) {
      const s = network.segments[k];
      if (own.has(k) || s.class === "expressway") continue;
      const next = ctx.nodeIndexById.get(s.from === network.nodes[cur].id ? s.to : s.from)!;
      const gain = dist(next) - dist(cur);
      if (gain < -20) continue;
      const score = gain + (s.class === "local" ? 0 : 60) + rng.range(0, 80) - (used.has(k) ? 250 : 0);
      if (score > bestScore) { bestScore = score; best = k; bestNext = next; }
    }
    if (best < 0) break;
    used.add(best);
    own.add(best);
    segs.push(best);
    nodes.push(bestNext);
    length += network.segments[best].lengthM;
    cur = bestNext;
  }
  return { segs, nodes };
}

/** Routes feeders out of each substation along the roads (also used over an imported network). */
export function buildFeeders(ctx: PlacementContext, rng: Rng, subs: Substation[], subNodes: number[]): { feeders: Feeder[]; xy: XY[][] } {
  const { network, build, land } = ctx;
  const feeders: Feeder[] = [];
  const xy: XY[][] = [];
  subs.forEach((sub, si) => {
    const used = new Set<number>();
    const count = sub.voltageKv === 220 ? rng.int(10, 14) : rng.int(6, 10);
    const perFeeder = Math.min(10, (sub.capacityMw * 1.05) / count);
    for (let f = 0; f < count; f++) {
      const route = routeFeeder(ctx, rng, subNodes[si], used, rng.range(1500, 4000));
      if (route.segs.length === 0) continue;
      const points: XY[] = [build.nodeXY[route.nodes[0]]];
      route.segs.forEach((k, step) => {
        const seg = build.segmentXY[k];
        const forward = network.segments[k].from === network.nodes[route.nodes[step]].id;
        const pts = forward ? seg : seg.slice().reverse();
        points.push(...pts.slice(1));
      });
      const geometry = points.map(([x, y]) => ctx.proj.toLonLat(x, y));
      const lengthM = roundTo(polylineLengthM(geometry), 1);
      if (lengthM < 300) continue;
      const mid = points[Math.floor(points.length / 2)];
      const def = districtDef(land.districtAt(mid[0], mid[1]));
      const r = rng.next();
      const profile: FeederProfile = r < def.industry ? "industrial" : r < def.industry + 0.35 * def.urbanity ? "commercial" : "residential";
      const solar = profile === "industrial" ? rng.range(0.08, 0.2) : profile === "commercial" ? rng.range(0.05, 0.12) : rng.range(0.02, 0.08);
      feeders.push({
        id: `fdr-${pad(feeders.length + 1, 5)}`,
        substationId: sub.id,
        capacityMw: roundTo(Math.max(4, perFeeder * rng.range(0.85, 1.0)), 1),
        profile,
        rooftopSolarShare: roundTo(solar, 3),
        geometry,
        segmentIds: route.segs.map((k) => network.segments[k].id),
        lengthM,
      });
      xy.push(points);
    }
  });
  return { feeders, xy };
}

function rectangle(cx: number, cy: number, w: number, h: number, angle: number): XY[] {
  const c = Math.cos(angle), s = Math.sin(angle);
  const corners: XY[] = [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]];
  return orientRing(corners.map(([x, y]) => [cx + x * c - y * s, cy + x * s + y * c] as XY), true);
}

function buildRenewables(ctx: PlacementContext, rng: Rng, islands: readonly IslandShape[]): RenewableSite[] {
  const { land, proj } = ctx;
  const sites: RenewableSite[] = [];
  const nearPark = (x: number, y: number, clearance: number) =>
    ctx.parks.some((p) => Math.hypot(p.center[0] - x, p.center[1] - y) < p.radius + clearance);
  const add = (site: Omit<RenewableSite, "id" | "location" | "polygon">, x: number, y: number, ring: XY[]) => {
    sites.push({
      id: `ren-${pad(sites.length + 1, 3)}`,
      ...site,
      location: proj.toLonLat(x, y),
      polygon: [ring.map(([px, py]) => proj.toLonLat(px, py))],
    });
  };
  const counters = new Map<string, number>();
  const nth = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };

  // Offshore wind, clear of the islands and of each other.
  const offshore = Math.max(1, Math.round(land.widthM / 12000));
  const farms: XY[] = [];
  for (let k = 0, tries = 0; k < offshore && tries < 200; tries++) {
    const x = rng.range(-land.halfWidthM * 0.9, land.halfWidthM * 0.9);
    const y = land.coastY(x) + rng.range(6000, 14000);
    if (islands.some((i) => Math.hypot(i.center[0] - x, i.center[1] - y) < 4500)) continue;
    if (farms.some(([fx, fy]) => Math.hypot(fx - x, fy - y) < 7000)) continue;
    farms.push([x, y]);
    k++;
    const def = districtDef(land.districtAt(x, land.coastY(x) - 200));
    const n = nth("offshore" + def.id);
    add({
      kind: "wind", offshore: true,
      nameZh: `${def.shortZh}${numeralZh(n)}号海上风电场`, nameEn: `${def.shortEn} Offshore Wind Farm ${n}`,
      capacityMw: rng.pick([150, 200, 300, 400]),
    }, x, y, rectangle(x, y, rng.range(3000, 4500), rng.range(1800, 2600), rng.range(-0.4, 0.4)));
  }

  // Onshore wind on the coast of the outer districts.
  const coastal = Math.max(1, Math.round(land.widthM / 20000));
  for (let k = 0, tries = 0; k < coastal && tries < 200; tries++) {
    const x = rng.range(-land.halfWidthM * 0.95, land.halfWidthM * 0.95);
    const y = land.coastY(x) - rng.range(900, 1600);
    const d = land.districtAt(x, y);
    if ((d !== "penglai" && d !== "muping") || !land.inCity(x, y) || land.riverAt(x, y, 800) >= 0 || nearPark(x, y, 900)) continue;
    k++;
    const def = districtDef(d);
    const n = nth("wind" + d);
    add({
      kind: "wind", offshore: false,
      nameZh: `${def.shortZh}${n > 1 ? numeralZh(n) + "号" : ""}风电场`, nameEn: `${def.shortEn} Wind Farm${n > 1 ? " " + n : ""}`,
      capacityMw: rng.pick([48, 50, 75, 100]),
    }, x, y, rectangle(x, y, 1600, 700, rng.range(-0.3, 0.3)));
  }

  // Ground-mounted solar inland, rooftop solar on industrial parks.
  const solar = Math.max(3, Math.round((land.widthM * land.depthM) / 40e6));
  for (let k = 0, tries = 0; k < solar && tries < 500; tries++) {
    const x = rng.range(-land.halfWidthM * 0.95, land.halfWidthM * 0.95);
    const rooftop = k % 3 === 2;
    const y = rooftop ? rng.range(land.southY(x), land.coastY(x)) : land.southY(x) + rng.range(400, land.depthM * 0.35);
    const d = land.districtAt(x, y);
    if (!land.inCity(x, y) || land.riverAt(x, y, 500) >= 0 || nearPark(x, y, 700)) continue;
    if (rooftop && d !== "devzone" && d !== "fushan") continue;
    if (!rooftop && (d === "zhifu" || d === "laishan")) continue;
    if (sites.some((s) => { const [sx, sy] = proj.toXY(s.location); return Math.hypot(sx - x, sy - y) < 2500; })) continue;
    k++;
    const def = districtDef(d);
    const n = nth((rooftop ? "roof" : "solar") + d);
    const capacityMw = rooftop ? rng.pick([5, 8, 12, 20]) : rng.pick([20, 30, 50, 80, 100]);
    const side = Math.sqrt(capacityMw * (rooftop ? 8000 : 15000));
    add({
      kind: "solar", offshore: false,
      nameZh: rooftop ? `${def.shortZh}工业园${n > 1 ? numeralZh(n) + "号" : ""}屋顶光伏` : `${def.shortZh}${numeralZh(n)}号光伏电站`,
      nameEn: rooftop ? `${def.shortEn} Industrial Park Rooftop Solar${n > 1 ? " " + n : ""}` : `${def.shortEn} Solar Plant ${n}`,
      capacityMw,
    }, x, y, rectangle(x, y, side * 1.3, side / 1.3, rng.range(-0.2, 0.2)));
  }
  return sites;
}

/** Builds substations, feeders and renewable sites. */
export function buildEnergy(ctx: PlacementContext, rng: Rng, islands: readonly IslandShape[]): EnergyBuild {
  const { subs, nodes } = placeSubstations(ctx, rng.fork("substations"));
  const { feeders, xy } = buildFeeders(ctx, rng.fork("feeders"), subs, nodes);
  const renewables = buildRenewables(ctx, rng.fork("renewables"), islands);
  return { grid: { substations: subs, feeders, renewables }, feederXY: xy };
}
