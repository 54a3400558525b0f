/**
 * The traffic performance index (交通运行指数) as Chinese city traffic centres publish it
 * (Beijing DB11/T 785; GB/T 33171-2016, the national evaluation specification for urban
 * traffic): 0 to 10, higher is worse, in five grades 畅通 / 基本畅通 / 轻度拥堵 / 中度拥堵 /
 * 严重拥堵. A segment is graded by its average speed with thresholds by road class, and the
 * speed is mapped linearly within its grade onto the grade's index band. Pure: no I/O, used
 * by the KPIs (through `segmentIndexSql`), the map's colours and the legend.
 */
import type { RoadClass } from "../city/types";

/** The five grades, best first; a grade's number (1..5) is its position plus one. */
export const GRADES = ["smooth", "basic", "light", "moderate", "severe"] as const;
export type Grade = (typeof GRADES)[number];

/**
 * Speed thresholds (km/h) by road class, as DB11/T 785 grades them: above the first 畅通,
 * above the second 基本畅通, above the third 轻度拥堵, above the fourth 中度拥堵, the fourth
 * or less 严重拥堵 (expressways: above 65, 50–65, 35–50, 20–35, 20 or less). Collectors
 * are the standard's secondary roads, local streets its branch roads.
 */
export const GRADE_THRESHOLDS: Record<RoadClass, readonly [number, number, number, number]> = {
  expressway: [65, 50, 35, 20],
  arterial: [40, 30, 20, 15],
  collector: [35, 25, 15, 10],
  local: [35, 25, 15, 10],
};

/** Road classes in the order of their codes in SQL (`segmentIndexSql`'s class expression). */
export const ROAD_CLASS_CODES: readonly RoadClass[] = ["expressway", "arterial", "collector", "local"];

/**
 * Speeds (km/h, falling) at which the index is 0, 2, 4, 6, 8 and 10: the four thresholds,
 * with index 0 at the first threshold plus the width of the 基本畅通 band (expressway 80,
 * arterial 50, collector and local 45 km/h, near their free-flow speeds) and 10 at standstill.
 */
export function indexBreaks(roadClass: RoadClass): [number, number, number, number, number, number] {
  const t = GRADE_THRESHOLDS[roadClass];
  if (!t) throw new Error(`indexBreaks: unknown road class ${JSON.stringify(roadClass)}`);
  return [t[0] + (t[0] - t[1]), t[0], t[1], t[2], t[3], 0];
}

/**
 * The grade of a segment at `speedKmh` on a road of `roadClass`: speed above the first
 * threshold 畅通 … the last threshold or less 严重拥堵. Requires a finite speed (null otherwise).
 */
export function gradeOfSpeed(speedKmh: number | null | undefined, roadClass: RoadClass): Grade | null {
  if (speedKmh == null || !Number.isFinite(speedKmh)) return null;
  const t = GRADE_THRESHOLDS[roadClass];
  for (let g = 0; g < 4; g++) if (speedKmh > t[g]) return GRADES[g];
  return "severe";
}

/**
 * The segment index (0–10) at `speedKmh` on a road of `roadClass`: linear within each grade,
 * from the grade's upper speed (the band's lower index) to its lower speed (the band's upper
 * index), so that `gradeOfIndex(segmentIndex(v, c)) === gradeOfSpeed(v, c)` for every speed.
 * Continuous and falling with speed; 0 from the 畅通 band's top speed up, 10 at standstill.
 * Null for a missing or non-finite speed.
 */
export function segmentIndex(speedKmh: number | null | undefined, roadClass: RoadClass): number | null {
  if (speedKmh == null || !Number.isFinite(speedKmh)) return null;
  const s = indexBreaks(roadClass);
  const v = Math.max(0, speedKmh);
  if (v >= s[0]) return 0;
  // Band g covers speeds (s[g + 1], s[g]] and indices [2g, 2g + 2); the last band includes 0 km/h.
  for (let g = 0; g < 5; g++) {
    if (v > s[g + 1] || g === 4) return 2 * g + (2 * (s[g] - v)) / (s[g] - s[g + 1]);
  }
  return 10;
}

/** The grade of an index value: [0, 2) 畅通, [2, 4) 基本畅通, [4, 6) 轻度, [6, 8) 中度, [8, 10] 严重. */
export function gradeOfIndex(index: number | null | undefined): Grade | null {
  if (index == null || !Number.isFinite(index)) return null;
  return GRADES[Math.min(4, Math.max(0, Math.floor(index / 2)))];
}

/**
 * The same function as `segmentIndex`, as a SQL expression over a speed expression and a
 * road-class code expression (the index of the class in ROAD_CLASS_CODES), built from the
 * same thresholds so the database and the browser grade alike. NULL speed gives NULL.
 */
export function segmentIndexSql(speed: string, classCode: string): string {
  const v = `greatest(${speed}, 0)`;
  const perClass = ROAD_CLASS_CODES.map((c, code) => {
    const s = indexBreaks(c);
    const arms = [`WHEN ${v} >= ${s[0]} THEN 0`];
    for (let g = 0; g < 4; g++) arms.push(`WHEN ${v} > ${s[g + 1]} THEN ${2 * g} + 2 * (${s[g]} - ${v}) / ${s[g] - s[g + 1]}`);
    arms.push(`ELSE 8 + 2 * (${s[4]} - ${v}) / ${s[4]}`);
    return `WHEN ${code} THEN CASE ${arms.join(" ")} END`;
  });
  return `(CASE WHEN (${speed}) IS NULL THEN NULL ELSE CASE ${classCode} ${perClass.join(" ")} END END)::float8`;
}

/**
 * Length-weighted mean of segment indices (the city-wide or a road's index): each segment
 * counts by its length, so a kilometre of jammed road weighs the same whatever its flow.
 * Items with a null index or a non-positive weight are left out; null when none remain.
 */
export function weightedIndex(items: Iterable<{ index: number | null; weight: number }>): number | null {
  let s = 0, w = 0;
  for (const it of items) {
    if (it.index === null || !Number.isFinite(it.index) || !(it.weight > 0)) continue;
    s += it.index * it.weight;
    w += it.weight;
  }
  return w > 0 ? s / w : null;
}
