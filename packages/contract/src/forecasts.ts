/**
 * Shapes of forecasts (docs/anomaly.md "Forecasts"; `GET /api/v1/forecasts`, the report's
 * `forecasts`): from the recent trend of a series, when it will cross a limit, with a band. Shared
 * by the server, which builds them, and the dashboard, which reads them. Times are ISO-8601 strings.
 */

/**
 * What is forecast: an enabled threshold alert rule's metric per group (`rule`), an SLO's error
 * budget left (`slo_budget`), or the system's projected daily cost against `HighDailyCost` (`daily_cost`).
 */
export type ForecastKind = "rule" | "slo_budget" | "daily_cost";

/** The direction of a crossing: `>`/`>=` rising through the limit, `<`/`<=` falling through it. */
export type ForecastComparator = ">" | ">=" | "<" | "<=";

/**
 * Why a forecast predicts no crossing: fewer points than a trend needs, the trend already past the
 * limit, a slope no larger than its noise, a trend moving away from the limit, or a crossing
 * further ahead than the horizon (7 days).
 */
export type ForecastReason = "too few points" | "already crossed" | "no significant trend" | "moving away from the limit" | "beyond the horizon";

/** The predicted crossing: its time and the band around it (`latest` null: not certain within the horizon). */
export interface ForecastCrossing {
  at: string;
  earliest: string;
  latest: string | null;
}

/** How the trend was fitted and how far it can be trusted. */
export interface ForecastFit {
  /** A robust straight line: the median of pairwise slopes and the median intercept. */
  method: "theil-sen";
  /** Share of the variance the line explains (0..1); null when every value is the same. */
  r2: number | null;
  /** `high`, `medium` or `low`: from the slope's size against its noise, r², and how far ahead the crossing lies. */
  confidence: "high" | "medium" | "low";
  /** Robust standard deviation of the points around the line. */
  residual_sd: number;
  /** Standard error of the trend, per hour. */
  trend_stderr_per_hour: number;
  /** The trend's value now, as the limit is compared with it (a rule's window lags the points by half its length). */
  trend_now: number;
  /** The first and last point, and the step between points. */
  from: string;
  to: string;
  step_seconds: number;
}

/** The value the trend predicts at a time, with its band. */
export interface ForecastPrediction {
  at: string;
  value: number;
  low: number;
  high: number;
}

/** One forecast. */
export interface Forecast {
  kind: ForecastKind;
  /** The rule's name (`rule`, and `daily_cost`: the rule whose threshold is the limit) or the SLO's name. */
  name: string;
  /** The metric forecast: the rule's catalogue metric, `projected_daily_cost`, or `budget_remaining_ratio`. */
  metric: string;
  /** A grouped rule's group (its `group_by` dimensions and values). */
  group?: Record<string, string>;
  limit: number;
  comparator: ForecastComparator;
  /** The latest point's value (a rule's metric over the latest step; an SLO's remaining budget share now); null without points. */
  current: number | null;
  /** The trend's slope per hour; null without a fit. */
  trend_per_hour: number | null;
  crossing: ForecastCrossing | null;
  /** Seconds until the predicted crossing; 0 when already crossed; null when no crossing is predicted. */
  in_seconds: number | null;
  /** Why no crossing is predicted (absent when one is). */
  reason?: ForecastReason;
  /** The points the trend was fitted to. */
  points: number;
  /** The value predicted 24 hours from now, with its band; null without a fit. */
  predicted_24h: ForecastPrediction | null;
  /** Null when there were too few points to fit. */
  fit: ForecastFit | null;
}

/** A grouped rule whose groups were not all forecast: only the most active are. */
export interface ForecastGroupsLeftOut {
  rule: string;
  groups_total: number;
  groups_forecast: number;
}

/** A rule or SLO that is not forecast, and why (a change function, a custom or route metric, no threshold, an `==` comparator, over the cap...). */
export interface ForecastSkipped {
  kind: "rule" | "slo_budget";
  name: string;
  reason: string;
}

/** Answer of `GET /api/v1/forecasts`: the forecasts matching the filters, soonest crossing first. */
export interface ForecastListResponse {
  generated_at: string;
  forecasts: Forecast[];
  /** Forecasts matching the filters before `limit`. */
  total: number;
  /** Grouped rules of which only the most active groups were forecast. */
  groups_left_out: ForecastGroupsLeftOut[];
  /** Enabled rules (and SLOs past the cap) that are not forecast, and why. */
  skipped: ForecastSkipped[];
}

/** The report's `forecasts` section: the crossings predicted within 24 hours, soonest first. */
export interface ForecastSummary {
  within_seconds: number;
  /** The soonest crossings (at most 10). */
  crossings: Forecast[];
  /** Crossings predicted within the 24 hours in all. */
  total: number;
}
