/**
 * The verdict-agreement table: each scenario registers its models and routes on a fresh server,
 * then runs phases (limits to set, events to send, and what every view must then say).
 * Health scores below are docs/metrics.md's formula worked by hand for runs of 100 ms
 * (latency scores 1): 40·success + 30 + 20·clamp(1 − error/2E), over 90, as a percentage.
 */
import type { Expect, Scope } from "./verdict-checks.js";
import { GLOBAL } from "./verdict-checks.js";

export interface RouteDef {
  route: string;
  primary: string;
  backups: string[];
  thresholds?: Record<string, unknown>;
  policy?: Record<string, unknown>;
}

export interface Phase {
  /** Body of `PUT /api/v1/thresholds`. */
  thresholds?: Record<string, unknown>;
  /** Calls made before the events (aliases), given the API. */
  setup?: (api: (path: string, init?: { method?: string; body?: unknown }) => Promise<any>) => Promise<void>;
  /** Sent once. */
  events?: () => unknown[];
  /** Sent every second until the views agree (traffic that a probe must see). */
  feed?: () => unknown[];
  expect: Expect;
  /** How long the views may take to agree (default 20 s). */
  deadlineMs?: number;
  /** Whether the pages in Chromium are checked after this phase (default: after the last phase only). */
  dashboard?: boolean;
}

export interface Scenario {
  name: string;
  models?: string[];
  routes?: RouteDef[];
  phases: Phase[];
  /** Models whose state the Models page must show as their health. */
  modelsPage?: string[];
  /** A known disagreement of the server: the case runs but does not fail the suite. */
  todo?: string;
  /** Compare the route's views with model health even where they are known to disagree after a move (see checkModels). */
  strictRouteViews?: boolean;
}

/** `n` runs of `agent`, `failures` of them failed (spread evenly), each `durationMs` long. */
export function runs(agent: string, n: number, failures: number, opts: { durationMs?: number; model?: string } = {}): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    type: "run",
    timestamp: now - (n - i) * 50,
    body: { agent_name: agent, status: Math.floor(((i + 1) * failures) / n) > Math.floor((i * failures) / n) ? "failure" : "success", duration_ms: opts.durationMs ?? 100, ...(opts.model ? { model: opts.model } : {}) },
  }));
}

/** `n` successful runs of `agent` on `model` predicting `predicted`, each followed by its outcome `actual`. */
export function scored(agent: string, model: string, n: number, predicted: number, actual: number): unknown[] {
  const now = Date.now();
  const ids = Array.from({ length: n }, (_, i) => `${agent}-${now}-${i}`);
  return [
    ...ids.map((run_id, i) => ({ type: "run", timestamp: now - (n - i) * 50, body: { agent_name: agent, model, run_id, status: "success", duration_ms: 100, metadata: { prediction: predicted } } })),
    ...ids.map((run_id) => ({ type: "outcome", timestamp: now, body: { run_id, actual_outcome: actual } })),
  ];
}

/** `n` LLM calls to `model` (on `route` when given), `failures` of them failed. */
export function calls(model: string, route: string | null, n: number, failures: number): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    type: "llm_call",
    timestamp: now - (n - i) * 20,
    body: { model, ...(route ? { route } : {}), latency_ms: 200, status: Math.floor(((i + 1) * failures) / n) > Math.floor((i * failures) / n) ? "failure" : "success" },
  }));
}

const agent = (name: string): Scope => ({ kind: "agent", name });
const model = (name: string): Scope => ({ kind: "model", name });
const route = (name: string): Scope => ({ kind: "route", name });
const FAST = { trip_after: 2, min_dwell_ms: 0 };

