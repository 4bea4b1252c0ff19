/** A time-series chart (uPlot) of one or more series sharing a time axis; follows its container's width. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** One line: a label and its [epoch_ms, value|null] points (all series of a chart share the same timestamps). */
export interface ChartSeries {
  label: string;
  points: [number, number | null][];
  color?: string;
}

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/** Aligns series on the union of their timestamps (uPlot wants one x array). */
function align(series: ChartSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)!] = v;
    return col;
  });
  return [xs.map((x) => x / 1000), ...ys] as uPlot.AlignedData;
}

/** The chart; `format` labels the y axis and the legend values. */
export function Chart({ title, series, format, height = 200 }: { title: string; series: ChartSeries[]; format: (v: number | null) => string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join("\u0000");

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: s.color ?? PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => format(v) }))],
      axes: [{}, { size: 70, values: (_u: uPlot, vals: number[]) => vals.map((v) => format(v)) }],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    };
    const p = new uPlot(opts, align(series), el);
    plot.current = p;
    const ro = new ResizeObserver(() => p.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(align(series));
  }, [series]);

  const hasData = series.some((s) => s.points.some((p) => p[1] !== null));
  return (
    <figure class="chart" aria-label={`${title} chart`}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title} over the selected window`} />
      {hasData ? null : <p class="muted chart-empty">No data in this window.</p>}
    </figure>
  );
}
