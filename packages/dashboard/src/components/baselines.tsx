/**
 * Performance baselines on the dashboard (docs/baselines.md): a figure beside the baseline it is
 * compared with — "p95 2.1 s · baseline 1.8 s · +17%" — as the server compares them
 * (`GET /api/v1/baselines/compare` on a detail page, the report's `baselines` section), so the page
 * never judges a figure itself.
 */
import type { BaselineCompareResponse, BaselineReportEntry } from "@vigil/contract";
import { get } from "../api.js";
import { ms, NONE, num, pct, usd } from "../format.js";
import { usePoll } from "../poll.js";
import type { WindowChoice } from "../windows.js";
import "./baselines.css";

/** A figure in its baseline's unit. */
function inUnit(v: number | null, unit: string): string {
  if (v === null) return NONE;
  if (unit === "ms") return ms(v);
  if (unit === "ratio") return pct(v);
  if (unit === "usd") return usd(v);
  return `${num(v)}${unit === "count" || unit === "score" ? "" : ` ${unit}`}`;
}

/** "+17%", "−4%", or "—" without a change. */
function changeText(c: number | null): string {
  if (c === null) return NONE;
  const p = Math.round(c * 100);
  return `${p > 0 ? "+" : p < 0 ? "−" : "±"}${Math.abs(p)}%`;
}

const STATUS_TEXT: Record<BaselineReportEntry["status"], string> = { better: "better than baseline", same: "as baseline", worse: "worse than baseline", no_data: "no data" };

/** "agent_name search, model m": a baseline's scope as a phrase. */
function scopeText(scope: Record<string, string>): string {
  const parts = Object.entries(scope).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(", ") : "all traffic";
}

/** One baseline against its figure, as a line: metric, figure, baseline, change and verdict. */
export function BaselineLine({ b }: { b: BaselineReportEntry }) {
  return (
    <li class={`baseline baseline-${b.status}`} data-testid="baseline-row" data-name={b.name} data-current={b.current === null ? "null" : String(b.current)} data-baseline={String(b.baseline)} data-change={b.change === null ? "null" : String(b.change)} data-status={b.status}>
      <span class="baseline-metric">{b.metric}</span> <strong>{inUnit(b.current, b.unit)}</strong> · baseline {inUnit(b.baseline, b.unit)} · <span class="baseline-change">{changeText(b.change)}</span>{" "}
      <span class="muted">
        ({STATUS_TEXT[b.status]}; {b.name}, {scopeText(b.scope)})
      </span>
    </li>
  );
}

/** The baselines section of the report: every active baseline against the report window's figure. */
export function BaselinesSection({ entries }: { entries: BaselineReportEntry[] }) {
  return (
    <section aria-labelledby="report-baselines" data-testid="report-baselines">
      <h2 id="report-baselines">Baselines</h2>
      <ul class="baselines">
        {entries.map((b) => (
          <BaselineLine key={b.name} b={b} />
        ))}
      </ul>
    </section>
  );
}

/** The baselines of a detail page (those whose scope holds `filter`) against the page's window; nothing when there are none. */
export function BaselineStrip({ w, filter }: { w: WindowChoice; filter: Record<string, string> }) {
  const key = JSON.stringify(filter);
  const polled = usePoll(() => get<BaselineCompareResponse>("baselines/compare", { window: w.id, ...filter }), [w.id, key]);
  const entries = polled.data?.baselines ?? [];
  if (!entries.length) return null;
  return (
    <section class="card baselines-card" aria-labelledby="detail-baselines" data-testid="detail-baselines">
      <h2 id="detail-baselines">Against baselines</h2>
      <ul class="baselines">
        {entries.map((b) => (
          <BaselineLine key={b.name} b={b} />
        ))}
      </ul>
    </section>
  );
}
