/** A time-series chart (uPlot) of one or more series sharing a time axis; follows its container's width. */
import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { mountPlot, plotWidth } from "./plot-mount.js";

/** One line: a label and its [epoch_ms, value|null] points (all series of a chart share the same timestamps). */
export interface ChartSeries {
  label: string;
  points: [number, number | null][];
  color?: string;
}

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/**
 * Aligns series on the union of their timestamps (uPlot wants one x array). Each line becomes two
 * columns: its complete steps, then its steps at or after `partialFrom` (still filling) joined to the
 * last complete value, so that the partial part can be drawn dashed instead of as a fall.
 */
export function align(series: ChartSeries[], partialFrom: number | null): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  let cut = partialFrom === null ? xs.length : xs.findIndex((x) => x >= partialFrom);
  if (cut < 0) cut = xs.length;
  const cols: (number | null)[][] = [];
  for (const s of series) {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)!] = v;
    const complete = col.map((v, i) => (i < cut ? v : null));
    const partial = col.map((v, i) => (i >= cut ? v : null));
    if (cut > 0 && cut < xs.length && col[cut] !== null && col[cut - 1] !== null) partial[cut - 1] = col[cut - 1]!;
    cols.push(complete, partial);
  }
  return [xs.map((x) => x / 1000), ...cols] as uPlot.AlignedData;
}

/** The chart; `format` labels the y axis and the legend values; steps at or after `partialFrom` (epoch ms) are drawn dashed as still filling. */
export function Chart({ title, series, format, partialFrom = null, height = 200 }: { title: string; series: ChartSeries[]; format: (v: number | null) => string; partialFrom?: number | null; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join("\u0000");

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const lines: uPlot.Series[] = series.flatMap((s, i) => {
      const stroke = s.color ?? PALETTE[i % PALETTE.length]!;
      const partialIdx = 2 * i + 2;
      return [
        // The legend shows the complete value, or the value so far on a step still filling.
        { label: s.label, stroke, width: 1.5, spanGaps: false, value: (u: uPlot, v: number | null, _s: number, idx: number | null) => (v === null && idx !== null && u.data[partialIdx]?.[idx] != null ? `${format(u.data[partialIdx]![idx]!)} so far` : format(v)) },
        { label: `${s.label} (so far)`, class: "u-partial", stroke: `${stroke}99`, width: 1.5, dash: [4, 4], spanGaps: false, value: (_u: uPlot, v: number | null) => format(v) },
      ];
    });
    const opts: uPlot.Options = {
      width: plotWidth(el),
      height,
      series: [{ class: "u-time" }, ...lines],
      axes: [{}, { size: 70, values: (_u: uPlot, vals: number[]) => vals.map((v) => format(v)) }],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        // Values (and the time row) show in the legend only while the pointer is over the chart.
        setCursor: [(u) => u.root.classList.toggle("u-hovering", u.cursor.idx !== null && u.cursor.idx !== undefined)],
        // Hiding a line from its legend entry hides its partial part too.
        setSeries: [(u, idx, o) => (idx !== null && idx % 2 === 1 && o.show !== undefined ? u.setSeries(idx + 1, { show: o.show }, false) : undefined)],
      },
    };
    return mountPlot(el, opts, align(series, partialFrom), height, plot);
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(align(series, partialFrom));
  }, [series, partialFrom]);

  const hasData = series.some((s) => s.points.some((p) => p[1] !== null));
  return (
    <figure class="chart" aria-label={`${title} chart`} data-partial-from={partialFrom ?? undefined}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title} over the selected window`} />
      {hasData ? null : <p class="muted chart-empty">No data in this window.</p>}
    </figure>
  );
}
