/**
 * Seed 004's four Grafana dashboards over Vigil's `/metrics` families, built from code so that a
 * renamed family or label breaks a test rather than a dashboard. `vigil dashboards export` writes
 * them as JSON files for Grafana's file provisioning or its import page.
 */
import { cachePerformance } from "./cache-performance.js";
import { costOptimization } from "./cost-optimization.js";
import type { GrafanaDashboard } from "./grafana.js";
import { performanceOverview } from "./performance-overview.js";
import { systemHealth } from "./system-health.js";

export type { GrafanaDashboard, GrafanaPanel, GrafanaTarget } from "./grafana.js";

/** A dashboard and the file name it is exported under (`<uid>.json`). */
export interface DashboardFile {
  file: string;
  dashboard: GrafanaDashboard;
}

/** One query of a dashboard, with the panel it belongs to. */
export interface DashboardQuery {
  /** Title of the panel. */
  panel: string;
  refId: string;
  /** PromQL with Grafana's variables (`$__rate_interval`, `$__range`) left in. */
  expr: string;
  /** Evaluated at the end of the time range only (Grafana's "Instant" query type). */
  instant: boolean;
}

/** The four dashboards, freshly built, in seed order: Performance Overview, Cache Performance, Cost Optimization, System Health. */
export function buildDashboards(): DashboardFile[] {
  return [performanceOverview(), cachePerformance(), costOptimization(), systemHealth()].map((dashboard) => ({ file: `${dashboard.uid}.json`, dashboard }));
}

/** Every query of a dashboard, panel by panel and target by target. */
export function dashboardQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  return dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant })));
}
