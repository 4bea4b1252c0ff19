/**
 * Builders of Grafana panels over Prometheus: each takes a title, a description, a size, the
 * queries and a unit, and fills in the options Grafana needs to draw it well. Position and id are
 * given later by the dashboard builder, which flows panels onto the grid in order.
 */
import { DATASOURCE, type FieldOverride, type GrafanaPanel, type GrafanaTarget, type TargetFormat, type ThresholdStep, type Transformation } from "./grafana.js";

/** One PromQL query of a panel, before it gets its refId. */
export interface Query {
  expr: string;
  /** Legend (Grafana's legendFormat, `{{label}}` substituted); `__auto` when absent. */
  legend?: string;
  /** Evaluate at the end of the range only; default false (a range query drawing a line). */
  instant?: boolean;
  /** Answer shape; default time series (tables force `table`, heatmaps `heatmap`). */
  format?: TargetFormat;
}

/** A panel without its place on the grid, with the size it asks for. */
export type PanelDraft = Omit<GrafanaPanel, "id" | "gridPos"> & { size: { w: number; h: number } };

/** What every panel builder takes. */
export interface PanelOptions {
  title: string;
  /** Shown in the panel's info tooltip: what the figure means and where it comes from. */
  description: string;
  /** Width in grid columns (1–24). */
  w: number;
  /** Height in grid rows. */
  h: number;
  queries: Query[];
  /** Grafana unit id: `s`, `percentunit`, `currencyUSD`, `bytes`, `short`, `reqps`, `ops`… */
  unit: string;
  decimals?: number;
  min?: number;
  max?: number;
  /** Threshold steps (see `steps`); a single neutral step when absent. */
  thresholds?: ThresholdStep[];
  overrides?: FieldOverride[];
}

