/**
 * The `forecast` block of a threshold rule (docs/anomaly.md#forecasts): instead of firing when the
 * metric is past its threshold, the rule fires when the metric's recent trend is predicted to carry
 * it past the threshold within `within` (or it is past already), as `GET /api/v1/forecasts` predicts
 * it for the rule's groups. Validated here, each problem named by its path.
 */
import { CUSTOM_PREFIX, catalogueEntry } from "./catalogue.js";
import { parseRuleDuration } from "./duration.js";

/** The shortest and longest `within`: a forecast looks at most 7 days ahead. */
export const MIN_FORECAST_WITHIN_MS = 60_000;
export const MAX_FORECAST_WITHIN_MS = 7 * 86_400_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates `input.forecast` (present) against the rest of the rule; `bad(field, message)` records a
 * problem at `<rule path>/<field>`. Returns the settings, or null when the block is malformed.
 */
export function parseForecast(input: Record<string, unknown>, metric: string | null, bad: (field: string, message: string) => void): { within_ms: number } | null {
  if (input.anomaly !== undefined && input.anomaly !== null) bad("forecast", "does not apply to an anomaly rule; a forecast rule predicts when a threshold will be crossed");
  if (input.change !== undefined && input.change !== null) bad("forecast", "cannot be used with a change function: the trend of the metric itself is forecast");
  if (input.comparator === "==" || input.comparator === "!=") bad("comparator", "a forecast rule needs a direction to cross the threshold in: >, >=, < or <=");
  if (metric !== null && (metric.startsWith(CUSTOM_PREFIX) || catalogueEntry(metric)?.source === "routes")) bad("metric", "forecast rules watch the rollups' catalogue metrics");
  const block = input.forecast;
  if (!isObj(block)) {
    bad("forecast", "must be a map such as {within: 2h}");
    return null;
  }
  for (const k of Object.keys(block)) if (k !== "within") bad(`forecast/${k}`, `unknown field "${k}"; a forecast block takes within`);
  const v = block.within;
  const ms = typeof v === "string" ? parseRuleDuration(v) : null;
  if (ms === null || ms < MIN_FORECAST_WITHIN_MS || ms > MAX_FORECAST_WITHIN_MS) {
    bad("forecast/within", `must be a duration from 1m to 7d such as 2h, got ${JSON.stringify(v)}`);
    return null;
  }
  return { within_ms: ms };
}
