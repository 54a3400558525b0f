/**
 * Parks and hills: green areas inside the city where no local streets are built.
 */
import { orientRing, type Projection, type XY } from "./geo";
import type { Landform } from "./landform";
import { DISTRICT_DEFS, PARK_NAMES, numeralZh } from "./names";
import type { Rng } from "./random";
import type { DistrictId, Named, Park } from "./types";

/** A park in local metres with a fast containment test. */
export interface ParkShape extends Named {
  id: string;
  districtId: DistrictId;
  center: XY;
  /** Radius of a circle around `center` that contains the whole park. */
  radius: number;
  contains(x: number, y: number): boolean;
  ring: XY[];
}

const GENERIC_PARKS: readonly (readonly [string, string])[] = [
  ["中心公园", "Central Park"], ["滨河公园", "Riverside Park"], ["体育公园", "Sports Park"],
  ["森林公园", "Forest Park"], ["文化公园", "Culture Park"], ["植物园", "Botanical Garden"],
];

/** Places parks on land away from the coast, the rivers and each other. */
export function placeParks(rng: Rng, land: Landform, landAreaKm2: number): ParkShape[] {
  const count = Math.max(5, Math.min(80, Math.round(landAreaKm2 / 12)));
  const parks: ParkShape[] = [];
  const used = new Map<DistrictId, number>();
  for (let attempt = 0; attempt < count * 60 && parks.length < count; attempt++) {
    const radius = rng.range(280, 650);
    const x = rng.range(-land.halfWidthM + radius, land.halfWidthM - radius);
    const y = rng.range(land.southY(x) + radius, land.coastY(x) - radius);
    if (!land.inCity(x, y)) continue;
    if (y > land.coastY(x) - radius - 250 || y < land.southY(x) + radius) continue;
    if (land.riverAt(x, y, radius + 150) >= 0) continue;
    if (parks.some((p) => Math.hypot(p.center[0] - x, p.center[1] - y) < p.radius + radius + 400)) continue;
    const districtId = land.districtAt(x, y);
    const k = used.get(districtId) ?? 0;
    used.set(districtId, k + 1);
    const named = PARK_NAMES[districtId][k];
    const def = DISTRICT_DEFS.find((d) => d.id === districtId)!;
    let nameZh: string, nameEn: string;
    if (named) {
      [nameZh, nameEn] = named;
    } else {
      const g = k - PARK_NAMES[districtId].length;
      const [gz, ge] = GENERIC_PARKS[g % GENERIC_PARKS.length];
      const round = Math.floor(g / GENERIC_PARKS.length);
      nameZh = def.shortZh + (round ? numeralZh(round + 1) + "号" : "") + gz;
      nameEn = `${def.shortEn} ${ge}${round ? " " + (round + 1) : ""}`;
    }
    const p1 = rng.range(0, 6.283), p2 = rng.range(0, 6.283), stretch = rng.range(0.75, 1.25);
    const radiusAt = (t: number) => radius * (1 + 0.18 * Math.sin(3 * t + p1) + 0.08 * Math.sin(5 * t + p2));
    const contains = (px: number, py: number) => {
      const dx = px - x, dy = (py - y) * stretch;
      const d = Math.hypot(dx, dy);
      return d < radiusAt(Math.atan2(dy, dx));
    };
    const ring: XY[] = [];
    for (let i = 0; i < 40; i++) {
      const t = (2 * Math.PI * i) / 40;
      const r = radiusAt(t);
      ring.push([x + r * Math.cos(t), y + (r * Math.sin(t)) / stretch]);
    }
    parks.push({
      id: `park-${String(parks.length + 1).padStart(3, "0")}`,
      nameZh, nameEn, districtId, center: [x, y], radius: (radius * 1.26) / Math.min(1, stretch), contains,
      ring: orientRing(ring, true),
    });
  }
  return parks;
}

/** Converts park shapes to the model's parks. */
export function toParks(shapes: readonly ParkShape[], proj: Projection): Park[] {
  return shapes.map((p) => ({
    id: p.id,
    nameZh: p.nameZh,
    nameEn: p.nameEn,
    districtId: p.districtId,
    polygon: [p.ring.map(([x, y]) => proj.toLonLat(x, y))],
  }));
}
