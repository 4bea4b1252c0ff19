/**
 * Shapes of service classes and SLOs (docs/slo.md; `GET|POST|PUT|DELETE /api/v1/slos`,
 * `/api/v1/service-classes`), as written in the config file and API bodies and as answered, shared by
 * the server, which builds them, and the dashboard, which reads them. Times are ISO-8601 strings.
 */

/** A named selection of traffic: every dimension in `match` must equal its value (`{query_class: "simple"}`). */
export interface ServiceClass {
  description?: string;
  match: Record<string, string>;
}

/** A service class as answered, with its name and where it came from. */
export interface ServiceClassView extends ServiceClass {
  name: string;
  /** `file` classes come from the config file and are read-only through the API. */
  source: "file" | "api";
  /** The SLOs that name this class. */
  slos: string[];
}

/** Answer of `GET /api/v1/service-classes`. */
export interface ServiceClassListResponse {
  classes: ServiceClassView[];
}

/** Which events a latency or availability SLI counts: runs or LLM calls. */
export type SloEvents = "runs" | "llm_calls";

/** The indicator an SLO is over, as written. */
export type SloSliDefinition =
  | { kind: "latency"; events?: SloEvents; threshold_ms: number; max_ms?: number }
  | { kind: "availability"; events?: SloEvents }
  | { kind: "satisfaction"; min_rating: number }
  | { kind: "satisfaction"; mean_at_least: number }
  | { kind: "accuracy"; min_score: number };

/** How an SLO's alerts are labelled and routed. */
export interface SloAlerting {
  enabled?: boolean;
  page_severity?: "info" | "warning" | "critical";
  ticket_severity?: "info" | "warning" | "critical";
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An SLO as written in the config file's `slos:` list or an API body. */
export interface SloDefinition {
  name: string;
  description?: string;
  /** The service class it is over (must exist). */
  class: string;
  sli: SloSliDefinition;
  /** The share of good events (or slices) promised, 0 < target < 1. */
  target: number;
  /** `7d`, `28d`, `30d` (any whole number of days up to the hour-rollup horizon) or `calendar_month`. Default `30d`. */
  period?: string;
  /** Events (default) or time slices (OpenSLO's two budgeting methods). */
  budgeting?: "events" | "timeslices";
  /** Time slices only: the slice length and the share of good events a slice needs to be good. */
  timeslice?: { window: string; target?: number };
  alerting?: SloAlerting;
}

/** An error budget: how many bad events (or slices) the target allows over the period, how many were spent, how many are left. */
export interface SloBudget {
  unit: "events" | "slices";
  total: number;
  consumed: number;
  /** total − consumed; negative once the budget is overspent. */
  remaining: number;
  /** remaining / total; null when there are no events yet. */
  remaining_ratio: number | null;
}

/** The burn-rate windows, shortest first. */
export type SloBurnWindow = "5m" | "30m" | "1h" | "2h" | "6h" | "1d" | "3d";

/** One multi-window burn-rate condition of an SLO and whether it holds now. */
export interface SloAlertCondition {
  /** `page` conditions take the SLO's page severity, `ticket` ones its ticket severity. */
  kind: "page" | "ticket";
  severity: "info" | "warning" | "critical";
  long_window: SloBurnWindow;
  short_window: SloBurnWindow;
  /** The burn rate both windows must exceed: budget share × period / long window. */
  factor: number;
  long_burn: number | null;
  short_burn: number | null;
  firing: boolean;
}

/** Answer of `GET /api/v1/slos/:name` (and one entry of the list): live compliance, budget, burn and exhaustion. */
export interface SloStatus {
  name: string;
  definition: SloDefinition;
  /** `file` SLOs come from the config file and are read-only through the API. */
  source: "file" | "api";
  class: ServiceClass & { name: string };
  period: { kind: "rolling" | "calendar_month"; start: string; end: string };
  /** Good / total (events) or good slices / elapsed slices; null when there are no events. */
  compliance: number | null;
  target: number;
  /** compliance ≥ target; null when there are no events. */
  met: boolean | null;
  budget: SloBudget;
  /** Burn rate per window: (bad share) / (1 − target); null when the window holds no events. */
  burn_rates: Record<SloBurnWindow, number | null>;
  /** When the remaining budget runs out at the 1-hour burn rate; null when it does not burn or is already spent. */
  exhaustion: { at: string | null; in_seconds: number | null; burn_window: "1h" };
  /** When the budget was found spent (remaining ≤ 0); null while some is left. */
  exhausted_at: string | null;
  /** Good and total events over the period (events counted even under time-slice budgeting). */
  samples: { good: number; total: number };
  /** False when the latency threshold is off the rollups' latency ladder (counts are then interpolated). */
  exact: boolean;
  /** When the period starts before the data held: the time of the first data the figures cover; else null. */
  data_from: string | null;
  alerts: SloAlertCondition[];
  /** Alerts of this SLO firing or acknowledged now. */
  open_alerts: number;
  /** Latency SLOs with `max_ms`: events over the maximum in the last 5 minutes, else null. */
  max_breaches: number | null;
}

/** Answer of `GET /api/v1/slos`. */
export interface SloListResponse {
  slos: SloStatus[];
}

/** One point of an SLO's history: the figures as of `t`. */
export interface SloHistoryPoint {
  t: string;
  compliance: number | null;
  remaining_ratio: number | null;
  burn_1h: number | null;
  good: number;
  total: number;
}

/** Answer of `GET /api/v1/slos/:name/history?step=`: points from the period's start to now. */
export interface SloHistory {
  name: string;
  step_seconds: number;
  points: SloHistoryPoint[];
}

/** One SLO's line of the report's compliance section. */
export interface ComplianceSloLine {
  name: string;
  class: string;
  kind: SloSliDefinition["kind"];
  compliance: number | null;
  target: number;
  met: boolean | null;
  remaining_ratio: number | null;
}

/** The report's `compliance` section (seed 002's success criteria): SLOs met, availability, satisfaction on the 1–5 scale. */
export interface ComplianceSummary {
  slos_total: number;
  /** SLOs with events whose compliance meets the target. */
  slos_met: number;
  /** slos_met / SLOs with events; null when none has events. */
  share_met: number | null;
  /** Mean compliance of the availability SLOs; null when none has events. */
  availability: number | null;
  /** Mean rating over the window on the 1–5 scale; null without ratings. */
  satisfaction: number | null;
  slos: ComplianceSloLine[];
}
