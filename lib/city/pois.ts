/**
 * Points of interest beside the roads: homes, shops, offices, bus stops, schools, hospitals
 * and the like, denser along busy roads and in urban districts. Schools, hospitals and hotels
 * carry names.
 */
import { pointAlongXY } from "./geo";
import { districtDef, numeralZh, type DistrictDef } from "./names";
import type { PlacementContext } from "./placement-context";
import type { Rng } from "./random";
import type { Poi, PoiCategory, RoadClass } from "./types";

const CLASS_WEIGHT: Readonly<Record<RoadClass, number>> = { expressway: 0, arterial: 1.3, collector: 1.2, local: 1 };

function categoryWeights(major: boolean, def: DistrictDef): (readonly [PoiCategory, number])[] {
  return major
    ? [["shop", 3], ["restaurant", 2.5], ["office", 2 * def.urbanity], ["bank", 0.8], ["hotel", 0.5], ["bus-stop", 2.5],
      ["hospital", 0.12], ["pharmacy", 0.8], ["parking", 1], ["residential", 2], ["school", 0.2], ["factory", 4 * def.industry]]
    : [["residential", 5], ["shop", 2], ["restaurant", 1.5], ["pharmacy", 0.6], ["school", 0.35], ["parking", 0.8],
      ["office", 0.5], ["factory", 3 * def.industry], ["bank", 0.2], ["hotel", 0.2], ["hospital", 0.05], ["bus-stop", 0.3]];
}

function poisson(rng: Rng, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0, p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > limit);
  return k - 1;
}

/** Places points of interest; `density` is the mean number per road segment. */
export function buildPois(ctx: PlacementContext, rng: Rng, density: number): Poi[] {
  const { network, build, land, proj } = ctx;
  const segs = network.segments;
  let weightSum = 0;
  for (const s of segs) weightSum += CLASS_WEIGHT[s.class] * s.lengthM;
  const perWeight = weightSum > 0 ? (density * segs.length) / weightSum : 0;
  const counters = new Map<string, number>();
  const usedNames = new Set<string>();
  const nth = (key: string) => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };
  const unique = (zh: string, en: string): [string, string] => {
    let z = zh, e = en;
    for (let n = 2; usedNames.has(z); n++) { z = `${zh}${numeralZh(n)}部`; e = `${en} (${n})`; }
    usedNames.add(z);
    return [z, e];
  };

  const pois: Poi[] = [];
  segs.forEach((seg, k) => {
    const lambda = perWeight * CLASS_WEIGHT[seg.class] * seg.lengthM;
    const count = lambda > 0 ? poisson(rng, lambda) : 0;
    const pts = build.segmentXY[k];
    const major = seg.class !== "local";
    for (let c = 0; c < count; c++) {
      const { point, angle } = pointAlongXY(pts, rng.range(0.05, 0.95));
      const side = rng.chance(0.5) ? 1 : -1;
      const off = rng.range(15, 40) * side;
      const x = point[0] - off * Math.sin(angle), y = point[1] + off * Math.cos(angle);
      if (!land.inCity(x, y) || land.isSea(x, y, 10) || land.riverAt(x, y, 5) >= 0) continue;
      const districtId = land.districtAt(x, y);
      const def = districtDef(districtId);
      const category = rng.weighted(categoryWeights(major, def));
      const poi: Poi = {
        id: `poi-${String(pois.length + 1).padStart(7, "0")}`,
        category,
        location: proj.toLonLat(x, y),
        districtId,
        segmentId: seg.id,
      };
      const stem = build.roadNames.get(seg.roadId);
      if (category === "school") {
        const primary = rng.chance(0.6);
        const n = nth(`${districtId}:${primary}`);
        [poi.nameZh, poi.nameEn] = unique(
          `${def.shortZh}第${numeralZh(n)}${primary ? "小学" : "中学"}`,
          `${def.shortEn} No. ${n} ${primary ? "Primary" : "Middle"} School`,
        );
      } else if (category === "hospital") {
        [poi.nameZh, poi.nameEn] = stem && seg.class !== "expressway"
          ? unique(`${stem.stemZh}医院`, `${stem.stemEn} Hospital`)
          : unique(`${def.shortZh}社区医院`, `${def.shortEn} Community Hospital`);
      } else if (category === "hotel") {
        [poi.nameZh, poi.nameEn] = stem
          ? unique(`${stem.stemZh}酒店`, `${stem.stemEn} Hotel`)
          : unique(`${def.shortZh}宾馆`, `${def.shortEn} Inn`);
      }
      pois.push(poi);
    }
  });
  return pois;
}
