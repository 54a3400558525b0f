/**
 * Names roads: expressways and rings by their fixed names, arterials as 路/Road (north-south)
 * or 大街/Avenue (east-west), collectors as 街/Street, from a shuffled pool of stems. Local
 * streets stay unnamed.
 */
import { ROAD_STEMS, numeralZh, ordinalEn } from "./names";
import type { Rng } from "./random";
import type { SpecialRoad } from "./road-lattice";
import type { Named, RoadClass } from "./types";

/** A named road with the stem used to name nearby places (stations, hospitals). */
export interface RoadName extends Named {
  stemZh: string;
  stemEn: string;
}

/** Hands out road names from the stem pool, adding ordinals once every stem is used. */
export class RoadNamer {
  private readonly stems: (readonly [string, string])[];
  private next = 0;

  constructor(rng: Rng) {
    this.stems = rng.shuffle(ROAD_STEMS);
  }

  /** A name for a road of a class running east-west ("h") or north-south ("v"). */
  name(cls: RoadClass, orientation: "h" | "v", special?: SpecialRoad): RoadName | undefined {
    if (special) return { nameZh: special.nameZh, nameEn: special.nameEn, stemZh: special.nameZh, stemEn: special.nameEn };
    if (cls === "local") return undefined;
    const k = this.next++;
    const [zh, en] = this.stems[k % this.stems.length];
    const round = Math.floor(k / this.stems.length);
    if (cls === "collector") {
      return round === 0
        ? { nameZh: `${zh}街`, nameEn: `${en} Street`, stemZh: zh, stemEn: en }
        : { nameZh: `${zh}${numeralZh(round + 1)}街`, nameEn: `${en} ${ordinalEn(round + 1)} Street`, stemZh: zh, stemEn: en };
    }
    if (round === 0) {
      return orientation === "h"
        ? { nameZh: `${zh}大街`, nameEn: `${en} Avenue`, stemZh: zh, stemEn: en }
        : { nameZh: `${zh}路`, nameEn: `${en} Road`, stemZh: zh, stemEn: en };
    }
    return { nameZh: `${zh}${numeralZh(round + 1)}路`, nameEn: `${en} ${ordinalEn(round + 1)} Road`, stemZh: zh, stemEn: en };
  }
}
