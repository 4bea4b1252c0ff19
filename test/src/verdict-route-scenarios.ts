/**
 * Verdict-agreement scenarios judged per model and route: per-model overrides (PUT /thresholds and
 * the PATCH /models/:id alias), per-route overrides and minimums, precedence, failover and its
 * return, pins, an unhealthy model, every candidate unhealthy, and the known disagreement of a
 * route's view after a move.
 */
import { GLOBAL, type Scope } from "./verdict-checks.js";
import { calls, runs } from "./verdict-events.js";
import type { Scenario } from "./verdict-scenarios.js";

const model = (name: string): Scope => ({ kind: "model", name });
const route = (name: string): Scope => ({ kind: "route", name });
/** Switch after two unhealthy evaluations, without a dwell. */
const FAST = { trip_after: 2, min_dwell_ms: 0 };

export const ROUTE_SCENARIOS: Scenario[] = [
  {
    name: "per-model overrides through PUT /thresholds {models} change model health both ways",
    models: ["strict-m", "lenient-m"],
    phases: [
      { events: () => [...calls("strict-m", null, 20, 2), ...calls("lenient-m", null, 20, 5)], expect: { breaches: [], models: [{ model: "strict-m", status: "healthy" }, { model: "lenient-m", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 20 } }], health: { status: "healthy", metrics_score: null, open_critical: 0 } } },
      {
        thresholds: { models: { "strict-m": { error_rate_max: 0.05 }, "lenient-m": { error_rate_max: 0.3 } } },
        expect: { breaches: [], models: [{ model: "strict-m", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.05, scope: model("strict-m"), samples: 20 } }, { model: "lenient-m", status: "healthy" }], health: { status: "healthy", metrics_score: null, open_critical: 0 } },
      },
    ],
  },
  {
    name: "a per-model override through the alias PATCH /models/:id {thresholds} is the model scope of the threshold model",
    models: ["alias-m"],
    phases: [
      { events: () => calls("alias-m", null, 20, 2), expect: { breaches: [], models: [{ model: "alias-m", status: "healthy" }], health: { status: "healthy", metrics_score: null, open_critical: 0 } } },
      {
        setup: async (api) => {
          await api("models/alias-m", { method: "PATCH", body: { thresholds: { error_rate: { trip: 0.05 } } } });
          const t = await api("thresholds");
          if (t.models["alias-m"]?.error_rate_max !== 0.05) throw new Error(`GET /thresholds does not show the alias: ${JSON.stringify(t.models)}`);
        },
        expect: { breaches: [], models: [{ model: "alias-m", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.05, scope: model("alias-m"), samples: 20 } }], health: { status: "healthy", metrics_score: null, open_critical: 0 } },
      },
    ],
  },
  {
    name: "a per-route override: a model failing 33% is healthy on a route that allows 40% (recovering at 35%), unhealthy off it, and one failing 37% there is degraded; pinned to it, the route is listed, not penalised",
    models: ["lax-p", "lax-b", "lax-off"],
    routes: [{ route: "lax-route", primary: "lax-p", backups: ["lax-b"], thresholds: { error_rate: { trip: 0.4, recover: 0.35 } }, policy: FAST }],
    phases: [
      {
        // lax-b fails 36.7%: past the route's recover (35%), short of its trip (40%).
        events: () => [...calls("lax-p", "lax-route", 30, 10), ...calls("lax-b", "lax-route", 30, 11), ...calls("lax-off", null, 30, 10)],
        expect: {
          breaches: [],
          models: [
            { model: "lax-p", route: "lax-route", status: "healthy" },
            { model: "lax-p", status: "healthy" },
            { model: "lax-b", route: "lax-route", status: "degraded", reason: { metric: "error_rate", threshold: 0.35, scope: route("lax-route"), samples: 30 } },
            { model: "lax-b", status: "degraded", reason: { metric: "error_rate", threshold: 0.35, scope: route("lax-route"), samples: 30 } },
            { model: "lax-off", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } },
          ],
          routes: [{ route: "lax-route", state: "normal", active_model: "lax-p" }],
          health: { status: "healthy", metrics_score: null, open_critical: 0 },
        },
      },
      {
        // A pin is listed (routes_not_normal, the overview) but not penalised: someone chose it.
        setup: async (api) => void (await api("routes/lax-route/switch", { method: "POST", body: { to: "lax-b", by: "oncall", reason: "drill" } })),
        expect: { breaches: [], routes: [{ route: "lax-route", state: "pinned", active_model: "lax-b" }], health: { status: "healthy", metrics_score: null, open_critical: 0 } },
      },
    ],
  },
  {
    name: "a route's own min_samples of 40 for the error rate: 30 calls half failed are not judged (healthy on latency alone), 40 are and the route fails over",
    models: ["few-p", "few-b"],
    routes: [{ route: "few-route", primary: "few-p", backups: ["few-b"], thresholds: { error_rate: { trip: 0.2, min_samples: 40 } }, policy: FAST }],
    phases: [
      {
        events: () => [...calls("few-p", "few-route", 30, 15), ...calls("few-b", "few-route", 30, 0)],
        // The error rate has too few samples and is left out; p95 latency (global limit, minimum 10) is judged.
        expect: { breaches: [], models: [{ model: "few-p", route: "few-route", status: "healthy" }, { model: "few-p", status: "healthy" }, { model: "few-b", route: "few-route", status: "healthy" }], routes: [{ route: "few-route", state: "normal", active_model: "few-p" }], health: { status: "healthy", metrics_score: null, open_critical: 0 } },
      },
      {
        events: () => calls("few-p", "few-route", 10, 5),
        expect: {
          breaches: [],
          models: [{ model: "few-p", route: "few-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.2, scope: route("few-route"), samples: 40 } }],
          routes: [{ route: "few-route", state: "failed_over", active_model: "few-b" }],
          health: { status: "degraded", metrics_score: null, open_critical: 0 },
        },
      },
    ],
  },
  {
    name: "precedence: a model's own limit beats its route's, and the route fails over on it",
    models: ["prec-p", "prec-b"],
    routes: [{ route: "prec-route", primary: "prec-p", backups: ["prec-b"], thresholds: { error_rate: { trip: 0.4 } }, policy: FAST }],
    phases: [
      {
        thresholds: { models: { "prec-p": { error_rate_max: 0.1 } } },
        events: () => [...calls("prec-p", "prec-route", 30, 6), ...calls("prec-b", "prec-route", 20, 0)],
        expect: {
          breaches: [],
          models: [{ model: "prec-p", route: "prec-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.1, scope: model("prec-p"), samples: 30 } }, { model: "prec-b", route: "prec-route", status: "unknown" }],
          routes: [{ route: "prec-route", state: "failed_over", active_model: "prec-b" }],
          health: { status: "degraded", metrics_score: null, open_critical: 0 },
        },
      },
    ],
  },
  {
    name: "a failed-over route is listed by /health and the overview, then comes back to its primary through probe and ramp",
    models: ["fo-p", "fo-b"],
    routes: [{ route: "fo-route", primary: "fo-p", backups: ["fo-b"], policy: { ...FAST, backoff_base_ms: 1000, probe_evaluations: 1, ramp: [0.5], ramp_step_evaluations: 1 } }],
    phases: [
      {
        events: () => [...calls("fo-p", "fo-route", 30, 10), ...calls("fo-b", "fo-route", 20, 0)],
        dashboard: true,
        expect: {
          breaches: [],
          // The backup that took the route is judged on its calls since (none yet); the primary it left is
          // unhealthy until its probe starts (1 s later), then judged on the probe's calls: the route
          // view and model health are compared whichever it is.
          models: [{ model: "fo-b", route: "fo-route", status: "unknown" }],
          routes: [{ route: "fo-route", state: "failed_over", active_model: "fo-b" }],
          health: { status: "degraded", metrics_score: null, open_critical: 0 },
        },
      },
      {
        // The primary answers again: the probe and the ramp see its new calls.
        feed: () => [...calls("fo-p", "fo-route", 20, 0), ...calls("fo-b", "fo-route", 5, 0)],
        deadlineMs: 45_000,
        expect: { breaches: [], models: [{ model: "fo-p", route: "fo-route", status: "healthy" }], routes: [{ route: "fo-route", state: "normal", active_model: "fo-p" }], health: { status: "healthy", metrics_score: null, open_critical: 0 } },
      },
    ],
  },
  {
    // A model that took a route is judged on its calls since (so the failures that made the route
    // leave a model do not trip it again on its return): model health on the route says the same.
    name: "after a switch or a pin, the route's view of its models is their health on that route",
    models: ["sw-p", "sw-b", "pin-p", "pin-b", "back-p", "back-b"],
    routes: [
      { route: "sw-route", primary: "sw-p", backups: ["sw-b"], policy: FAST },
      { route: "pin-route", primary: "pin-p", backups: ["pin-b"], policy: FAST },
      { route: "back-route", primary: "back-p", backups: ["back-b"], policy: { ...FAST, backoff_base_ms: 1000 } },
    ],
    phases: [
      {
        events: () => [
          ...calls("sw-p", "sw-route", 30, 10),
          ...calls("sw-b", "sw-route", 20, 0),
          ...calls("pin-p", "pin-route", 20, 0),
          ...calls("pin-b", "pin-route", 30, 10),
          ...calls("back-p", "back-route", 30, 10),
          ...calls("back-b", "back-route", 20, 0),
        ],
        setup: async (api) => void (await api("routes/pin-route/switch", { method: "POST", body: { to: "pin-b", by: "oncall", reason: "drill" } })),
        deadlineMs: 10_000,
        expect: {
          breaches: [],
          models: [
            { model: "sw-b", route: "sw-route", status: "unknown" },
            { model: "pin-b", route: "pin-route", status: "unknown" },
          ],
          routes: [{ route: "sw-route", state: "failed_over", active_model: "sw-b" }, { route: "pin-route", state: "pinned", active_model: "pin-b" }, { route: "back-route", state: "failed_over", active_model: "back-b" }],
          // Two routes failed over (−20), the pin is not penalised.
          health: { status: "degraded", metrics_score: null, open_critical: 0 },
        },
      },
    ],
  },
  {
    name: "an unhealthy model (33% of calls fail): model health and the Models page say unhealthy",
    models: ["sick-m"],
    modelsPage: ["sick-m"],
    phases: [
      {
        events: () => [...calls("sick-m", null, 30, 10), ...runs("sick-user", 20, 0, { model: "sick-m" })],
        expect: { breaches: [], models: [{ model: "sick-m", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } }], health: { status: "healthy", metrics_score: 100, open_critical: 0 } },
      },
    ],
  },
  {
    name: "every candidate unhealthy: the route is degraded, RouteDegraded fires, /health takes both penalties",
    models: ["deg-p", "deg-b"],
    routes: [{ route: "deg-route", primary: "deg-p", backups: ["deg-b"], policy: FAST }],
    phases: [
      {
        events: () => [...calls("deg-p", "deg-route", 30, 10), ...calls("deg-b", "deg-route", 30, 12)],
        expect: {
          breaches: [],
          models: [{ model: "deg-p", route: "deg-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } }, { model: "deg-b", route: "deg-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } }],
          routes: [{ route: "deg-route", state: "degraded", active_model: "deg-p" }],
          health: { status: "unhealthy", metrics_score: null, open_critical: 1 },
        },
      },
    ],
  },
];
