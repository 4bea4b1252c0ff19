/** The time windows the dashboard offers, and the chart step used for each. */

/** A selectable window. */
export interface WindowChoice {
  /** The API's `window=` value. */
  id: string;
  label: string;
  /** `step=` for sparklines and charts: about 30–60 points per series. */
  step: string;
  ms: number;
}

/** The windows, shortest first. */
export const WINDOWS: readonly WindowChoice[] = [
  { id: "15m", label: "15 min", step: "1m", ms: 15 * 60_000 },
  { id: "1h", label: "1 hour", step: "2m", ms: 3_600_000 },
  { id: "6h", label: "6 hours", step: "10m", ms: 6 * 3_600_000 },
  { id: "24h", label: "24 hours", step: "30m", ms: 24 * 3_600_000 },
  { id: "7d", label: "7 days", step: "4h", ms: 7 * 24 * 3_600_000 },
];

/** The default window. */
export const DEFAULT_WINDOW = "1h";

/** The window named by `w=` in the hash, or the default. */
export function windowOf(id: string | null | undefined): WindowChoice {
  return WINDOWS.find((w) => w.id === id) ?? WINDOWS.find((w) => w.id === DEFAULT_WINDOW)!;
}
