/** Small shared pieces of the Routes section: state and health badges, figure formatting per route metric, and the live pin countdown. */
import type { ModelHealthStatus, RouteMetric, RoutePin, RouteStateName, SwitchTrigger, TrafficSplit } from "@vigil/contract";
import { useEffect, useState } from "preact/hooks";
import { ms, NONE, num, pct, span, usd, when } from "../format.js";

const STATE_BADGE: Record<RouteStateName, string> = { normal: "badge-good", failed_over: "badge-warn", degraded: "badge-bad", pinned: "badge-info" };

/** A route's state as a coloured badge (normal good, failed_over warn, degraded bad, pinned info). */
export function StateBadge({ state, testid }: { state: RouteStateName; testid?: string }) {
  return (
    <span class={`badge ${STATE_BADGE[state] ?? "badge-muted"}`} data-testid={testid}>
      {state}
    </span>
  );
}

/** A model's health on a route as a coloured badge (unknown is grey). */
export function HealthBadge({ status }: { status: ModelHealthStatus }) {
  return <span class={status === "unknown" ? "badge badge-muted" : `status status-${status}`}>{status}</span>;
}

const TRIGGER_BADGE: Record<SwitchTrigger, string> = { auto: "badge-warn", manual: "badge-info", recovery: "badge-good", probe: "badge-muted", ramp: "badge-muted", pin_expired: "badge-muted" };

/** What caused a decision, as a badge. */
export function TriggerBadge({ trigger }: { trigger: SwitchTrigger }) {
  return <span class={`badge ${TRIGGER_BADGE[trigger] ?? "badge-muted"}`}>{trigger}</span>;
}

/** A route metric's value in its own unit (rates as %, latencies in ms, cost in $). */
export function metricValue(metric: RouteMetric | null, v: number | null): string {
  if (v === null) return NONE;
  switch (metric) {
    case "error_rate":
    case "accuracy":
      return pct(v);
    case "quality":
      return v <= 1 ? v.toFixed(2) : num(v);
    case "p95_latency_ms":
    case "ttft_ms":
      return ms(v);
    case "cost_per_call":
      return usd(v);
    case "throughput_per_min":
      return `${num(v)}/min`;
    default:
      return num(v);
  }
}

/** "probe: 5% to gpt-4o" — the share of traffic a split sends away from the active model. */
export function splitText(s: TrafficSplit): string {
  return `${s.phase}: ${Math.round(s.share * 100)}% of traffic to ${s.model}`;
}

/** The current time, re-rendering every `everyMs` (1 s by default) while mounted. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** Whole seconds left until an ISO time (never negative), or null when it cannot be read. */
export function secondsLeft(until: string, now: number): number | null {
  const at = Date.parse(until);
  return Number.isFinite(at) ? Math.max(0, Math.floor((at - now) / 1000)) : null;
}

/** Compact remaining time for a list row: "45 s", "14 min", "3 h 5 min". */
export function compactLeft(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ""}`;
}

/** The list row's pin note, ticking every second: "pinned · 14 min left" or "pinned · until unpinned". */
export function PinShort({ pin }: { pin: RoutePin }) {
  const now = useNow();
  const left = pin.until === null ? null : secondsLeft(pin.until, now);
  return (
    <span class="route-pin-short" data-until={pin.until ?? ""} title={`Pinned to ${pin.model}${pin.until ? ` until ${when(pin.until)}` : " until unpinned"}`}>
      pinned · {pin.until === null ? "until unpinned" : left === null ? NONE : left === 0 ? "expiring" : `${compactLeft(left)} left`}
    </span>
  );
}

/** The detail's pin line with a live countdown: "Pinned to gpt-4o until 2026-11-21 15:04:10 (59 min 58 s left)". */
export function PinCountdown({ pin }: { pin: RoutePin }) {
  const now = useNow();
  const left = pin.until === null ? null : secondsLeft(pin.until, now);
  return (
    <span data-testid="route-pin-ttl" data-until={pin.until ?? ""} aria-live="off">
      Pinned to <strong>{pin.model}</strong>{" "}
      {pin.until === null ? (
        "until unpinned"
      ) : (
        <>
          until {when(pin.until)} ({left === null ? NONE : left === 0 ? "expired: automation takes over at the next evaluation" : `${span(left)} left`})
        </>
      )}
    </span>
  );
}