/** Threshold steps from a base colour and `[value, colour]` pairs in increasing order. */
export function steps(base: string, ...rest: [number, string][]): ThresholdStep[] {
  return [{ color: base, value: null }, ...rest.map(([value, color]) => ({ color, value }))];
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The panel's queries as Grafana targets, lettered A, B, C… in order. */
function targets(queries: Query[], force?: { format?: TargetFormat; instant?: boolean }): GrafanaTarget[] {
  return queries.map((q, i) => {
    const instant = force?.instant ?? q.instant ?? false;
    return {
      refId: REF_IDS[i] ?? `Q${i}`,
      datasource: { ...DATASOURCE },
      expr: q.expr,
      legendFormat: q.legend ?? "__auto",
      instant,
      range: !instant,
      format: force?.format ?? q.format ?? "time_series",
      editorMode: "code",
    };
  });
}

function draft(type: GrafanaPanel["type"], o: PanelOptions, colorMode: string, custom: Record<string, unknown>, options: Record<string, unknown>, t: GrafanaTarget[], transformations: Transformation[] = []): PanelDraft {
  const defaults: GrafanaPanel["fieldConfig"]["defaults"] = {
    unit: o.unit,
    color: { mode: colorMode },
    thresholds: { mode: "absolute", steps: o.thresholds ?? steps("green") },
    custom,
  };
  if (o.decimals !== undefined) defaults.decimals = o.decimals;
  if (o.min !== undefined) defaults.min = o.min;
  if (o.max !== undefined) defaults.max = o.max;
  return {
    type,
    title: o.title,
    description: o.description,
    datasource: { ...DATASOURCE },
    targets: t,
    fieldConfig: { defaults, overrides: o.overrides ?? [] },
    options,
    transformations,
    size: { w: o.w, h: o.h },
  };
}

const legendList = { displayMode: "list", placement: "bottom", showLegend: true, calcs: [] };
const reduceLast = { calcs: ["lastNotNull"], fields: "", values: false };

/** Options of a time series panel. */
export interface TimeseriesOptions extends PanelOptions {
  /** Stack the series (parts of a whole: operations by kind, tokens by direction). */
  stack?: boolean;
  /** Draw bars instead of lines (sparse events). */
  bars?: boolean;
  /** Draw the thresholds on the graph: the alert level of "+ alert" panels. */
  thresholdStyle?: "off" | "line" | "dashed" | "line+area" | "dashed+area";
  axisLabel?: string;
}

/** A graph of series over time. */
export function timeseries(o: TimeseriesOptions): PanelDraft {
  const custom = {
    drawStyle: o.bars ? "bars" : "line",
    lineWidth: 1,
    fillOpacity: o.bars || o.stack ? 60 : 10,
    gradientMode: "none",
    showPoints: "never",
    pointSize: 4,
    lineInterpolation: "linear",
    spanNulls: false,
    axisPlacement: "auto",
    axisLabel: o.axisLabel ?? "",
    axisSoftMin: 0,
    stacking: { mode: o.stack ? "normal" : "none", group: "A" },
    thresholdsStyle: { mode: o.thresholdStyle ?? "off" },
  };
  const options = { legend: legendList, tooltip: { mode: "multi", sort: "desc" } };
  return draft("timeseries", o, "palette-classic", custom, options, targets(o.queries));
}

/** Options of a stat panel. */
export interface StatOptions extends PanelOptions {
  /** Draw the series as a sparkline behind the figure (range queries only). */
  graph?: boolean;
  /** Colour the figure or the whole background by threshold. */
  colorMode?: "value" | "background" | "none";
  /** `value` hides series names (one figure); `value_and_name` shows them (one figure per series). */
  textMode?: "auto" | "value" | "value_and_name" | "name";
}

/** One big figure per series: the latest value (or the value of an instant query). */
export function stat(o: StatOptions): PanelDraft {
  const options = {
    reduceOptions: reduceLast,
    orientation: "auto",
    textMode: o.textMode ?? "auto",
    colorMode: o.colorMode ?? "value",
    graphMode: o.graph ? "area" : "none",
    justifyMode: "auto",
    wideLayout: true,
    showPercentChange: false,
  };
  return draft("stat", o, "thresholds", {}, options, targets(o.queries));
}

/** A dial of a ratio or bounded figure, coloured by its thresholds. */
export function gauge(o: PanelOptions): PanelDraft {
  const options = { reduceOptions: reduceLast, orientation: "auto", showThresholdLabels: false, showThresholdMarkers: true, minVizWidth: 75, minVizHeight: 75 };
  return draft("gauge", o, "thresholds", {}, options, targets(o.queries));
}

/** A pie of the parts of a whole over the time range (instant queries, one slice per series). */
export function piechart(o: PanelOptions): PanelDraft {
  const options = {
    reduceOptions: reduceLast,
    pieType: "donut",
    displayLabels: ["percent"],
    legend: { displayMode: "table", placement: "right", showLegend: true, values: ["value", "percent"] },
    tooltip: { mode: "single", sort: "none" },
  };
  return draft("piechart", o, "palette-classic", { hideFrom: { legend: false, tooltip: false, viz: false } }, options, targets(o.queries, { instant: true }));
}

/** Horizontal bars of instant values: a ranking, or the buckets of a histogram. */
export function bargauge(o: PanelOptions & { format?: TargetFormat }): PanelDraft {
  const options = {
    reduceOptions: reduceLast,
    orientation: "horizontal",
    displayMode: "gradient",
    valueMode: "color",
    namePlacement: "auto",
    showUnfilled: true,
    sizing: "auto",
    minVizWidth: 8,
    minVizHeight: 16,
    maxVizHeight: 300,
  };
  return draft("bargauge", o, "continuous-BlPu", {}, options, targets(o.queries, { instant: true, ...(o.format ? { format: o.format } : {}) }));
}

/** A heatmap of a Prometheus histogram's buckets over time (buckets already computed by Prometheus). */
export function heatmap(o: PanelOptions): PanelDraft {
  const options = {
    calculate: false,
    cellGap: 1,
    color: { mode: "scheme", scheme: "Oranges", fill: "dark-orange", scale: "exponential", exponent: 0.5, steps: 64, reverse: false },
    exemplars: { color: "rgba(255,0,255,0.7)" },
    filterValues: { le: 1e-9 },
    legend: { show: true },
    rowsFrame: { layout: "auto" },
    tooltip: { mode: "single", yHistogram: false, showColorScale: false },
    yAxis: { axisPlacement: "left", reverse: false, unit: o.unit, ...(o.decimals !== undefined ? { decimals: o.decimals } : {}) },
    showValue: "never",
    cellValues: { unit: "short" },
  };
  const custom = { hideFrom: { legend: false, tooltip: false, viz: false }, scaleDistribution: { type: "linear" } };
  return draft("heatmap", o, "palette-classic", custom, options, targets(o.queries, { format: "heatmap" }));
}

/** A column of a table panel: one instant query's value, named and with a unit. */
export interface TableColumn extends Query {
  /** Column header. */
  name: string;
  unit: string;
  decimals?: number;
}

/** Options of a table panel. */
export interface TableOptions extends Omit<PanelOptions, "queries" | "unit"> {
  /** Value columns, one instant query each; rows are the label sets, joined across queries. */
  columns: TableColumn[];
  /** Label columns to show, in order, with their headers; other labels are hidden. */
  labels: Record<string, string>;
  /** Column to sort by, largest first. */
  sortBy?: string;
  /** Hide the value columns (a table of label values, such as build information). */
  hideValues?: boolean;
}

/** A table of label sets with one column per instant query, over the time range. */
export function table(o: TableOptions): PanelDraft {
  const renameByName: Record<string, string> = {};
  const excludeByName: Record<string, boolean> = { Time: true };
  const indexByName: Record<string, number> = {};
  let index = 0;
  for (const [label, header] of Object.entries(o.labels)) {
    renameByName[label] = header;
    indexByName[label] = index++;
  }
  o.columns.forEach((c, i) => {
    // Grafana names the value field "Value" for one query and "Value #<refId>" once several are merged.
    const names = o.columns.length === 1 ? ["Value", "Value #A"] : [`Value #${REF_IDS[i]}`];
    for (const n of names) {
      renameByName[n] = c.name;
      indexByName[n] = index;
      if (o.hideValues) excludeByName[n] = true;
    }
    index++;
  });
  const overrides: FieldOverride[] = o.columns.map((c) => ({
    matcher: { id: "byName", options: c.name },
    properties: [{ id: "unit", value: c.unit }, ...(c.decimals !== undefined ? [{ id: "decimals", value: c.decimals }] : [])],
  }));
  const transformations: Transformation[] = [
    // One row per label set, one column per query; the queries aggregate `by` the labels shown, so no other label is left.
    { id: "merge", options: {} },
    { id: "organize", options: { excludeByName, indexByName, renameByName } },
  ];
  const options = {
    showHeader: true,
    cellHeight: "sm",
    footer: { show: false, reducer: ["sum"], countRows: false, fields: "" },
    ...(o.sortBy ? { sortBy: [{ displayName: o.sortBy, desc: true }] } : {}),
  };
  return draft("table", { ...o, queries: o.columns, unit: "short", overrides: [...overrides, ...(o.overrides ?? [])] }, "thresholds", { align: "auto", cellOptions: { type: "auto" }, inspect: false }, options, targets(o.columns, { format: "table", instant: true }), transformations);
}
