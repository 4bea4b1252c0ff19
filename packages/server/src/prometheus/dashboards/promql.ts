/**
 * Small PromQL idioms the dashboards repeat, kept in one place so that every ratio treats "no
 * events of this kind" the same way: zero when the whole has samples, no point when it has none
 * (never NaN).
 */

/** Grafana's rate window: at least four scrape intervals, so `rate()` always has two samples. */
export const RATE = "$__rate_interval";

/** Grafana's whole time range, for totals over what the dashboard shows (instant queries). */
export const RANGE = "$__range";

/**
 * `part / whole`, where a missing part (no failures, no hits yet) counts as zero for every series of
 * the whole and a whole of zero gives no point instead of NaN. Both sides must carry the same labels.
 */
export function ratio(part: string, whole: string): string {
  return `(${part} or ${whole} * 0) / (${whole} > 0)`;
}

/** The mean of a histogram or summary: rate of its `_sum` over rate of its `_count` (no point without observations). */
export function mean(sum: string, count: string): string {
  return `${sum} / (${count} > 0)`;
}

/** Names the empty value of `label` "(none)", so series of events without it get a readable legend. */
export function named(expr: string, label: string): string {
  return `label_replace(${expr}, "${label}", "(none)", "${label}", "")`;
}

/** The q-quantile of a histogram over `RATE`, overall or per `by` labels. */
export function quantile(q: number, histogram: string, by: readonly string[] = [], matchers = ""): string {
  return `histogram_quantile(${q}, sum by (${["le", ...by].join(", ")}) (rate(${histogram}_bucket${matchers}[${RATE}])))`;
}
