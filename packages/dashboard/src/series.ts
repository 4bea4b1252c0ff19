/** Fetching several metrics' time series in one request (`metric=a,b,c`) and picking them apart by `labels.metric`. */
import type { TimeseriesResponse } from "@vigil/contract";
import { get, type Params } from "./api.js";
import type { WindowChoice } from "./windows.js";

/** Points by metric name (and by group value when grouped). */
export type SeriesByMetric = Record<string, [number, number | null][]>;

/** The series of a window, and where its steps still filling begin. */
export interface WindowSeries {
  series: SeriesByMetric;
  /** Epoch ms start of the first step still filling (its points are partial), or null when every step is complete. */
  partialFrom: number | null;
}

/** Fetches `metrics` over the window at the window's chart step, optionally filtered (agent_name, model, …); one series per metric. */
export async function fetchSeries(metrics: string[], w: WindowChoice, filter: Params = {}): Promise<WindowSeries> {
  // `partial_from` is absent from servers that predate it: their last point is then taken as complete.
  const r = await get<TimeseriesResponse & { partial_from?: number | null }>("metrics/timeseries", { metric: metrics.join(","), window: w.id, step: w.step, ...filter });
  const series: SeriesByMetric = {};
  for (const s of r.series) series[metrics.length > 1 ? s.labels.metric! : metrics[0]!] = s.points;
  return { series, partialFrom: typeof r.partial_from === "number" ? r.partial_from : null };
}
