/**
 * Shapes of the alerting API's answers (SPEC §3 Alerts; docs/api.md "Alerts"), shared by the
 * server, which builds them, and the dashboard, which reads them. Times are ISO-8601 strings
 * unless a field says otherwise.
 */
import type { RollupDimension, WindowRange } from "./api.js";
import type { ThresholdScope } from "./thresholds.js";

/** The severity of a rule and of its alerts. */
export type AlertLevel = "info" | "warning" | "critical";

/** The lifecycle state of an alert: `firing` becomes `acknowledged` when someone acknowledges it. */
export type AlertState = "pending" | "firing" | "acknowledged" | "resolved";

/** The alert object (A) of `GET /api/v1/alerts` and of the acknowledge and resolve calls. */
export interface AlertView {
  /** This occurrence: `<fingerprint>-<start time in base 36>`. */
  alert_id: string;
  rule: string;
  level: AlertLevel;
  state: AlertState;
  /** The metric the rule watches (`error_rate`, `custom.tool_error`). */
  metric_type: string;
  /** The `summary` annotation, else `<rule> is <state>`. */
  message: string;
  /** The last value seen; null when the alert fires for lack of data. */
  current_value: number | null;
  /** The threshold in force for this group, in the metric's unit. */
  threshold: number | null;
  /** Where the threshold in force came from (global settings or an override). */
  threshold_scope?: ThresholdScope | null;
  /** The number of samples the last verdict was made on. */
  samples?: number | null;
  /** Present when the alert's labels hold it. */
  agent_name?: string;
  /** Present when the alert's labels hold it. */
  model?: string;
  /** Present when the alert's labels hold it. */
  route?: string;
  /** The rule's labels plus `alertname`, `severity` and the group's dimensions. */
  labels: Record<string, string>;
  /** The rule's annotations with their templates filled in. */
  annotations: Record<string, string>;
  /** When the condition first held (pending). */
  starts_at: string;
  /** When it became firing; null while pending. */
  fired_at: string | null;
  last_evaluated_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  ack_note: string | null;
  resolved_at: string | null;
  /** Who resolved it by hand; null when it resolved by itself. */
  resolved_by: string | null;
  resolve_note: string | null;
  recommendation: string | null;
  business_impact: string | null;
  /** Hash of the rule and the group labels: the same for every occurrence of one condition. */
  fingerprint: string;
  silenced: boolean;
  /** The id of the silence muting its notifications. */
  silenced_by: string | null;
  inhibited: boolean;
  /** The `alert_id` of the alert whose firing mutes its notifications. */
  inhibited_by: string | null;
}

/** Answer of `GET /api/v1/alerts`: one page of matching alerts and how many match in all. */
export interface AlertListResponse {
  alerts: AlertView[];
  total_count: number;
}

/** One event of an alert's history (`pending`, `firing`, `acknowledged`, `resolved`...). */
export interface AlertHistoryItem {
  alert_id: string;
  at: string;
  event: string;
  by: string | null;
  note: string | null;
  value: number | null;
}

/** Answer of `GET /api/v1/alerts/:id`: the alert and its history, oldest first. */
export interface AlertDetailView extends AlertView {
  history: AlertHistoryItem[];
}

/** Body of `POST /api/v1/alerts/:id/acknowledge` and `/resolve`. */
export interface AlertActionRequest {
  /** Who acts: a name or email, 1..256 characters. */
  by: string;
  /** At most 4,096 characters. */
  note?: string | null;
}

/** The last evaluation made by the answering instance (`at` in epoch milliseconds). */
export interface AlertEvaluationStats {
  at: number;
  rules: number;
  open_alerts: number;
  took_ms: number;
  failed_rules: number;
  /** Rule × group evaluations made in the cycle. */
  evaluated_groups: number;
  /** Evaluations made since the instance started. */
  evaluations: number;
}

/** Answer of `GET /api/v1/alerts/summary`: the alerts whose latest change falls in the window. */
export interface AlertSummaryResponse {
  window: WindowRange;
  total: number;
  /** Alerts not resolved. */
  open: number;
  by_level: Record<AlertLevel, number>;
  by_state: Record<AlertState, number>;
  by_rule: Record<string, { total: number; open: number }>;
  /** Mean seconds from firing to acknowledgement; null without a sample. */
  mean_time_to_acknowledge_s: number | null;
  /** Mean seconds from firing to resolution; null without a sample. */
  mean_time_to_resolve_s: number | null;
  acknowledged_samples: number;
  resolved_samples: number;
  /** Null before the instance's first evaluation. */
  evaluation: AlertEvaluationStats | null;
}

