/**
 * The alerting domain: rules, alert instances, silences, notifications and the ports through
 * which the alert engine reaches storage and channels. Pure types; no I/O.
 */
import type { ThresholdScope } from "@vigil/contract";
import type { Dimension } from "../stored-event.js";

/** Severity of a rule and of its alerts. */
export type Severity = "info" | "warning" | "critical";
/** Severities, least severe first. */
export const SEVERITIES: readonly Severity[] = ["info", "warning", "critical"];

/** Comparison of a rule's value with its threshold. */
export type Comparator = ">" | ">=" | "<" | "<=" | "==" | "!=";
/** Every comparator a rule may use. */
export const COMPARATORS: readonly Comparator[] = [">", ">=", "<", "<=", "==", "!="];

/** What a rule does for a group that has no data (or fewer samples than `min_samples`). */
export type NoDataBehaviour = "ok" | "keep_state" | "alerting";

/** How a custom metric's samples in the window become one value. */
export type CustomAggregate = "avg" | "min" | "max" | "sum" | "last" | "count" | "rate";

/**
 * A change function: instead of the window's value, compare how it moved against the window of
 * equal length before it. `ratio` is current / previous (2 = doubled), `delta` is current − previous,
 * `percent` is (current − previous) / previous × 100.
 */
export type ChangeFunction = "ratio" | "delta" | "percent";

/** A validated alert rule (SPEC §3 Alerts; docs/alerting.md). Durations are milliseconds. */
export interface AlertRule {
  name: string;
  description: string | null;
  /** A metric of the alerting catalogue, or `custom.<name>` for custom metric events. */
  metric: string;
  /** How custom metric samples are combined (custom metrics only). */
  aggregate: CustomAggregate | null;
  /** Only data matching every given dimension counts. */
  scope: Partial<Record<Dimension, string>>;
  /** Custom metrics only: only metric events reported with this `component` count, and alerts carry it as a label. */
  component?: string;
  /** One alert instance per distinct combination of these dimensions. */
  group_by: Dimension[];
  /** For an anomaly rule `>=` (the detector's score against `anomaly.threshold`); its threshold fields are null. */
  comparator: Comparator;
  /** The threshold, or null when it comes from the thresholds settings (`threshold_key`). */
  threshold: number | null;
  /** A key of the thresholds settings (`GET|PUT /api/v1/thresholds`) that supplies the threshold. */
  threshold_key: string | null;
  /**
   * A baseline (docs/baselines.md) whose value times `factor` is the threshold. The rule book fills
   * `threshold` with that number at each evaluation (null while the baseline is missing or inactive).
   */
  baseline?: { name: string; factor: number };
  window_ms: number;
  for_ms: number;
  keep_firing_for_ms: number;
  /**
   * A group with fewer samples in the window is treated as having no data. Null when the rule does
   * not say: a `threshold_key` rule then takes the thresholds' minimum for the group, any other 1.
   */
  min_samples: number | null;
  change: ChangeFunction | null;
  /**
   * An anomaly rule (docs/anomaly.md#anomaly-rules): the metric per whole `step_ms` is fed to a
   * streaming detector per group, and the rule fires when a step scores at least `threshold`, once
   * the group's detector has seen `min_history_ms`. `sensitivity` is as written (`high`, `medium`,
   * `low`, or the number). Such a rule has no threshold, baseline, change or window of its own
   * (`window_ms` is the step).
   */
  anomaly?: { threshold: number; sensitivity: string; min_history_ms: number; step_ms: number };
  /**
   * A forecast rule (docs/anomaly.md#forecasts): it fires when the trend of its metric is predicted
   * to cross its threshold within `within_ms` (or the metric is past it already), per group.
   */
  forecast?: { within_ms: number };
  severity: Severity;
  labels: Record<string, string>;
  /** summary, description, recommendation, business_impact and any other; templated. */
  annotations: Record<string, string>;
  no_data: NoDataBehaviour;
  enabled: boolean;
  /** Where the rule came from: the shipped pack, the rules file, the API, or generated from an SLO (docs/slo.md). */
  source: "default" | "file" | "api" | "slo";
}

/** A rule as written in YAML or sent to the API (snake_case, durations as text such as `5m`). */
export type RuleInput = Record<string, unknown>;

/** The evaluation state of an alert instance (Prometheus semantics). */
export type EvalState = "pending" | "firing" | "inactive";

