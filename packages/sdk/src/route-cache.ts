/**
 * The last known view of each route. A view replaces the one held only when its revision is higher, so a late
 * poll answer or a replayed stream message can never take a gateway back to an older decision.
 */
import type { RouteView } from "@vigil/contract";

/**
 * Saves and loads route views across restarts, so that a gateway starting while Vigil is down still routes as
 * Vigil last said. Both may be synchronous or asynchronous; their failures are reported, never thrown.
 */
export interface RouteStore {
  /** The view saved for `route`, or null/undefined when there is none. */
  load(route: string): RouteView | null | undefined | Promise<RouteView | null | undefined>;
  /** Saves the newest view of its route (called on every accepted change). */
  save(view: RouteView): void | Promise<void>;
}

/** Holds the highest-revision view seen for each route. */
export class RouteCache {
  private readonly views = new Map<string, RouteView>();

  /** The view held for `route`, or undefined when none was ever accepted. */
  get(route: string): RouteView | undefined {
    return this.views.get(route);
  }

  /** Keeps `view` when it is newer than the one held (a higher revision) and says whether it did. */
  offer(view: RouteView): boolean {
    const held = this.views.get(view.route);
    if (held !== undefined && view.revision <= held.revision) return false;
    this.views.set(view.route, view);
    return true;
  }

  /** The routes with a view. */
  routes(): string[] {
    return [...this.views.keys()];
  }
}

/**
 * The value as a RouteView when it has the fields a gateway relies on (route, active_model, a numeric revision,
 * a well-formed split or null), else null; other fields are passed through unchecked.
 */
export function parseRouteView(value: unknown): RouteView | null {
  if (!isObject(value)) return null;
  const { route, active_model, revision, split } = value;
  if (!isName(route) || !isName(active_model) || typeof revision !== "number" || !Number.isFinite(revision)) return null;
  if (split !== null && split !== undefined) {
    if (!isObject(split) || !isName(split.model) || typeof split.share !== "number" || !(split.share >= 0 && split.share <= 1)) return null;
  }
  return { ...(value as unknown as RouteView), split: (split ?? null) as RouteView["split"] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