/** A label matcher, as in Alertmanager (regular expressions anchored, RE2 syntax). */
export interface AlertMatcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/** The state of a silence at the time of the answer. */
export type SilenceState = "pending" | "active" | "expired";

/** A silence (S): alerts matching every matcher between `starts_at` and `ends_at` notify nobody. */
export interface SilenceView {
  id: string;
  matchers: AlertMatcher[];
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  created_at: string;
  state: SilenceState;
}

/** Answer of `GET /api/v1/silences`, expired silences included. */
export interface SilenceListResponse {
  silences: SilenceView[];
}

/** Body of `POST /api/v1/silences`: `ends_at` or `duration` (`30m`, `2h`, `1d`); `starts_at` defaults to now. */
export interface SilenceRequest {
  /** Text (`label=value`, `label!=value`, `label=~regex`, `label!~regex`) or matcher objects. */
  matchers: (string | AlertMatcher)[];
  starts_at?: string;
  ends_at?: string;
  duration?: string;
  created_by: string;
  comment?: string;
}

/** An alert rule (R) as answered, every default filled in; durations as text such as `5m`. */
export interface AlertRuleView {
  name: string;
  description?: string;
  /** A metric of the alerting catalogue, or `custom.<name>`. */
  metric: string;
  /** How custom metric samples are combined (custom metrics only). */
  aggregate?: "avg" | "min" | "max" | "sum" | "last" | "count" | "rate";
  scope?: Partial<Record<RollupDimension, string>>;
  group_by?: RollupDimension[];
  /** Absent for an anomaly rule (`anomaly`), which fires on its detector's score. */
  comparator?: ">" | ">=" | "<" | "<=" | "==" | "!=";
  /** The fixed threshold; absent when `threshold_key` names a thresholds setting, and for an anomaly rule. */
  threshold?: number | null;
  threshold_key?: string;
  /** The baseline (`GET /api/v1/baselines`) whose value times `factor` is the threshold, resolved at each evaluation. */
  baseline?: string;
  /** What the baseline's value is multiplied by (default 1); only with `baseline`. */
  factor?: number;
  /** Absent for an anomaly rule, which reads whole steps (`anomaly.step`). */
  window?: string;
  for: string;
  keep_firing_for: string;
  /** Absent when the rule does not set one: a `threshold_key` rule then takes the thresholds' minimum (`GET /api/v1/thresholds`), any other 1. */
  min_samples?: number;
  change?: "ratio" | "delta" | "percent";
  /**
   * An anomaly rule (docs/anomaly.md#anomaly-rules): the metric per whole `step` is scored by a
   * streaming detector per group, and the rule fires at a score of 0.5 (`high`), 0.6 (`medium`),
   * 0.7 (`low`) or the number given, once the group has `min_history` of history.
   */
  anomaly?: { sensitivity: "high" | "medium" | "low" | number; min_history: string; step: string };
  /** A forecast rule (docs/anomaly.md#forecasts): fires when its metric is predicted to cross the threshold within `within`. */
  forecast?: { within: string };
  severity: AlertLevel;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  no_data: "ok" | "keep_state" | "alerting";
  enabled: boolean;
  /** Where the rule came from: the shipped pack, the rules file, the API, or generated from an SLO (read-only; docs/slo.md). */
  source: "default" | "file" | "api" | "slo";
}

/** Answer of `GET /api/v1/alert-rules`: every rule in force, by name. */
export interface AlertRuleListResponse {
  rules: AlertRuleView[];
}

/** A configured channel, secrets in `config` shown as `<redacted>`. */
export interface ChannelView {
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** Answer of `GET /api/v1/channels`. */
export interface ChannelListResponse {
  channels: ChannelView[];
}

/** Answer (202) of `POST /api/v1/alerts/test` and `POST /api/v1/channels/:name/test`. */
export interface TestNotificationResponse {
  queued: { notification_id: string; channel: string }[];
  /** Said by `POST /api/v1/alerts/test`. */
  note?: string;
}

/** What a notification says about its alerts. */
export type NotificationKind = "firing" | "resolved" | "acknowledged" | "test";

/** One delivery attempt of the delivery log. */
export interface DeliveryAttemptView {
  notification_id: string;
  channel: string;
  kind: NotificationKind;
  attempt: number;
  /** `retrying`: will be tried again; `failed`: given up. */
  status: "delivered" | "retrying" | "failed";
  /** The peer's answer for webhook, Slack and Alertmanager, else null. */
  http_status: number | null;
  error: string | null;
  at: string;
}

/** Answer of `GET /api/v1/notifications`: delivery attempts, newest first, and the outbox by state. */
export interface NotificationLogResponse {
  deliveries: DeliveryAttemptView[];
  outbox: Record<"pending" | "delivered" | "failed", number>;
}
