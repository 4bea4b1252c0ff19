/**
 * The route store of the embedded store. Reads use the serving thread's connection; writes are
 * handed to the writer thread (sqlite-route-writer.ts), one transaction each, answered once
 * committed with the store's synchronous setting, like every other write.
 */
import type Database from "better-sqlite3";
import type { ModelRecord, RouteDecisionRecord, RouteRecord, RouteStore } from "../../core/failover/store.js";
import type { RouteRuntime } from "../../core/failover/policy.js";
import type { RouteWrite } from "./sqlite-route-writer.js";

const parsed = <T>(rows: unknown[], column: string) => (rows as Record<string, string>[]).map((r) => JSON.parse(r[column]!) as T);

/** Builds the route store on the reading connection `db`, sending writes through `write`. */
export function createSqliteRouteStore(db: Database.Database, write: (w: RouteWrite) => Promise<unknown>): RouteStore {
  const listModels = db.prepare("SELECT record FROM models ORDER BY id");
  const listRoutes = db.prepare("SELECT record FROM routes ORDER BY route");
  const listStates = db.prepare("SELECT state FROM route_state ORDER BY route");
  const history = db.prepare("SELECT decision FROM route_history WHERE route = ? ORDER BY n DESC LIMIT ?");

  return {
    async listModels() {
      return parsed<ModelRecord>(listModels.all(), "record");
    },
    async putModel(model) {
      await write({ m: "putModel", model, at: Date.now() });
    },
    async deleteModel(id) {
      return (await write({ m: "deleteModel", id })) as boolean;
    },
    async listRoutes() {
      return parsed<RouteRecord>(listRoutes.all(), "record");
    },
    async putRoute(route) {
      await write({ m: "putRoute", route, at: Date.now() });
    },
    async deleteRoute(route) {
      return (await write({ m: "deleteRoute", route })) as boolean;
    },
    async listStates() {
      return parsed<RouteRuntime>(listStates.all(), "state");
    },
    async saveState(state, expected, decisions) {
      return (await write({ m: "saveState", state, expected, decisions, at: Date.now() })) as boolean;
    },
    async history(route, limit) {
      if (limit <= 0) return [];
      return parsed<RouteDecisionRecord>(history.all(route, limit), "decision");
    },
  };
}
