/**
 * The pure parts of the notification pipeline: which routes an alert takes, how alerts group,
 * what silences and inhibition mute, when a group is due to notify (group wait, group interval,
 * repeat interval, as in Alertmanager) and how long to wait before retrying a delivery.
 */
import { fnv1a64 } from "./evaluator.js";
import { matchesAll } from "./matchers.js";
import type { AlertRecord, GroupState, Matcher, Silence } from "./types.js";

/** A notification route: alerts matching its matchers go to its channels, grouped by its labels. */
export interface NotificationRoute {
  /** Name shown in group keys and logs. */
  name: string;
  matchers: Matcher[];
  channels: string[];
  group_by: string[];
  group_wait_ms: number;
  group_interval_ms: number;
  repeat_interval_ms: number;
  /** Keep looking at later routes after this one matched. */
  continue: boolean;
}

/** An inhibition rule: a firing source alert mutes target alerts that agree on every `equal` label. */
export interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** The routes an alert takes: every matching route up to the first without `continue`; the fallback when none matched. */
export function routesFor(labels: Readonly<Record<string, string>>, routes: readonly NotificationRoute[], fallback: NotificationRoute | null): NotificationRoute[] {
  const out: NotificationRoute[] = [];
  for (const r of routes) {
    if (!matchesAll(r.matchers, labels)) continue;
    out.push(r);
    if (!r.continue) return out;
  }
  if (out.length === 0 && fallback) out.push(fallback);
  return out;
}

/** The labels an alert is grouped by on a route, and the group's key. */
export function groupOf(route: NotificationRoute, labels: Readonly<Record<string, string>>): { key: string; labels: Record<string, string> } {
  const g: Record<string, string> = {};
  for (const l of route.group_by) if (labels[l] !== undefined) g[l] = labels[l]!;
  const parts = Object.keys(g)
    .sort()
    .map((k) => `${k}=${JSON.stringify(g[k])}`);
  return { key: `${route.name}:{${parts.join(",")}}`, labels: g };
}

/** The silence muting these labels at `now`, or null. */
export function silencedBy(labels: Readonly<Record<string, string>>, silences: readonly Silence[], now: number): Silence | null {
  for (const s of silences) if (s.starts_at <= now && now < s.ends_at && matchesAll(s.matchers, labels)) return s;
  return null;
}

/** True when a silence is in force at `now`. */
export function silenceActive(s: Silence, now: number): boolean {
  return s.starts_at <= now && now < s.ends_at;
}

/**
 * Fingerprints of the alerts muted by inhibition: a firing (or acknowledged) alert matching a
 * rule's source mutes every other alert matching its target whose `equal` labels have the same
 * values (an absent label counts as empty, as in Alertmanager).
 */
export function inhibited(alerts: readonly AlertRecord[], rules: readonly InhibitRule[]): Map<string, string> {
  const out = new Map<string, string>();
  const active = alerts.filter((a) => a.state === "firing" || a.state === "acknowledged");
  for (const rule of rules) {
    const sources = active.filter((a) => matchesAll(rule.source, a.labels));
    if (!sources.length) continue;
    const keys = new Map<string, string>();
    for (const s of sources) keys.set(rule.equal.map((l) => s.labels[l] ?? "").join("\u0000"), s.id);
    for (const t of alerts) {
      if (!matchesAll(rule.target, t.labels) || matchesAll(rule.source, t.labels)) continue;
      const by = keys.get(rule.equal.map((l) => t.labels[l] ?? "").join("\u0000"));
      if (by !== undefined && by !== t.id) out.set(t.fingerprint, by);
    }
  }
  return out;
}

/** What a group should do now. */
export type GroupDecision = { send: false; wakeAt: number | null } | { send: true; reason: "first" | "changed" | "repeat" | "resolved" };

/**
 * Alertmanager's timing for one group and channel: the first notification waits `group_wait` after
 * the first alert fired; a change (an alert starts or stops firing) waits `group_interval` after the
 * previous notification; an unchanged group of unacknowledged firing alerts repeats after
 * `repeat_interval`. `firing` are the fingerprints firing now, `resolved` the ones to announce as resolved.
 */
export function groupDecision(route: NotificationRoute, state: GroupState | null, firing: readonly string[], resolved: readonly string[], allAcknowledged: boolean, firstFiredAt: number, now: number): GroupDecision {
  const last = state?.last_sent_at ?? null;
  if (last === null) {
    if (!firing.length) return { send: false, wakeAt: null };
    const at = firstFiredAt + route.group_wait_ms;
    return now >= at ? { send: true, reason: "first" } : { send: false, wakeAt: at };
  }
  const before = new Set(state!.last_firing);
  const changed = resolved.length > 0 || firing.some((f) => !before.has(f));
  if (changed) {
    const at = last + route.group_interval_ms;
    return now >= at ? { send: true, reason: firing.length ? "changed" : "resolved" } : { send: false, wakeAt: at };
  }
  if (!firing.length || allAcknowledged) return { send: false, wakeAt: null };
  const at = last + route.repeat_interval_ms;
  return now >= at ? { send: true, reason: "repeat" } : { send: false, wakeAt: at };
}

/** Retry policy of the outbox. */
export interface RetryPolicy {
  initial_ms: number;
  max_ms: number;
  /** Give up after this many attempts. */
  max_attempts: number;
}

/** Default retry policy: 1 s doubling to 5 minutes, 12 attempts (with jitter, giving up after about 9 to 18 minutes). */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ initial_ms: 1000, max_ms: 300_000, max_attempts: 12 });

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential, capped, with "full
 * jitter" between half and all of it (`random` in [0, 1)) so many retries do not arrive together;
 * a peer's Retry-After is honoured when longer.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: number, retryAfterMs?: number): number {
  const base = Math.min(policy.max_ms, policy.initial_ms * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(base / 2 + (base / 2) * random);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.max_ms * 4));
}

/** A notification id that is the same for the same group, channel and send time (idempotent enqueue). */
export function notificationId(groupKey: string, channel: string, at: number, kind: string): string {
  return `${fnv1a64(`${groupKey}\u0000${channel}`)}-${at.toString(36)}-${kind}`;
}
