/**
 * One anomaly-watched series (uPlot): per whole step, the detector's expected band as a filled area,
 * the value it was fed, the expected value dashed, and the anomalous steps as red dots; one step
 * may be shaded (an alert's). Anomalous steps are also listed for screen readers, each with its raw
 * figures in `data-*` attributes. Follows its container's width.
 */
import type { AnomalyPoint, AnomalySeriesResponse } from "@vigil/contract";
import { useEffect, useRef } from "preact/hooks";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { mountPlot, plotWidth } from "./plot-mount.js";
import { when } from "../format.js";

const COLOR = { value: "#2563eb", expected: "#6b7280", edge: "rgba(37, 99, 235, 0.35)", band: "rgba(37, 99, 235, 0.14)", anomaly: "#dc2626", shade: "rgba(234, 88, 12, 0.22)" };

/** Column indices of the data uPlot draws. */
const COL = { lower: 1, upper: 2, expected: 3, value: 4, anomaly: 5, score: 6 } as const;

/**
 * The columns uPlot draws, oldest step first: time (s), lower, upper, expected, value, the value
 * again at anomalous steps only, and the score. Where steps are missing (the group had no value
 * there) a row of nulls is put in, so lines and the band break instead of bridging the gap.
 */
export function anomalyColumns(points: AnomalyPoint[], stepSeconds: number): uPlot.AlignedData {
  const cols: (number | null)[][] = [[], [], [], [], [], [], []];
  let last: number | null = null;
  for (const p of points) {
    const t = Date.parse(p.at) / 1000;
    if (last !== null && t - last > stepSeconds) {
      cols[0]!.push(last + stepSeconds);
      for (let c = 1; c < cols.length; c++) cols[c]!.push(null);
    }
    cols[0]!.push(t);
    cols[COL.lower]!.push(p.lower);
    cols[COL.upper]!.push(p.upper);
    cols[COL.expected]!.push(p.expected);
    cols[COL.value]!.push(p.value);
    cols[COL.anomaly]!.push(p.anomalous ? p.value : null);
    cols[COL.score]!.push(p.score);
    last = t;
  }
  return cols as uPlot.AlignedData;
}

/** A raw figure as kept in `data-*` attributes: the API's number as text, "null" for none. */
const raw = (v: number | null): string => (v === null ? "null" : String(v));

/** What the chart draws: one group's readings (`GET /api/v1/anomalies`), their unit's format, and the start of a step to shade (ISO). */
export interface AnomalyChartProps {
  title: string;
  data: AnomalySeriesResponse;
  format: (v: number | null) => string;
  highlight?: string | null;
  height?: number;
}

/** The chart of one group's readings. */
export function AnomalyChart({ title, data, format, highlight = null, height = 220 }: AnomalyChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // Read by uPlot's callbacks, which are made once: the latest format, step and shaded step.
  const live = useRef({ format, step: data.step_seconds, shade: highlight === null ? null : Date.parse(highlight) / 1000 });
  live.current = { format, step: data.step_seconds, shade: highlight === null ? null : Date.parse(highlight) / 1000 };

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const fmt = (v: number | null) => live.current.format(v);
    const noLine = () => null;
    const opts: uPlot.Options = {
      width: plotWidth(el),
      height,
      series: [
        { class: "u-time" },
        { label: "band low", class: "u-band-low", stroke: COLOR.edge, width: 1, spanGaps: false },
        { label: "band", stroke: COLOR.edge, width: 1, spanGaps: false, value: (u: uPlot, v: number | null, _s: number, i: number | null) => (v === null || i === null ? "learning" : `${fmt(u.data[COL.lower]![i] ?? null)}–${fmt(v)}`) },
        { label: "expected", stroke: COLOR.expected, width: 1.5, dash: [5, 4], spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? "learning" : fmt(v)) },
        { label: "value", stroke: COLOR.value, width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => fmt(v) },
        { label: "anomaly", stroke: COLOR.anomaly, fill: COLOR.anomaly, width: 0, paths: noLine, points: { show: true, size: 9, width: 1, stroke: COLOR.anomaly, fill: COLOR.anomaly }, value: (_u: uPlot, v: number | null) => (v === null ? "no" : "yes") },
        { label: "score", scale: "score", stroke: "transparent", width: 0, paths: noLine, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? "—" : v.toFixed(2)) },
      ],
      bands: [{ series: [COL.upper, COL.lower], fill: COLOR.band }],
      scales: { score: { range: [0, 1] } },
      // Hours of steps: room for each time label.
      axes: [{ space: 70 }, { size: 70, values: (_u: uPlot, vals: number[]) => vals.map((v) => fmt(v)) }],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        // Values (and the time row) show in the legend only while the pointer is over the chart.
        setCursor: [(u) => u.root.classList.toggle("u-hovering", u.cursor.idx !== null && u.cursor.idx !== undefined)],
        // The shaded step, under the lines: half a step either side of its point.
        drawClear: [
          (u) => {
            const { shade, step } = live.current;
            if (shade === null) return;
            const a = u.valToPos(shade - step / 2, "x", true);
            const b = u.valToPos(shade + step / 2, "x", true);
            const w = Math.max(b - a, 6 * devicePixelRatio);
            u.ctx.save();
            u.ctx.fillStyle = COLOR.shade;
            u.ctx.fillRect((a + b) / 2 - w / 2, u.bbox.top, w, u.bbox.height);
            u.ctx.restore();
          },
        ],
      },
    };
    return mountPlot(el, opts, anomalyColumns(data.points, data.step_seconds), height, plot);
    // Built once; new readings go through setData below.
  }, [height]);

  useEffect(() => {
    plot.current?.setData(anomalyColumns(data.points, data.step_seconds));
  }, [data, highlight]);

  const anomalies = data.points.filter((p) => p.anomalous);
  const gaps = data.points.filter((p, i) => i > 0 && Date.parse(p.at) - Date.parse(data.points[i - 1]!.at) > data.step_seconds * 1000).length;
  const banded = data.points.filter((p) => p.lower !== null && p.upper !== null).length;
  return (
    <figure class="chart anomaly-chart" aria-label={`${title} chart`} data-testid="anomaly-chart" data-rule={data.rule} data-group={JSON.stringify(data.group)} data-steps={data.points.length} data-band-steps={banded} data-gaps={gaps} data-anomalies={anomalies.length} data-highlight={highlight ?? undefined} data-from={data.from} data-to={data.to}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: the value of each step, the expected value and its band, and ${anomalies.length} anomalous step${anomalies.length === 1 ? "" : "s"}`} />
      {data.points.length === 0 ? <p class="muted chart-empty">No readings in this range.</p> : null}
      <ul class="sr-only" data-testid="anomaly-points">
        {anomalies.length === 0 ? <li>No anomalous step in this range.</li> : null}
        {anomalies.map((p) => (
          <li key={p.at} data-at={p.at} data-value={raw(p.value)} data-expected={raw(p.expected)} data-lower={raw(p.lower)} data-upper={raw(p.upper)} data-score={raw(p.score)}>
            Anomaly at {when(p.at)}: {format(p.value)}, expected {format(p.expected)} (band {format(p.lower)}–{format(p.upper)}), score {p.score === null ? "—" : p.score.toFixed(2)}
            {highlight === p.at ? " (this alert's step)" : ""}
          </li>
        ))}
      </ul>
    </figure>
  );
}
