/** One headline figure: label, value, trend arrow against the previous window, and a sparkline. */
import { Sparkline } from "./sparkline.js";

/** A trend as the report gives it. */
export type Trend = "improving" | "stable" | "degrading" | null;

/** Relative change of a figure against the previous window (null when unknown). */
export interface TileTrend {
  trend: Trend;
  change: number | null;
}

const ARROW = (change: number | null, trend: Trend) => (trend === "stable" || change === null || change === 0 ? "→" : change > 0 ? "↑" : "↓");

/** A metric tile; `value` is the raw figure (kept in `data-value` so that tests compare it with the API). */
export function Tile({ id, label, value, text, trend, points, hint }: { id: string; label: string; value: number | null; text: string; trend?: TileTrend | undefined; points?: [number, number | null][] | undefined; hint?: string }) {
  const t = trend?.trend ?? null;
  const words = t === null ? "no trend yet" : `${t}${trend?.change !== null && trend?.change !== undefined ? `, ${trend.change >= 0 ? "+" : ""}${(trend.change * 100).toFixed(1)}% against the previous window` : ""}`;
  return (
    <div class="tile" data-metric={id} data-value={value === null ? "null" : String(value)} title={hint}>
      <div class="tile-label">{label}</div>
      <div class="tile-value">{text}</div>
      <div class="tile-foot">
        <span class={`trend trend-${t ?? "none"}`} title={words}>
          <span aria-hidden="true">{t === null ? "·" : ARROW(trend?.change ?? null, t)}</span>
          <span class="sr-only">{words}</span>
        </span>
        {points ? <Sparkline points={points} /> : null}
      </div>
    </div>
  );
}
