/** One headline figure: label, value, its change against the previous window when there is one, and a sparkline across the tile. */
import type { Trend } from "@vigil/contract";
import { Sparkline, type Point } from "./sparkline.js";

/** Relative change of a figure against the previous window, as the page decided to show it (see trends.ts). */
export interface TileTrend {
  trend: Trend;
  change: number | null;
}

/** "↑ 12.3%", "↓ 4.0%", "→" (stable, or a change with no ratio). */
function arrow(t: TileTrend): string {
  if (t.trend === "stable" || t.change === null || t.change === 0) return "→";
  return `${t.change > 0 ? "↑" : "↓"} ${Math.abs(t.change * 100).toFixed(1)}%`;
}

/**
 * A metric tile; `value` is the raw figure (kept in `data-value` so that tests compare it with the API).
 * Without a trend the tile shows no trend mark at all; `partialFrom` is where the window's steps are still filling.
 */
export function Tile({ id, label, value, text, trend, points, partialFrom, hint }: { id: string; label: string; value: number | null; text: string; trend?: TileTrend | null | undefined; points?: Point[] | undefined; partialFrom?: number | null; hint?: string }) {
  const words = trend ? `${trend.trend}${trend.change !== null ? `, ${trend.change >= 0 ? "+" : "−"}${Math.abs(trend.change * 100).toFixed(1)}% against the previous window` : " against the previous window"}` : null;
  return (
    <div class="tile" data-metric={id} data-value={value === null ? "null" : String(value)} data-trend={trend?.trend ?? ""} title={hint}>
      <div class="tile-head">
        <span class="tile-label">{label}</span>
        {trend ? (
          <span class={`trend trend-${trend.trend}`} title={words!}>
            <span aria-hidden="true">{arrow(trend)}</span>
            <span class="sr-only">{words}</span>
          </span>
        ) : null}
      </div>
      <div class="tile-value">{text}</div>
      {points ? <Sparkline points={points} partialFrom={partialFrom ?? null} /> : null}
    </div>
  );
}
