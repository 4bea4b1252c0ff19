/**
 * The SLO figures docs/slo.md describes, computed from raw events with none of the ledger's
 * machinery: the tests compare the ledgers' figures (and Prometheus' firing times) with these.
 */
import { HOUR, MINUTE } from "../rollup-plan.js";
import type { StoredEvent } from "../stored-event.js";
import { BURN_WINDOW_MS, BURN_WINDOWS } from "./spans.js";
import type { SloSpec } from "./spec.js";

/** One SLO's events from raw traffic, sorted by time, as running counts (index i: the first i events). */
export interface Raw {
  ts: number[];
  good: number[];
  above: number[];
  rSum: number[];
  rN: number[];
}

export function rawOf(s: SloSpec, evs: readonly StoredEvent[]): Raw {
  const out: Raw = { ts: [], good: [0], above: [0], rSum: [0], rN: [0] };
  const sli = s.sli;
  for (const e of evs) {
    const b = e.body;
    if (!Object.entries(s.filter).every(([d, v]) => b[d] === v)) continue;
    let good: boolean;
    let over = false;
    let rating = NaN;
    if (sli.kind === "availability") {
      if (e.type !== (sli.events === "runs" ? "run" : "llm_call")) continue;
      good = sli.events === "runs" ? b.status !== "failure" && b.status !== "timeout" : b.status !== "failure";
    } else if (sli.kind === "latency") {
      if (e.type !== (sli.events === "runs" ? "run" : "llm_call")) continue;
      const ms = (sli.events === "runs" ? b.duration_ms : b.latency_ms) as number;
      good = ms <= sli.threshold_ms;
      over = s.maxMs !== null && ms > s.maxMs;
    } else if (sli.kind === "satisfaction") {
      if (e.type !== "feedback") continue;
      if (typeof b.rating === "number") {
        good = b.rating >= sli.min_rating;
        rating = b.rating;
      } else good = b.thumbs === "up";
    } else {
      if (e.type !== "outcome") continue;
      good = (b.accuracy as number) >= sli.min_score;
    }
    const n = out.ts.length;
    out.ts.push(e.ts);
    out.good.push(out.good[n]! + (good ? 1 : 0));
    out.above.push(out.above[n]! + (over ? 1 : 0));
    out.rSum.push(out.rSum[n]! + (Number.isNaN(rating) ? 0 : rating));
    out.rN.push(out.rN[n]! + (Number.isNaN(rating) ? 0 : 1));
  }
  return out;
}

/** The number of events with ts < t. */
function before(r: Raw, t: number): number {
  let lo = 0;
  let hi = r.ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r.ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of the raw events with a <= ts < b (and ts <= now: later ones are not folded yet). */
export function count(r: Raw, a: number, b: number, now: number) {
  const i = before(r, a);
  const j = Math.max(i, before(r, Math.min(b, now + 1)));
  return { good: r.good[j]! - r.good[i]!, total: j - i, above: r.above[j]! - r.above[i]!, rSum: r.rSum[j]! - r.rSum[i]!, rN: r.rN[j]! - r.rN[i]! };
}

/** Start of the slice of length n holding t. */
export const floorTo = (t: number, n: number) => t - (t % n);

/** The figures of docs/slo.md, from the raw events. */
export function expected(s: SloSpec, r: Raw, now: number) {
  const allowed = 1 - s.target;
  const end = floorTo(now, MINUTE) + MINUTE;
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const monthEnd = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 1, 1);
  const b = s.budgeting;
  if (b.kind === "events") {
    // Spans starting within the last 25 hours count from their minute, older ones from their hour.
    const reach = floorTo(now, MINUTE) - 1500 * MINUTE;
    const startOf = (from: number) => (from >= reach ? from : floorTo(from, HOUR));
    const from = startOf(s.period.kind === "rolling" ? end - s.period.ms : monthStart);
    const p = count(r, from, end, now);
    const burn: Record<string, number | null> = {};
    for (const w of BURN_WINDOWS) {
      const c = count(r, startOf(end - BURN_WINDOW_MS[w]), end, now);
      burn[w] = c.total === 0 ? null : (c.total - c.good) / c.total / allowed;
    }
    const total = allowed * p.total;
    const consumed = p.total - p.good;
    return {
      start: from,
      compliance: p.total === 0 ? null : p.good / p.total,
      budget: { total, consumed, remaining: total - consumed, remaining_ratio: p.total === 0 ? null : (total - consumed) / total },
      burn,
      samples: { good: p.good, total: p.total },
      max_breaches: s.maxMs === null ? null : count(r, end - 5 * MINUTE, end, now).above,
    };
  }
  const w = b.sliceMs;
  // Slices under an hour are cut from the minute rollups (48 hours); longer ones from hours.
  const reach = w < HOUR ? floorTo(now, MINUTE) - (48 * 60 - 1) * MINUTE : -Infinity;
  const current = floorTo(now, w);
  const verdict = (t: number) => {
    const c = count(r, t, t + w, now);
    if (b.meanRatingAtLeast !== null) return c.rN === 0 ? "empty" : c.rSum / c.rN >= b.meanRatingAtLeast ? "good" : "bad";
    return c.total === 0 ? "empty" : c.good / c.total >= b.sliceTarget ? "good" : "bad";
  };
  const tally = (first: number, n: number) => {
    let bad = 0;
    let counted = 0;
    let withEvents = 0;
    for (let t = first; t <= current && counted < n + 1; t += w) {
      if (t < reach || t < first) continue;
      counted++;
      const v = verdict(t);
      if (v === "bad") bad++;
      if (v !== "empty") withEvents++;
    }
    return { bad, counted, withEvents };
  };
  const firstHeld = (first: number) => (first < reach ? Math.ceil(reach / w) * w : first);
  let first: number;
  let whole: number;
  if (s.period.kind === "rolling") {
    whole = Math.ceil(s.period.ms / w);
    first = current - (whole - 1) * w;
  } else {
    first = floorTo(monthStart, w);
    whole = Math.ceil((monthEnd - first) / w);
  }
  const start = firstHeld(first);
  const p = tally(start, Infinity);
  const ev = count(r, start, current + w, now);
  const burn: Record<string, number | null> = {};
  for (const win of BURN_WINDOWS) {
    const n = Math.ceil(BURN_WINDOW_MS[win] / w);
    const t = tally(firstHeld(current - (n - 1) * w), n);
    burn[win] = t.withEvents === 0 || t.counted === 0 ? null : t.bad / t.counted / allowed;
  }
  const total = allowed * whole;
  return {
    start,
    compliance: p.withEvents === 0 ? null : (p.counted - p.bad) / p.counted,
    budget: { total, consumed: p.bad, remaining: total - p.bad, remaining_ratio: p.withEvents === 0 ? null : (total - p.bad) / total },
    burn,
    samples: { good: ev.good, total: ev.total },
    max_breaches: null,
  };
}
