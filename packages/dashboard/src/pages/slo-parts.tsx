/** Pieces shared by the SLO list, the SLO detail, the overview's attention list and the report: an SLO's objective in words, its budget bar, met badge, time to exhaustion, and whether it needs attention. */
import type { SloBurnWindow, SloDefinition, SloListResponse, SloStatus } from "@vigil/contract";
import { get } from "../api.js";
import { NONE, num, pct } from "../format.js";

/** The burn-rate windows, shortest first (the API's keys of `burn_rates`). */
export const BURN_WINDOWS: readonly SloBurnWindow[] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/** Every SLO with its live figures (`GET /api/v1/slos`). */
export function loadSlos(): Promise<SloListResponse> {
  return get<SloListResponse>("slos");
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);

/** A promised share in words, with as many decimals as it was written with (up to 3): 0.95 → "95%", 0.995 → "99.5%", 0.9995 → "99.95%". */
export function share(v: number): string {
  return `${Number((v * 100).toFixed(3))}%`;
}

/** A latency limit in words: 800 → "800 ms", 3000 → "3 s", 1500 → "1.5 s". */
export function limitMs(v: number): string {
  return v < 1000 ? `${v} ms` : `${Number((v / 1000).toFixed(2))} s`;
}

/** A rating on the 1–5 scale users rated on: 4 → "4 / 5", 4.5 → "4.5 / 5". */
export function onFive(v: number): string {
  return `${Number(v.toFixed(2))} / 5`;
}

/** A mean rating already on the 1–5 scale (the report's compliance section), one decimal: "4.3 / 5". */
export function meanRating(v: number | null | undefined): string {
  return finite(v) ? `${v.toFixed(1)} / 5` : NONE;
}

/** A burn rate: how many times faster than the target allows the budget burns, "×14.4", "×0.52". */
export function burn(v: number | null | undefined): string {
  return finite(v) ? `×${num(Number(v.toFixed(2)))}` : NONE;
}

