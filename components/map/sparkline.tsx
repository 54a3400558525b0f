"use client";

/**
 * A small SVG trend line (gaps where values are missing), with an optional marker index. A value
 * with no neighbour (the first bucket after a start, one between gaps) is drawn as a dot, and a
 * flat series in the middle: an empty box would read as "no data" when there is a reading.
 */
export function Sparkline(props: { values: (number | null)[]; width?: number; height?: number; marker?: number | null; color?: string; testId?: string }) {
  const w = props.width ?? 96, h = props.height ?? 24;
  const vals = props.values;
  const nums = vals.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0) return <svg width={w} height={h} className="sparkline" data-testid={props.testId} aria-hidden />;
  const min = Math.min(...nums), max = Math.max(...nums);
  const span = max - min;
  const x = (i: number) => (i / Math.max(1, vals.length - 1)) * (w - 2) + 1;
  const y = (v: number) => (span === 0 ? h / 2 : h - 2 - ((v - min) / span) * (h - 4));
  const finite = (i: number) => i >= 0 && i < vals.length && vals[i] !== null && Number.isFinite(vals[i]);
  let d = "";
  vals.forEach((v, i) => {
    if (!finite(i)) return;
    const pen = finite(i - 1);
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v!).toFixed(1)}`;
    // A lone value: a 3-pixel dash, which the round caps make a small pill.
    if (!pen && !finite(i + 1)) d += "m-1.5,0h3";
  });
  const m = props.marker;
  return (
    <svg width={w} height={h} className="sparkline" data-testid={props.testId} aria-hidden>
      <path d={d} fill="none" stroke={props.color ?? "#38bdf8"} strokeWidth={1.5} strokeLinecap="round" strokeLinejoin="round" />
      {m !== null && m !== undefined && m >= 0 && m < vals.length ? <line x1={x(m)} x2={x(m)} y1={0} y2={h} stroke="#f8fafc" strokeWidth={1} opacity={0.7} /> : null}
    </svg>
  );
}