/** Lifecycle state shown to users (SPEC §3): `firing` becomes `acknowledged` when someone acks it. */
export type AlertLifecycle = "pending" | "firing" | "acknowledged" | "resolved";

/** One alert instance: a rule applied to one group. Times are epoch milliseconds. */
export interface AlertRecord {
  /** Stable id of this occurrence (a new id each time the condition starts anew). */
  id: string;
  /** Hash of the rule name and the group labels: one open alert per fingerprint at a time. */
  fingerprint: string;
  rule: string;
  severity: Severity;
  state: AlertLifecycle;
  /** Rule labels plus group labels plus `alertname` and `severity`. */
  labels: Record<string, string>;
  /** Annotations with the templates filled in. */
  annotations: Record<string, string>;
  metric: string;
  value: number | null;
  threshold: number | null;
  /** Where the threshold came from (a `threshold_key` rule), or null: the rule's own threshold. */
  threshold_scope?: ThresholdScope | null;
  /** Samples behind the last value judged. */
  samples?: number;
  /** When the condition first held for this occurrence (Prometheus `activeAt`). */
  active_at: number;
  /** When it became firing, or null while pending. */
  fired_at: number | null;
  /** When the condition last stopped holding while firing (for `keep_firing_for`), or null. */
  keep_firing_since: number | null;
  last_evaluated_at: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  ack_note: string | null;
  resolved_at: number | null;
  /** Who resolved it by hand; null when it resolved by itself. */
  resolved_by: string | null;
  resolve_note: string | null;
}

/** One entry of an alert's history. */
export interface AlertHistoryEntry {
  alert_id: string;
  at: number;
  /** pending, firing, acknowledged, resolved, silenced, inhibited... */
  event: string;
  by: string | null;
  note: string | null;
  value: number | null;
}

/** A label matcher, as in Alertmanager: `=`, `!=`, `=~` and `!~` (regular expressions anchored). */
export interface Matcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/** A silence: alerts matching every matcher between `starts_at` and `ends_at` notify nobody. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}

/** What a notification says about its alerts. */
export type NotificationKind = "firing" | "resolved" | "acknowledged" | "test";

/** An alert as carried in a notification. */
export interface NotifiedAlert {
  id: string;
  fingerprint: string;
  rule: string;
  severity: Severity;
  /** `firing` or `resolved` at the time the notification was made; `acknowledged` for acks. */
  status: "firing" | "resolved" | "acknowledged";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  threshold: number | null;
  starts_at: number;
  ends_at: number | null;
  acknowledged_by: string | null;
}

/** One message for one channel about one alert group, as stored in the outbox. */
export interface Notification {
  /** Unique id; channels use it as an idempotency key where the peer supports one. */
  id: string;
  channel: string;
  kind: NotificationKind;
  /** The group this notification is about (route and group labels). */
  group_key: string;
  group_labels: Record<string, string>;
  /** The highest severity among the alerts. */
  severity: Severity;
  alerts: NotifiedAlert[];
  created_at: number;
  /** Link back to this Vigil instance (e.g. `http://host:8001`), for "view in Vigil" links. */
  external_url: string;
}

/**
 * The result of one delivery attempt. A notifier returns it instead of throwing: `retryable`
 * tells the outbox whether to try again (network errors, 5xx and 429 yes; other 4xx no).
 */
export type DeliveryResult =
  | { ok: true; status?: number; detail?: string }
  | { ok: false; retryable: boolean; error: string; status?: number; retryAfterMs?: number };

/** A channel: delivers notifications to one destination. */
export interface Notifier {
  /** Name used in routes and the API (`POST /api/v1/channels/:name/test`). */
  readonly name: string;
  /** Channel type: console, webhook, slack, email, pagerduty, alertmanager. */
  readonly type: string;
  /** Delivers one notification; never throws. */
  send(n: Notification): Promise<DeliveryResult>;
  /** A description safe to show (secrets redacted). */
  describe(): Record<string, unknown>;
  close?(): Promise<void>;
}

/** State of an outbox entry. */
export type OutboxState = "pending" | "delivered" | "failed";

/** A notification waiting in, or done with, the durable outbox. */
export interface OutboxEntry {
  notification: Notification;
  state: OutboxState;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending entries). */
  next_attempt_at: number;
  last_error: string | null;
  updated_at: number;
}