/** A duration in seconds that may run to weeks: "45 s", "12 min", "5 h 20 min", "12 d 4 h". */
export function longSpan(seconds: number | null | undefined): string {
  if (!finite(seconds)) return NONE;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ""}`;
}

/** What the objective counts, in words: "runs", "LLM calls". */
function eventsWord(e: "runs" | "llm_calls" | undefined): string {
  return e === "llm_calls" ? "LLM calls" : "runs";
}

/** A slice length as written (`5m`, `1h`) in words: "5 min", "1 h". */
function sliceWords(w: string): string {
  const m = /^(\d+)([smhd])$/.exec(w);
  return m ? `${m[1]} ${{ s: "s", m: "min", h: "h", d: "d" }[m[2] as "s" | "m" | "h" | "d"]}` : w;
}

/** What makes one event good, in words: "under 3 s", "succeed", "rated ≥ 4 / 5", "scored ≥ 0.75". */
function goodEvent(d: SloDefinition): string {
  const s = d.sli;
  switch (s.kind) {
    case "latency":
      return `of ${eventsWord(s.events)} under ${limitMs(s.threshold_ms)}`;
    case "availability":
      return `of ${eventsWord(s.events)} succeed`;
    case "satisfaction":
      return "min_rating" in s ? `of ratings ≥ ${onFive(s.min_rating)}` : `mean rating ≥ ${onFive(s.mean_at_least)}`;
    case "accuracy":
      return `of outcomes scored ≥ ${Number(s.min_score.toFixed(3))}`;
  }
}

/**
 * The objective in words, as a reader states it: "95% of runs under 3 s, none over 6 s"; with time
 * slices, the share of good slices and what makes a slice good: "95% of 1 h slices with mean rating ≥ 4.5 / 5".
 */
export function objective(d: SloDefinition): string {
  const max = d.sli.kind === "latency" && d.sli.max_ms !== undefined ? `, none over ${limitMs(d.sli.max_ms)}` : "";
  if (d.budgeting !== "timeslices") return `${share(d.target)} ${goodEvent(d)}${max}`;
  const slice = sliceWords(d.timeslice?.window ?? "5m");
  const inSlice = "mean_at_least" in d.sli ? goodEvent(d) : `${share(d.timeslice?.target ?? d.target)} ${goodEvent(d)}`;
  return `${share(d.target)} of ${slice} slices with ${inSlice}${max}`;
}

/** The period in words: "30 days", "calendar month". */
export function periodWords(d: SloDefinition): string {
  const p = d.period ?? "30d";
  if (p === "calendar_month") return "calendar month";
  const m = /^(\d+)d$/.exec(p);
  return m ? `${m[1]} day${m[1] === "1" ? "" : "s"}` : p;
}

/** Whether the error budget is spent: remaining ≤ 0 with events counted. */
export function budgetSpent(s: SloStatus): boolean {
  return s.exhausted_at !== null || (s.budget.remaining_ratio !== null && s.budget.remaining <= 0);
}

/** Whether a burn-rate alert of the SLO fires: a page or ticket condition holds now, or one of its alerts is open. */
export function burnAlerting(s: SloStatus): boolean {
  return s.open_alerts > 0 || s.alerts.some((c) => c.firing);
}

/** The one test of whether an SLO needs attention (the overview lists it, the SLO list marks it): budget spent or a burn alert firing. */
export function sloNeedsAttention(s: SloStatus): boolean {
  return budgetSpent(s) || burnAlerting(s);
}

/** Why an SLO needs attention, in words ("budget spent", "page: 1 h burn ×20 over ×14.4"), or null. */
export function troubleWords(s: SloStatus): string | null {
  const parts: string[] = [];
  if (budgetSpent(s)) parts.push("error budget spent");
  for (const c of s.alerts.filter((x) => x.firing)) parts.push(`${c.kind}: ${c.long_window} burn ${burn(c.long_burn)} and ${c.short_window} ${burn(c.short_burn)} over ${burn(c.factor)}`);
  if (!parts.length && s.open_alerts > 0) parts.push(`${s.open_alerts} alert${s.open_alerts === 1 ? "" : "s"} open`);
  return parts.length ? parts.join("; ") : null;
}

/** Met (green), not met (red), or "no events" when the period holds none. */
export function MetBadge({ met }: { met: boolean | null }) {
  if (met === null) return <span class="badge badge-muted" data-met="null">no events</span>;
  return (
    <span class={`badge ${met ? "badge-good" : "badge-bad"}`} data-met={String(met)}>
      {met ? "met" : "not met"}
    </span>
  );
}

/** The colour of a remaining budget: plenty, getting low, spent. */
function budgetClass(ratio: number | null): string {
  if (ratio === null) return "budget-none";
  return ratio <= 0 ? "budget-spent" : ratio < 0.25 ? "budget-low" : "budget-ok";
}

/** The bar of a remaining budget ratio: full at 1, empty once spent (decorative: the percentage beside it carries the figure). */
export function BudgetTrack({ ratio }: { ratio: number | null }) {
  const width = finite(ratio) ? Math.max(0, Math.min(1, ratio)) * 100 : 0;
  return (
    <span class={`budget-track ${budgetClass(ratio)}`} aria-hidden="true">
      <span class="budget-fill" style={{ width: `${width}%` }} />
    </span>
  );
}

/** The remaining error budget as a bar and a percentage ("—" with no events; negative once overspent). */
export function BudgetBar({ s }: { s: SloStatus }) {
  const r = s.budget.remaining_ratio;
  return (
    <span class={`budget ${budgetClass(r)}`} data-testid="slo-budget" data-value={r === null ? "null" : String(r)} title={`${num(s.budget.remaining)} of ${num(s.budget.total)} bad ${s.budget.unit} left`}>
      <BudgetTrack ratio={r} />
      <span class="budget-text">{pct(r)}</span>
    </span>
  );
}

/** Time until the budget runs out at the 1-hour burn rate; "spent" once it has; "not burning" when the last hour spent none. */
export function exhaustionWords(s: SloStatus): string {
  if (budgetSpent(s)) return "spent";
  if (s.exhaustion.in_seconds !== null) return longSpan(s.exhaustion.in_seconds);
  if (s.budget.remaining_ratio === null || s.burn_rates["1h"] === null) return NONE;
  return "not burning";
}
