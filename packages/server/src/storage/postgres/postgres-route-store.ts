/**
 * The route store of the PostgreSQL store, shared by every instance. `saveState` is the one write
 * that several instances race on: a compare-and-set on the stored revision, in one transaction with
 * the decisions it appends, so exactly one of two instances moving a route at once wins.
 */
import type pg from "pg";
import type { ModelRecord, RouteDecisionRecord, RouteRecord, RouteStore } from "../../core/failover/store.js";
import type { RouteRuntime } from "../../core/failover/policy.js";

// Decisions keep the order given (serial values follow ORDINALITY): `history` reads them back by n.
const ADD_DECISIONS = `
INSERT INTO route_history (route, at, decision)
SELECT route, at, decision FROM unnest($1::text[], $2::int8[], $3::text[]) WITH ORDINALITY AS x(route, at, decision, i)
ORDER BY i`;

// An insert that finds a row (or waits on a concurrent insert that commits) changes nothing; an
// update waiting on a concurrent one re-reads the revision after it commits and then changes nothing.
const INSERT_STATE = "INSERT INTO route_state (route, revision, state, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (route) DO NOTHING";
const UPDATE_STATE = "UPDATE route_state SET revision = $2, state = $3, updated_at = $4 WHERE route = $1 AND revision = $5";

/** Builds the route store on `pool` (the storage wraps it in its guard, which classifies failures). */
export function createPostgresRouteStore(pool: pg.Pool): RouteStore {
  const q = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => pool.query<R>(text, values);
  const docs = async <T>(text: string, column: string, values?: unknown[]) => (await q<Record<string, string>>(text, values)).rows.map((r) => JSON.parse(r[column]!) as T);

  return {
    async listModels() {
      return docs<ModelRecord>("SELECT record FROM models ORDER BY id", "record");
    },
    async putModel(model) {
      await q("INSERT INTO models (id, record, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at", [model.id, JSON.stringify(model), Date.now()]);
    },
    async deleteModel(id) {
      return ((await q("DELETE FROM models WHERE id = $1", [id])).rowCount ?? 0) > 0;
    },
    async listRoutes() {
      return docs<RouteRecord>("SELECT record FROM routes ORDER BY route", "record");
    },
    async putRoute(route) {
      await q("INSERT INTO routes (route, record, updated_at) VALUES ($1, $2, $3) ON CONFLICT (route) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at", [route.route, JSON.stringify(route), Date.now()]);
    },
    async deleteRoute(route) {
      // One statement, so one transaction; the history stays.
      const r = await q<{ n: number }>("WITH s AS (DELETE FROM route_state WHERE route = $1), d AS (DELETE FROM routes WHERE route = $1 RETURNING 1) SELECT count(*) AS n FROM d", [route]);
      return r.rows[0]!.n > 0;
    },
    async listStates() {
      return docs<RouteRuntime>("SELECT state FROM route_state ORDER BY route", "state");
    },
    async saveState(state, expected, decisions) {
      const c = await pool.connect();
      // A connection whose rollback failed is broken: it is dropped rather than pooled again.
      let broken: Error | undefined;
      try {
        await c.query("BEGIN");
        const doc = JSON.stringify(state);
        const at = Date.now();
        const moved = expected === null ? await c.query(INSERT_STATE, [state.route, state.revision, doc, at]) : await c.query(UPDATE_STATE, [state.route, state.revision, doc, at, expected]);
        if ((moved.rowCount ?? 0) === 0) {
          await c.query("ROLLBACK");
          return false;
        }
        if (decisions.length) await c.query(ADD_DECISIONS, [decisions.map((d) => d.route), decisions.map((d) => d.at), decisions.map((d) => JSON.stringify(d))]);
        await c.query("COMMIT");
        return true;
      } catch (err) {
        await c.query("ROLLBACK").catch((e: Error) => void (broken = e));
        throw err;
      } finally {
        c.release(broken);
      }
    },
    async history(route, limit) {
      if (limit <= 0) return [];
      return docs<RouteDecisionRecord>("SELECT decision FROM route_history WHERE route = $1 ORDER BY n DESC LIMIT $2", "decision", [route, limit]);
    },
  };
}
