/**
 * The route store's writes on the embedded store. They run on the writer thread, like every other
 * write (docs/architecture.md), each call one transaction. The writer thread is the only writer,
 * so the compare-and-set of `saveState` needs no lock beyond its transaction.
 */
import type Database from "better-sqlite3";
import type { ModelRecord, RouteDecisionRecord, RouteRecord } from "../../core/failover/store.js";
import type { RouteRuntime } from "../../core/failover/policy.js";

/** One write of the route store, as sent to the writer thread (plain data, cloned across). */
export type RouteWrite =
  | { m: "putModel"; model: ModelRecord; at: number }
  | { m: "deleteModel"; id: string }
  | { m: "putRoute"; route: RouteRecord; at: number }
  | { m: "deleteRoute"; route: string }
  | { m: "saveState"; state: RouteRuntime; expected: number | null; decisions: readonly RouteDecisionRecord[]; at: number };

/** Prepares the route store's write statements on `db`; the result applies one write and returns its answer. */
export function createRouteWriter(db: Database.Database): (w: RouteWrite) => unknown {
  const putModel = db.prepare("INSERT INTO models (id, record, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at");
  const deleteModel = db.prepare("DELETE FROM models WHERE id = ?");
  const putRoute = db.prepare("INSERT INTO routes (route, record, updated_at) VALUES (?, ?, ?) ON CONFLICT(route) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at");
  const deleteRouteRow = db.prepare("DELETE FROM routes WHERE route = ?");
  const deleteStateRow = db.prepare("DELETE FROM route_state WHERE route = ?");
  // The history stays: it tells what happened to a route even after the route is gone.
  const deleteRoute = db.transaction((route: string) => {
    const gone = deleteRouteRow.run(route).changes > 0;
    deleteStateRow.run(route);
    return gone;
  });

  const insertState = db.prepare("INSERT INTO route_state (route, revision, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(route) DO NOTHING");
  const updateState = db.prepare("UPDATE route_state SET revision = ?, state = ?, updated_at = ? WHERE route = ? AND revision = ?");
  const addDecision = db.prepare("INSERT INTO route_history (route, at, decision) VALUES (?, ?, ?)");
  const saveState = db.transaction((state: RouteRuntime, expected: number | null, decisions: readonly RouteDecisionRecord[], at: number) => {
    const doc = JSON.stringify(state);
    const moved = expected === null ? insertState.run(state.route, state.revision, doc, at) : updateState.run(state.revision, doc, at, state.route, expected);
    // Another writer moved the route first: nothing was written, so there is nothing to undo.
    if (moved.changes === 0) return false;
    for (const d of decisions) addDecision.run(d.route, d.at, JSON.stringify(d));
    return true;
  });

  return (w) => {
    switch (w.m) {
      case "putModel":
        return void putModel.run(w.model.id, JSON.stringify(w.model), w.at);
      case "deleteModel":
        return deleteModel.run(w.id).changes > 0;
      case "putRoute":
        return void putRoute.run(w.route.route, JSON.stringify(w.route), w.at);
      case "deleteRoute":
        return deleteRoute(w.route);
      case "saveState":
        return saveState(w.state, w.expected, w.decisions, w.at);
    }
  };
}
