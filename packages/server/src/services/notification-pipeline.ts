/**
 * The notification pipeline, in Alertmanager's stages: silence and inhibit (muted alerts notify
 * nobody), route by labels to channels, group, and decide per group when to notify (group wait,
 * group interval, repeat interval). A notification that is due is written to the durable outbox
 * together with the group state that produced it, in one transaction, and delivered from there.
 */
import { groupDecision, groupOf, inhibited, notificationId, routesFor, silencedBy, type InhibitRule, type NotificationRoute } from "../core/alerting/routing.js";
import { SEVERITIES, type AlertRecord, type AlertStore, type GroupState, type Notification, type NotifiedAlert, type Severity, type Silence } from "../core/alerting/types.js";
import type { Leadership } from "../core/ports.js";
import type { AlertSink } from "./alert-engine.js";

/** What the pipeline needs. */
export interface PipelineDeps {
  store: Pick<AlertStore, "listSilences" | "listGroupStates" | "enqueue" | "listAlerts">;
  routes: readonly NotificationRoute[];
  /** The route of alerts no route matched. */
  fallback: NotificationRoute;
  inhibit: readonly InhibitRule[];
  leadership: Pick<Leadership, "isLeader">;
  /** Wakes the outbox worker after notifications were queued. */
  kick(): void;
  now(): number;
  externalUrl: string;
  /**
   * For channels whose peer expires alerts that are not re-sent (Alertmanager), how often to
   * re-send firing alerts; null for the rest, which repeat after the route's repeat interval.
   */
  resendEvery?(channel: string): number | null;
}

/** Why an alert notifies nobody right now. */
export interface MuteState {
  silenced_by: string | null;
  inhibited_by: string | null;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
/** How long a resolved alert is remembered for its resolved notification. */
const RESOLVED_MEMORY_MS = 24 * 3_600_000;

/** Silences, inhibition, routing, grouping and timing of notifications. */
export class NotificationPipeline implements AlertSink {
  private groups = new Map<string, GroupState>();
  private resolved = new Map<string, AlertRecord>();
  private muted = new Map<string, MuteState>();
  private loaded = false;

  constructor(private readonly deps: PipelineDeps) {}

  /** Loads group states and recently resolved alerts (after a restart or a change of leader). */
  async load(): Promise<void> {
    this.groups = new Map((await this.deps.store.listGroupStates()).map((g) => [gk(g.group_key, g.channel), g]));
    const since = this.deps.now() - RESOLVED_MEMORY_MS;
    const { alerts } = await this.deps.store.listAlerts({ states: ["resolved"], since, limit: 10_000 });
    this.resolved = new Map(alerts.map((a) => [a.fingerprint, a]));
    this.loaded = true;
  }

  /** Whether an alert is silenced or inhibited (as of the last evaluation). */
  muteState(fingerprint: string): MuteState {
    return this.muted.get(fingerprint) ?? { silenced_by: null, inhibited_by: null };
  }

  /** The routes an alert with these labels takes. */
  routesFor(labels: Readonly<Record<string, string>>): NotificationRoute[] {
    return routesFor(labels, this.deps.routes, this.deps.fallback);
  }

  /** {@inheritDoc AlertSink.process} */
  async process(open: readonly AlertRecord[], resolvedNow: readonly AlertRecord[]): Promise<void> {
    if (!this.deps.leadership.isLeader()) return;
    if (!this.loaded) await this.load();
    const now = this.deps.now();
    for (const a of resolvedNow) this.resolved.set(a.fingerprint, a);
    for (const [fp, a] of this.resolved) if ((a.resolved_at ?? 0) < now - RESOLVED_MEMORY_MS) this.resolved.delete(fp);
    const silences: Silence[] = await this.deps.store.listSilences();
    const inhibitedBy = inhibited(open, this.deps.inhibit);
    this.muted.clear();
    const active: AlertRecord[] = [];
    for (const a of open) {
      if (a.state !== "firing" && a.state !== "acknowledged") continue;
      const s = silencedBy(a.labels, silences, now);
      const inh = inhibitedBy.get(a.fingerprint) ?? null;
      if (s || inh) {
        this.muted.set(a.fingerprint, { silenced_by: s?.id ?? null, inhibited_by: inh });
        continue;
      }
      active.push(a);
    }
    type Group = { route: NotificationRoute; channel: string; key: string; labels: Record<string, string>; firing: AlertRecord[] };
    const current = new Map<string, Group>();
    for (const a of active) {
      for (const route of this.routesFor(a.labels)) {
        const g = groupOf(route, a.labels);
        for (const channel of route.channels) {
          const k = gk(g.key, channel);
          let grp = current.get(k);
          if (!grp) current.set(k, (grp = { route, channel, key: g.key, labels: g.labels, firing: [] }));
          grp.firing.push(a);
        }
      }
    }
    // Groups that notified firing alerts before but have none now still owe a resolved notification.
    for (const [k, st] of this.groups) {
      if (current.has(k) || st.last_firing.length === 0) continue;
      const route = this.routeNamed(st.group_key);
      if (!route) continue;
      const labels = this.resolved.get(st.last_firing[0]!)?.labels ?? {};
      current.set(k, { route, channel: st.channel, key: st.group_key, labels: groupOf(route, labels).labels, firing: [] });
    }
    const notifications: Notification[] = [];
    const states: GroupState[] = [];
    for (const [k, g] of current) {
      const st = this.groups.get(k) ?? null;
      const firingFps = g.firing.map((a) => a.fingerprint).sort();
      const firingSet = new Set(firingFps);
      const resolved = (st?.last_firing ?? []).filter((fp) => !firingSet.has(fp) && this.resolved.has(fp));
      if (!firingFps.length && !resolved.length) {
        // Everything the group announced is now muted or gone: forget it without a message.
        if (st && st.last_firing.length) states.push({ ...st, last_firing: [] });
        continue;
      }
      const firstFired = Math.min(...g.firing.map((a) => a.fired_at ?? a.active_at), now);
      const allAcked = g.firing.length > 0 && g.firing.every((a) => a.state === "acknowledged");
      const resend = this.deps.resendEvery?.(g.channel) ?? null;
      const route = resend !== null ? { ...g.route, repeat_interval_ms: Math.min(g.route.repeat_interval_ms, resend) } : g.route;
      const d = groupDecision(route, st, firingFps, resolved, allAcked && resend === null, firstFired, now);
      if (!d.send) continue;
      const alerts: NotifiedAlert[] = [...g.firing.map((a) => notified(a, a.state === "acknowledged" ? "acknowledged" : "firing")), ...resolved.map((fp) => notified(this.resolved.get(fp)!, "resolved"))];
      const kind = firingFps.length ? "firing" : "resolved";
      notifications.push(this.notification(g.key, g.labels, g.channel, kind, alerts, now));
      states.push({ group_key: g.key, channel: g.channel, last_sent_at: now, last_firing: firingFps });
    }
    if (!states.length) return;
    await this.deps.store.enqueue(notifications, states, now);
    for (const s of states) this.groups.set(gk(s.group_key, s.channel), s);
    if (notifications.length) this.deps.kick();
  }

