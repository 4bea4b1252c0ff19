/** Which trends against the previous window the dashboard shows: none when either side has no data, so a figure is never called improving or degrading against nothing. */
import type { Trend } from "@vigil/contract";

/** A trend of one metric as `GET /api/v1/report` gives it. */
export interface TrendRow {
  current: number | null;
  previous: number | null;
  change: number | null;
  trend: Trend | null;
}

/** Whether the previous window held any data: some figure of it is a number other than 0 (an empty window's counts, costs and throughput are 0, its rates null). */
export function previousHasData(trends: Record<string, TrendRow>): boolean {
  return Object.values(trends).some((t) => t.previous !== null && t.previous !== 0);
}

/** The trend to show for `t`, or null: the server's word only when both windows have a figure and the previous window held data at all. */
export function shownTrend(t: TrendRow | undefined, previousData: boolean): { trend: Trend; change: number | null } | null {
  if (!t || t.trend === null || !previousData || t.current === null || t.previous === null) return null;
  return { trend: t.trend, change: t.change };
}
