/**
 * The normalised SLO: the one shape the budget, burn-rate and export math work on. The written
 * form (config `slos:` and API bodies, with a class name and units like `30d`) is checked and
 * turned into this by the SLO service's validator.
 */
import type { DimFilter } from "../rollup-reader.js";
import type { Sli } from "../sli.js";

/** One service-level objective, normalised: its class resolved to a filter, its period and slices in ms. */
export interface SloSpec {
  name: string;
  filter: DimFilter;                 // the class's match (core/rollup-reader.ts DimFilter)
  sli: Sli;                          // mean-rating satisfaction is expressed through budgeting below
  maxMs: number | null;              // latency hard maximum, or null
  target: number;                    // 0 < target < 1
  period: { kind: "rolling"; ms: number } | { kind: "calendar_month" };
  budgeting: { kind: "events" } | { kind: "timeslices"; sliceMs: number; sliceTarget: number; meanRatingAtLeast: number | null };
}
