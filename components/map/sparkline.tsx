"use client";

/** A small SVG trend line (gaps where values are missing), with an optional marker index. */
export function Sparkline(props: { values: (number | null)[]; width?: number; height?: number; marker?: number | null; color?: string; testId?: string }) {
  const w = props.width ?? 96, h = props.height ?? 24;
  const vals = props.values;
  const nums = vals.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length < 2) return <svg width={w} height={h} className="sparkline" data-testid={props.testId} aria-hidden />;
  const min = Math.min(...nums), max = Math.max(...nums);
  const span = max - min || 1;
  const x = (i: number) => (i / Math.max(1, vals.length - 1)) * (w - 2) + 1;
  const y = (v: number) => h - 2 - ((v - min) / span) * (h - 4);
  let d = "";
  let pen = false;
  vals.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  const m = props.marker;
  return (
    <svg width={w} height={h} className="sparkline" data-testid={props.testId} aria-hidden>
      <path d={d} fill="none" stroke={props.color ?? "#38bdf8"} strokeWidth={1.5} />
      {m !== null && m !== undefined && m >= 0 && m < vals.length ? <line x1={x(m)} x2={x(m)} y1={0} y2={h} stroke="#f8fafc" strokeWidth={1} opacity={0.7} /> : null}
    </svg>
  );
}
