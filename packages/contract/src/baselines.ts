/**
 * Shapes of performance baselines (docs/baselines.md; `GET|POST /api/v1/baselines`,
 * `GET|PUT|DELETE /api/v1/baselines/:name`, `POST /api/v1/baselines/capture`), seed 002's
 * `ai_system_performance_baselines`, shared by the server and the dashboard. Times are ISO-8601.
 */

/** Seed 002's baseline categories. */
export type BaselineCategory = "ai_query" | "ml_inference" | "user_feedback" | "system_health" | "user_interface";

/** Which way a metric is better, when the catalogue does not say (custom metrics, counts). */
export type BaselineDirection = "higher_is_better" | "lower_is_better";

/** A baseline as written in the config file's `baselines:` list or an API body. */
export interface BaselineDefinition {
  name: string;
  /** A metric of the alert catalogue (`p95_latency_ms`, `success_rate`...) or `custom.<name>`. */
  metric: string;
  category?: BaselineCategory;
  value: number;
  /** Defaults to the catalogue's unit of the metric. */
  unit?: string;
  /** The component measured (seed 002's `component`); informative, see `scope` for what is compared. */
  component?: string;
  /** The traffic the value is of: dimension → value (`{agent_name: "search"}`); empty: all traffic. */
  scope?: Record<string, string>;
  /** How the value was measured (free-form; a captured baseline records window, scope and samples). */
  test_conditions?: Record<string, unknown>;
  /** When it was measured; default: when it was created. */
  measured_at?: string;
  /** Inactive baselines are kept but not compared against (rules naming one read no threshold). */
  active?: boolean;
  /** Only for metrics whose direction the catalogue does not know. */
  direction?: BaselineDirection;
}

/** A baseline as answered. */
export interface Baseline {
  name: string;
  metric: string;
  category: BaselineCategory | null;
  value: number;
  unit: string;
  component: string | null;
  scope: Record<string, string>;
  test_conditions: Record<string, unknown>;
  measured_at: string;
  active: boolean;
  direction: BaselineDirection;
  /** `config` baselines come from the config file and are read-only through the API. */
  source: "config" | "api" | "captured";
  /** The window a captured baseline was measured over. */
  window?: { start: string; end: string };
}

/** Answer of `GET /api/v1/baselines`. */
export interface BaselineListResponse {
  baselines: Baseline[];
}

/** Body of `POST /api/v1/baselines/capture`. */
export interface BaselineCaptureRequest {
  /** Prefix of the baselines' names (`<name>.<metric>`); default `captured`. */
  name?: string;
  /** Metrics to capture; default: p95 latency, success rate, error rate, accuracy, satisfaction, cost per task. */
  metrics?: string[];
  /** Length of the window, e.g. `1h`. */
  window: string;
  /** End of the window; default now. */
  end?: string;
  scope?: Record<string, string>;
  category?: BaselineCategory;
}

/** Answer of `POST /api/v1/baselines/capture`. */
export interface BaselineCaptureResponse {
  captured: Baseline[];
  /** Metrics not captured and why (no samples in the window). */
  skipped: { metric: string; reason: string }[];
  window: { start: string; end: string };
}

/** How a figure stands against its baseline: beyond the tolerance on the good or bad side, within it, or no figure. */
export type BaselineStatus = "better" | "same" | "worse" | "no_data";

/** One baseline against the current figure. */
export interface BaselineComparison {
  current: number | null;
  baseline: number;
  /** current / baseline; null without a current figure or with a zero baseline. */
  ratio: number | null;
  /** Relative change (current - baseline) / |baseline|; null as `ratio`. */
  change: number | null;
  status: BaselineStatus;
}

/** The report's `baselines` section: each active baseline against the report window's figure for its scope. */
export interface BaselineReportEntry extends BaselineComparison {
  name: string;
  metric: string;
  unit: string;
  scope: Record<string, string>;
  category: BaselineCategory | null;
  samples: number;
}

/** Answer of `GET /api/v1/baselines/compare?window=&<dimension>=`: the baselines within the filter against the window's figures. */
export interface BaselineCompareResponse {
  window: { start: string; end: string };
  baselines: BaselineReportEntry[];
}
