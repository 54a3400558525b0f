"use client";
import { formatCityTime } from "@/lib/i18n/city-time";

/**
 * A time-series chart in SVG: one line per field on its own scale (the first field bold),
 * hour ticks, the latest value labelled, and an optional marker at the replayed moment.
 */
export function TimeSeriesChart(props: {
  from: number;
  bucketMs: number;
  fields: { key: string; label: string; unit: string; values: (number | null)[] }[];
  marker?: number | null;
  locale: string;
  width?: number;
  height?: number;
  noData: string;
}) {
  const w = props.width ?? 320, h = props.height ?? 150;
  const pad = { l: 36, r: 8, t: 10, b: 22 };
  const main = props.fields[0];
  const n = main?.values.length ?? 0;
  const hasData = props.fields.some((f) => f.values.some((v) => v !== null));
  if (!main || n === 0 || !hasData) {
    return (
      <div className="chart-empty" data-testid="feature-chart" data-empty="true">
        {props.noData}
      </div>
    );
  }
  const to = props.from + n * props.bucketMs;
  const x = (t: number) => pad.l + ((t - props.from) / (to - props.from)) * (w - pad.l - pad.r);
  const COLORS = ["#38bdf8", "#fdae61", "#a6d96a", "#cc79a7"];
  const scale = (vals: (number | null)[]) => {
    const nums = vals.filter((v): v is number => v !== null);
    const min = Math.min(0, ...nums), max = Math.max(...nums, min + 1e-9);
    return (v: number) => h - pad.b - ((v - min) / (max - min)) * (h - pad.t - pad.b);
  };
  const mainScale = scale(main.values);
  const mainNums = main.values.filter((v): v is number => v !== null);
  const mainMax = Math.max(...mainNums), mainMin = Math.min(0, ...mainNums);
  const ticks: number[] = [];
  const hour = 3_600_000;
  const step = (to - props.from) > 12 * hour ? 6 * hour : 2 * hour;
  for (let t = Math.ceil(props.from / step) * step; t <= to; t += step) ticks.push(t);
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lastIdx = main.values.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0).pop() ?? -1;
  return (
    <svg width={w} height={h} className="chart" data-testid="feature-chart" data-points={mainNums.length} role="img" aria-label={`${main.label} (${main.unit})`}>
      <rect x={pad.l} y={pad.t} width={w - pad.l - pad.r} height={h - pad.t - pad.b} fill="rgba(148,163,184,0.06)" />
      <text x={pad.l - 4} y={pad.t + 8} textAnchor="end" className="chart-axis">{fmt(mainMax)}</text>
      <text x={pad.l - 4} y={h - pad.b} textAnchor="end" className="chart-axis">{fmt(mainMin)}</text>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={pad.t} y2={h - pad.b} stroke="rgba(148,163,184,0.2)" />
          <text x={x(t)} y={h - 6} textAnchor="middle" className="chart-axis">
            {formatCityTime(t, props.locale, "hm")}
          </text>
        </g>
      ))}
      {props.fields.map((f, k) => {
        const sy = k === 0 ? mainScale : scale(f.values);
        let d = "";
        let pen = false;
        f.values.forEach((v, i) => {
          if (v === null) return void (pen = false);
          d += `${pen ? "L" : "M"}${x(props.from + (i + 0.5) * props.bucketMs).toFixed(1)},${sy(v).toFixed(1)}`;
          pen = true;
        });
        // A value with no neighbour draws as a dot (a line needs two).
        const dots = f.values.flatMap((v, i) =>
          v !== null && (f.values[i - 1] ?? null) === null && (f.values[i + 1] ?? null) === null
            ? [<circle key={i} cx={x(props.from + (i + 0.5) * props.bucketMs)} cy={sy(v)} r={k === 0 ? 2.5 : 1.5} fill={COLORS[k % COLORS.length]} />]
            : [],
        );
        return (
          <g key={f.key} opacity={k === 0 ? 1 : 0.6}>
            <path d={d} fill="none" stroke={COLORS[k % COLORS.length]} strokeWidth={k === 0 ? 2 : 1} />
            {dots}
          </g>
        );
      })}
      {lastIdx >= 0 ? (
        <text x={w - pad.r} y={pad.t + 8} textAnchor="end" className="chart-value">
          {fmt(main.values[lastIdx]!)} {main.unit === "1" ? "" : main.unit}
        </text>
      ) : null}
      {props.marker ? <line x1={x(props.marker)} x2={x(props.marker)} y1={pad.t} y2={h - pad.b} stroke="#f8fafc" strokeDasharray="3 2" /> : null}
    </svg>
  );
}