  /** {@inheritDoc AlertSink.acknowledged} */
  async acknowledged(alert: AlertRecord): Promise<void> {
    if (!this.deps.leadership.isLeader()) return;
    const now = this.deps.now();
    const notifications: Notification[] = [];
    for (const route of this.routesFor(alert.labels)) {
      const g = groupOf(route, alert.labels);
      for (const channel of route.channels) notifications.push(this.notification(g.key, g.labels, channel, "acknowledged", [notified(alert, "acknowledged")], now, alert.fingerprint));
    }
    if (!notifications.length) return;
    await this.deps.store.enqueue(notifications, [], now);
    this.deps.kick();
  }

  /** Queues a test notification (a synthetic alert) for one channel, or for the channels its level routes to. */
  async test(severity: Severity, channel: string | null, by: string): Promise<Notification[]> {
    const now = this.deps.now();
    const labels = { alertname: "VigilTestAlert", severity, test: "true" };
    const alert: NotifiedAlert = {
      id: `test-${now.toString(36)}`,
      fingerprint: `test-${now.toString(36)}`,
      rule: "VigilTestAlert",
      severity,
      status: "firing",
      labels,
      annotations: { summary: `Test alert (${severity}) sent by ${by}`, description: "This is a test notification from Vigil: if you can read it, this channel works.", recommendation: "Nothing to do." },
      value: null,
      threshold: null,
      starts_at: now,
      ends_at: null,
      acknowledged_by: null,
    };
    const targets = channel !== null ? [{ key: "test:{}", labels: {}, channel }] : this.routesFor(labels).flatMap((r) => r.channels.map((c) => ({ key: `test:{}`, labels: {}, channel: c })));
    const ns = targets.map((t) => this.notification(t.key, t.labels, t.channel, "test", [alert], now));
    await this.deps.store.enqueue(ns, [], now);
    this.deps.kick();
    return ns;
  }

  private routeNamed(groupKey: string): NotificationRoute | null {
    const name = groupKey.slice(0, groupKey.indexOf(":{"));
    if (name === this.deps.fallback.name) return this.deps.fallback;
    return this.deps.routes.find((r) => r.name === name) ?? null;
  }

  private notification(key: string, labels: Record<string, string>, channel: string, kind: Notification["kind"], alerts: NotifiedAlert[], now: number, salt = ""): Notification {
    const severity = alerts.reduce<Severity>((s, a) => (rank(a.severity) > rank(s) ? a.severity : s), "info");
    return { id: notificationId(`${key}${salt}`, channel, now, kind), channel, kind, group_key: key, group_labels: labels, severity, alerts, created_at: now, external_url: this.deps.externalUrl };
  }
}

const gk = (groupKey: string, channel: string) => `${groupKey}\u0000${channel}`;

/** An alert as a notification carries it. */
function notified(a: AlertRecord, status: NotifiedAlert["status"]): NotifiedAlert {
  return {
    id: a.id,
    fingerprint: a.fingerprint,
    rule: a.rule,
    severity: a.severity,
    status,
    labels: a.labels,
    annotations: a.annotations,
    value: a.value,
    threshold: a.threshold,
    starts_at: a.fired_at ?? a.active_at,
    ends_at: status === "resolved" ? a.resolved_at : null,
    acknowledged_by: a.acknowledged_by,
  };
}
