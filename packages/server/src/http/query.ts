/** Parsing of query parameters shared by the read routes; a bad parameter is a 400 naming it. */
import { VigilError } from "../core/errors.js";
import type { DimFilter } from "../core/rollup-index.js";
import { DIMENSIONS, type Dimension } from "../core/stored-event.js";
import { MAX_WINDOW_MS, parseDuration } from "../core/window.js";

/** Query string as Fastify hands it over. */
export type Query = Record<string, unknown>;

/** A 400 naming a query parameter and what is wrong with it. */
export function badParam(param: string, message: string): VigilError {
  return new VigilError("VALIDATION_FAILED", `query parameter "${param}" ${message}`, [{ path: `/query/${param}`, message }]);
}

/** A single string parameter (a repeated parameter is an error, not a silent pick). */
export function str(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badParam(name, "must be given once");
  return v;
}

/** The window length: `window=60m|6h|7d` or the seed's `time_window_minutes=60`; default 60 minutes. */
export function windowMs(q: Query, fallback = 3_600_000): number {
  const w = str(q, "window");
  const alias = str(q, "time_window_minutes");
  if (w !== undefined && alias !== undefined) throw badParam("window", "and time_window_minutes cannot both be given");
  let ms = fallback;
  if (w !== undefined) {
    const parsed = parseDuration(w);
    if (parsed === null) throw badParam("window", `must be a duration such as 60m, 6h or 7d, got "${w}"`);
    ms = parsed;
  } else if (alias !== undefined) {
    const n = Number(alias);
    if (!Number.isInteger(n) || n <= 0) throw badParam("time_window_minutes", `must be a positive whole number of minutes, got "${alias}"`);
    ms = n * 60_000;
  }
  if (ms > MAX_WINDOW_MS) throw badParam(w !== undefined ? "window" : "time_window_minutes", "must be at most 90d");
  return ms;
}

/** Dimension filters from `agent_name=&model=&route=&tenant_id=&mode=`. */
export function dimFilter(q: Query): DimFilter {
  const f: DimFilter = {};
  for (const d of DIMENSIONS) {
    const v = str(q, d);
    if (v !== undefined && v !== "") f[d] = v;
  }
  return f;
}

/** A dimension name parameter such as `group_by`. */
export function dimension(q: Query, name: string): Dimension | null {
  const v = str(q, name);
  if (v === undefined || v === "") return null;
  if (!(DIMENSIONS as readonly string[]).includes(v)) throw badParam(name, `must be one of ${DIMENSIONS.join(", ")}, got "${v}"`);
  return v as Dimension;
}

/** A boolean flag parameter (`true|false|1|0`). */
export function flag(q: Query, name: string, fallback: boolean): boolean {
  const v = str(q, name);
  if (v === undefined) return fallback;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw badParam(name, `must be true or false, got "${v}"`);
}

/** A positive number parameter within bounds. */
export function num(q: Query, name: string, fallback: number, min: number, max: number): number {
  const v = str(q, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw badParam(name, `must be a number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** A whole-number parameter within bounds. */
export function int(q: Query, name: string, fallback: number, min: number, max: number): number {
  const n = num(q, name, fallback, min, max);
  if (!Number.isInteger(n)) throw badParam(name, `must be a whole number from ${min} to ${max}, got "${String(q[name])}"`);
  return n;
}

/** A duration parameter such as `step=5m`. */
export function duration(q: Query, name: string, fallback: number | null): number | null {
  const v = str(q, name);
  if (v === undefined) return fallback;
  const ms = parseDuration(v);
  if (ms === null) throw badParam(name, `must be a duration such as 5m, got "${v}"`);
  return ms;
}
