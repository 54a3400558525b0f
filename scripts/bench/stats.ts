/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Least-squares slope of y over x with the half-width of its 95% interval (Student's t for
 * n − 2 degrees of freedom): a slope whose interval holds 0 is not told apart from flat.
 */
export function slopeWithInterval(xs: number[], ys: number[]): { slope: number; half95: number } {
  const n = xs.length;
  if (n < 3) return { slope: NaN, half95: NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) return { slope: NaN, half95: NaN };
  const b = sxy / sxx, a = my - b * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (ys[i] - a - b * xs[i]) ** 2;
  return { slope: b, half95: tCritical95(n - 2) * Math.sqrt(ssr / (n - 2) / sxx) };
}

/** Two-sided 95% critical value of Student's t (table to 30 degrees of freedom, then 1.96 + 2.4/df). */
function tCritical95(df: number): number {
  const t = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  return df <= 30 ? t[df - 1] : 1.96 + 2.4 / df;
}

/**
 * The least value of each run of `width` consecutive samples (the last run may be shorter),
 * at the run's middle x: memory's floor between collections, which a leak raises and the
 * collector's timing does not.
 */
export function windowFloors(xs: number[], ys: number[], width: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < xs.length; i += width) {
    const w = ys.slice(i, i + width), wx = xs.slice(i, i + width);
    out.push({ x: (wx[0] + wx[wx.length - 1]) / 2, y: Math.min(...w) });
  }
  return out;
}

/**
 * One memory series after the warm-up (minute, MB): first and last, range, the least-squares
 * slope with its 95% interval, and the slope of the 5-minute floors (the least value of each
 * five minutes: what stays between collections, which a leak raises).
 */
export function memoryTrend(points: [number, number][]): string {
  if (points.length < 3) return "not measured";
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const all = slopeWithInterval(xs, ys);
  const floors = windowFloors(xs, ys, 5);
  const fl = slopeWithInterval(floors.map((f) => f.x), floors.map((f) => f.y));
  return (
    `${fmt(ys[0], 0)} → ${fmt(ys[ys.length - 1], 0)} MB (range ${fmt(Math.min(...ys), 0)}–${fmt(Math.max(...ys), 0)}), ` +
    `slope ${fmt(all.slope * 60, 0)} ± ${fmt(all.half95 * 60, 0)} MB/h (95%); 5-minute floors ${floors.map((f) => fmt(f.y, 0)).join(", ")} MB, ` +
    `slope ${Number.isFinite(fl.slope) ? `${fmt(fl.slope * 60, 0)} ± ${fmt(fl.half95 * 60, 0)} MB/h` : "not measured"}`
  );
}