/** One delivery attempt, for the delivery log (`GET /api/v1/notifications?alert_id=`). */
export interface DeliveryAttempt {
  notification_id: string;
  channel: string;
  kind: NotificationKind;
  attempt: number;
  /** delivered, retrying (will be tried again), failed (given up). */
  status: "delivered" | "retrying" | "failed";
  http_status: number | null;
  error: string | null;
  at: number;
}

/** Per alert group and channel: what was last sent, so that repeats and changes survive restarts. */
export interface GroupState {
  group_key: string;
  channel: string;
  /** When the last notification for this group was made, or null before the first. */
  last_sent_at: number | null;
  /** Fingerprints reported firing in the last notification (sorted). */
  last_firing: string[];
}

/** Filter of `listAlerts`. */
export interface AlertQuery {
  states?: AlertLifecycle[];
  severities?: Severity[];
  rule?: string;
  /** Every given label must have this value. */
  labels?: Record<string, string>;
  /** Alerts whose last change is at or after this time. */
  since?: number;
  limit?: number;
}

/** Storage of silences: the part of `AlertStore` the silence lifecycle needs. */
export interface SilenceStore {
  /** Every silence, expired ones included. */
  listSilences(): Promise<Silence[]>;
  /** Inserts or replaces a silence by id. */
  putSilence(s: Silence): Promise<void>;
  /** Resolves true when a silence was deleted. */
  deleteSilence(id: string): Promise<boolean>;
}

/**
 * Storage of everything alerting keeps: rules written through the API, settings (thresholds),
 * alert instances and their history, silences (`SilenceStore`), notification group state and the
 * durable outbox with its delivery log. Both SQLite and PostgreSQL implement it; the storage
 * contract suite covers it.
 */
export interface AlertStore extends SilenceStore {
  /** Rules created or changed through the API (file and default rules are not stored). */
  listRules(): Promise<AlertRule[]>;
  putRule(rule: AlertRule): Promise<void>;
  /** Resolves true when a rule was deleted. */
  deleteRule(name: string): Promise<boolean>;

  /** A JSON setting (e.g. `thresholds`), or null when never set. */
  getSetting(key: string): Promise<unknown>;
  putSetting(key: string, value: unknown): Promise<void>;

  /**
   * Inserts or replaces alert instances by id and appends history entries, atomically. An alert
   * whose state is `resolved` is no longer returned by `openAlerts`.
   */
  saveAlerts(alerts: readonly AlertRecord[], history: readonly AlertHistoryEntry[]): Promise<void>;
  /** Deletes alerts and their history (a pending alert whose condition cleared is dropped silently). */
  deleteAlerts(ids: readonly string[]): Promise<void>;
  /** Every alert that is not resolved (to restore evaluation state on start-up). */
  openAlerts(): Promise<AlertRecord[]>;
  getAlert(id: string): Promise<AlertRecord | null>;
  /** Alerts matching the query, most recently active first, and how many match in all. */
  listAlerts(q: AlertQuery): Promise<{ alerts: AlertRecord[]; total: number }>;
  history(alertId: string): Promise<AlertHistoryEntry[]>;
  /** Deletes resolved alerts (and their history) resolved before `before`. */
  deleteResolvedBefore(before: number): Promise<number>;

  listGroupStates(): Promise<GroupState[]>;
  /**
   * Queues notifications and records the group states that produced them, atomically: either the
   * notifications are queued and the groups marked sent, or neither. An id already queued is ignored.
   */
  enqueue(notifications: readonly Notification[], groups: readonly GroupState[], now: number): Promise<void>;
  /** Pending outbox entries due at or before `now`, oldest first. */
  due(now: number, limit: number): Promise<OutboxEntry[]>;
  /** The earliest `next_attempt_at` among pending entries, or null when none is pending. */
  nextDue(): Promise<number | null>;
  /**
   * Records an attempt on an entry: its new state, next attempt time and last error, and a line
   * in the delivery log, atomically.
   */
  recordAttempt(id: string, update: { state: OutboxState; attempts: number; next_attempt_at: number; last_error: string | null; updated_at: number }, attempt: DeliveryAttempt): Promise<void>;
  /** Delivery log of the notifications about an alert (or all, newest first, when alertId is null). */
  deliveries(alertId: string | null, limit: number): Promise<DeliveryAttempt[]>;
  /** Outbox entries by state, for operators. */
  outboxCounts(): Promise<Record<OutboxState, number>>;
  /** Deletes delivered and failed entries (and their log) last updated before `before`. */
  deleteDeliveredBefore(before: number): Promise<number>;
}
