/** The Routes section: every route with the model serving it, its state and pin (`#/routes`), and one route in full with its controls (`#/routes/<route>`). */
import type { RouteView } from "@vigil/contract";
import { get } from "../api.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { Empty, Panel } from "../components/states.js";
import { ago, NONE, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href } from "../router.js";
import { RouteDetail } from "./route-detail.js";
import { PinShort, splitText, StateBadge } from "./route-format.js";
import "./routes.css";

/** The answer of `GET /api/v1/routes`. */
export interface RoutesAnswer {
  routes: RouteView[];
}

/** The Routes page: the list, or the detail of `selected`. */
export function RoutesPage({ selected }: { selected?: string }) {
  return selected ? <RouteDetail route={selected} /> : <RouteList />;
}

function NoRoutes() {
  return (
    <Empty title="No routes registered">
      <p>
        A route is a named task your application sends to whichever model is active, with a primary model and backups Vigil fails over to. Declare routes under <code>failover.routes</code> in the config file, or add one with <code>POST /api/v1/routes</code>.
      </p>
      <p>
        To see one move, run <code>npx vigil demo --target {window.location.origin}</code>: it registers the route <code>summarize</code> and degrades its primary after about 40 s.
      </p>
    </Empty>
  );
}

function RouteList() {
  const polled = usePoll(() => get<RoutesAnswer>("routes"), []);
  return (
    <>
      <PageTitle title="Routes" sub={<>Where each route&apos;s traffic goes now, and why · <Freshness at={polled.updatedAt} /></>} />
      <Panel polled={polled} what="routes" isEmpty={(d) => d.routes.length === 0} empty={<NoRoutes />}>
        {(d) => (
          <div class="table-wrap">
            <table class="routes-table" data-testid="routes-table">
              <caption class="sr-only">Routes and the model serving each</caption>
              <thead>
                <tr>
                  <th scope="col">Route</th>
                  <th scope="col">State</th>
                  <th scope="col">Active model</th>
                  <th scope="col">Primary</th>
                  <th scope="col">Backups</th>
                  <th scope="col">Since</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">
                    Revision
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...d.routes]
                  .sort((a, b) => a.route.localeCompare(b.route))
                  .map((r) => (
                    <tr key={r.route} data-testid="route-row" data-route={r.route} data-state={r.state}>
                      <th scope="row">
                        <a href={href(["routes", r.route])}>{r.route}</a>
                      </th>
                      <td>
                        <StateBadge state={r.state} />
                        {r.pin ? (
                          <div class="route-small">
                            <PinShort pin={r.pin} />
                          </div>
                        ) : null}
                      </td>
                      <td>
                        <strong>{r.active_model}</strong>
                        {r.split ? <div class="muted route-small">{splitText(r.split)}</div> : null}
                      </td>
                      <td>{r.primary}</td>
                      <td>{r.backups.length ? r.backups.join(", ") : NONE}</td>
                      <td title={when(r.since)}>{ago(r.since)}</td>
                      <td class="wrap">{r.reason ?? NONE}</td>
                      <td class="num">{r.revision}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
    </>
  );
}
