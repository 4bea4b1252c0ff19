/** Fetching several metrics' time series in one request (`metric=a,b,c`) and picking them apart by `labels.metric`. */
import type { TimeseriesResponse } from "@vigil/contract";
import { get, type Params } from "./api.js";
import type { WindowChoice } from "./windows.js";

/** Points by metric name (and by group value when grouped). */
export type SeriesByMetric = Record<string, [number, number | null][]>;

/** Fetches `metrics` over the window at the window's chart step, optionally filtered (agent_name, model, …); one series per metric. */
export async function fetchSeries(metrics: string[], w: WindowChoice, filter: Params = {}): Promise<SeriesByMetric> {
  const r = await get<TimeseriesResponse>("metrics/timeseries", { metric: metrics.join(","), window: w.id, step: w.step, ...filter });
  const out: SeriesByMetric = {};
  for (const s of r.series) out[metrics.length > 1 ? s.labels.metric! : metrics[0]!] = s.points;
  return out;
}