export const SCENARIOS: Scenario[] = [
  {
    name: "global limits: an agent failing 30% breaches both rates, both alerts fire, the critical one costs 15 points",
    phases: [{ events: () => runs("g-agent", 20, 6), expect: { breaches: [{ agent: "g-agent", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: "g-agent", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }], health: { status: "unhealthy", metrics_score: 64.4, open_critical: 1 } } }],
  },
  {
    name: "a per-agent override allows what the global limit forbids: no breach and no alert for that agent",
    phases: [{ thresholds: { agents: { lenient: { success_rate_min: 0.5, error_rate_max: 0.4 } } }, events: () => runs("lenient", 20, 6), expect: { breaches: [], health: { status: "degraded", metrics_score: 64.4, open_critical: 0 }, agentScores: { lenient: 78.3 } } }],
  },
  {
    name: "an override set while the alert fires: the breach goes at once, the alert resolves at the next evaluation",
    phases: [
      { events: () => runs("late", 20, 6), expect: { breaches: [{ agent: "late", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: "late", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }], health: { status: "unhealthy", metrics_score: 64.4, open_critical: 1 } } },
      { thresholds: { agents: { late: { success_rate_min: 0.6, error_rate_max: 0.35 } } }, expect: { breaches: [], health: { status: "degraded", metrics_score: 64.4, open_critical: 0 }, resolved: [{ agent: "late", key: "success_rate_min" }, { agent: "late", key: "error_rate_max" }] } },
    ],
  },
  {
    name: "a per-agent override stricter than global: a breach and an alert carrying the agent's limit and scope",
    phases: [
      {
        thresholds: { agents: { strict: { latency_p95_max_ms: 200 } } },
        events: () => [...runs("strict", 20, 0, { durationMs: 300 }), ...runs("relaxed", 20, 0, { durationMs: 300 })],
        expect: { breaches: [{ agent: "strict", key: "latency_p95_max_ms", threshold: 200, scope: agent("strict"), samples: 20 }], health: { status: "healthy", metrics_score: 100, open_critical: 0 } },
      },
    ],
  },
  {
    name: "three runs, one failed, and three calls, one failed: no verdict anywhere",
    models: ["tiny-model"],
    phases: [{ events: () => [...runs("tiny", 3, 1, { model: "tiny-model" }), ...calls("tiny-model", null, 3, 1)], expect: { breaches: [], models: [{ model: "tiny-model", status: "unknown" }], health: { status: "healthy", metrics_score: null, open_critical: 0 }, agentScores: { tiny: null } } }],
  },
  {
    name: "min_samples raised globally to 30: 20 runs or calls half failed are no verdict, 35 are",
    models: ["ms-model"],
    phases: [
      {
        thresholds: { global: { min_samples: 30 } },
        events: () => [...runs("ms-agent", 20, 10), ...calls("ms-model", null, 20, 10)],
        expect: { breaches: [], models: [{ model: "ms-model", status: "unknown" }], health: { status: "healthy", metrics_score: null, open_critical: 0 }, agentScores: { "ms-agent": null } },
      },
      {
        events: () => [...runs("ms-agent", 15, 5), ...calls("ms-model", null, 15, 5)],
        expect: {
          breaches: [{ agent: "ms-agent", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 35 }, { agent: "ms-agent", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 35 }],
          models: [{ model: "ms-model", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 35 } }],
          health: { status: "unhealthy", metrics_score: 58.7, open_critical: 1 },
        },
      },
    ],
  },
  {
    name: "a per-agent min_samples of 5: six runs, half failed, are judged by the report and the alert alike",
    phases: [
      {
        thresholds: { agents: { few: { min_samples: 5 } } },
        events: () => runs("few", 6, 3),
        // The system keeps the minimum of 10: no figures score, but the critical alert counts (100 − 15).
        expect: { breaches: [{ agent: "few", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 6 }, { agent: "few", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 6 }], health: { status: "unhealthy", metrics_score: null, open_critical: 1 } },
      },
    ],
  },
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
          models: [{ model: "prec-p", route: "prec-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.1, scope: model("prec-p"), samples: 30 } }, { model: "prec-b", route: "prec-route", status: "healthy" }],
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
          models: [{ model: "fo-p", route: "fo-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } }, { model: "fo-b", route: "fo-route", status: "healthy" }],
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
    name: "after a switch or a pin, the route's view of its models is their health on that route",
    todo: "GET /routes/:route answers the model that took the route (and the primary it left, once its backoff has passed) as unknown on 0 samples from the next evaluation on, while GET /models/:id/health?route= answers the window's verdict: healthy on 20 calls; unhealthy on 30 calls failing 33%",
    strictRouteViews: true,
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
            { model: "sw-b", route: "sw-route", status: "healthy" },
            { model: "pin-b", route: "pin-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } },
            { model: "back-p", route: "back-route", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 30 } },
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
    name: "recovery: the errors stop, both alerts resolve, the model is healthy again and the health score recovers",
    models: ["rec-m"],
    phases: [
      {
        events: () => [...runs("rec-agent", 20, 6, { model: "rec-m" }), ...calls("rec-m", null, 20, 6)],
        expect: {
          breaches: [{ agent: "rec-agent", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: "rec-agent", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }],
          models: [{ model: "rec-m", status: "unhealthy", reason: { metric: "error_rate", threshold: 0.15, scope: GLOBAL, samples: 20 } }],
          health: { status: "unhealthy", metrics_score: 64.4, open_critical: 1 },
        },
      },
      {
        events: () => [...runs("rec-agent", 60, 0, { model: "rec-m" }), ...calls("rec-m", null, 60, 0)],
        expect: { breaches: [], models: [{ model: "rec-m", status: "healthy" }], health: { status: "healthy", metrics_score: 91.1, open_critical: 0 }, resolved: [{ agent: "rec-agent", key: "success_rate_min" }, { agent: "rec-agent", key: "error_rate_max" }] },
      },
    ],
  },
  {
    name: "accuracy from outcomes: the report, AgentAccuracyLow and model health judge the same 12 scored outcomes",
    models: ["acc-m"],
    phases: [
      {
        // 1 − |150 − 100| / 100 = 0.5, below 0.7; the accuracy component (10 points) scores 0.5: 95, less 15.
        events: () => scored("acc-agent", "acc-m", 12, 150, 100),
        expect: {
          breaches: [{ agent: "acc-agent", key: "accuracy_min", threshold: 0.7, scope: GLOBAL, samples: 12 }],
          models: [{ model: "acc-m", status: "unhealthy", reason: { metric: "accuracy", threshold: 0.7, scope: GLOBAL, samples: 12 } }],
          health: { status: "unhealthy", metrics_score: 95, open_critical: 1 },
        },
      },
    ],
  },
  {
    name: "two critical alerts open: /health takes 15 points for each and says unhealthy",
    phases: [
      {
        events: () => [...runs("crit-a", 20, 10), ...runs("crit-b", 20, 10)],
        expect: {
          breaches: ["crit-a", "crit-b"].flatMap((a) => [{ agent: a, key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: a, key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }]),
          health: { status: "unhealthy", metrics_score: 55.6, open_critical: 2 },
        },
      },
      {
        // Acknowledged is still open: it counts, on /health and on the overview.
        setup: async (api) => {
          const firing = (await api("alerts?state=firing&rule=AgentSuccessRateLow&agent_name=crit-a")).alerts;
          if (firing.length !== 1) throw new Error(`one AgentSuccessRateLow for crit-a, got ${JSON.stringify(firing)}`);
          await api(`alerts/${firing[0].alert_id}/acknowledge`, { method: "POST", body: { by: "oncall" } });
        },
        expect: {
          breaches: ["crit-a", "crit-b"].flatMap((a) => [{ agent: a, key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: a, key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }]),
          acknowledged: [{ agent: "crit-a", key: "success_rate_min" }],
          health: { status: "unhealthy", metrics_score: 55.6, open_critical: 2 },
        },
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
