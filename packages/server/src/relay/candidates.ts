/**
 * The order in which the relay tries a route's models: the router's pick (the active model, or the split's model
 * for its share), then the route's primary, then its backups, without duplicates, keeping only models that have an
 * upstream, and at most `maxAttempts` of them.
 */
import type { RoutePick } from "@vigil/sdk";
import type { UpstreamTarget } from "./upstreams.js";

/** The targets to try for one request, in order, and the models skipped for lack of an upstream. */
export interface CandidatePlan {
  targets: UpstreamTarget[];
  /** Candidates that have no upstream (neither in the registry nor given by `--upstream`). */
  skipped: string[];
}

/** The models to try for a pick, in order: the pick, the primary, the backups (the pick alone when it is the default, with no view). */
export function candidateModels(pick: RoutePick): string[] {
  const order = pick.view === null ? [pick.model] : [pick.model, pick.view.primary, ...pick.view.backups];
  return [...new Set(order.filter((m) => typeof m === "string" && m !== ""))];
}

/** Resolves candidate models to targets, dropping those without an upstream, and keeps the first `maxAttempts`. */
export function planAttempts(models: readonly string[], targets: ReadonlyMap<string, UpstreamTarget>, maxAttempts: number): CandidatePlan {
  const plan: CandidatePlan = { targets: [], skipped: [] };
  for (const model of models) {
    if (plan.targets.length >= maxAttempts) break;
    const target = targets.get(model);
    if (target === undefined) plan.skipped.push(model);
    else plan.targets.push(target);
  }
  return plan;
}
