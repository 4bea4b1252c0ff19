/**
 * Verdict-agreement scenarios judged per agent: global limits, per-agent overrides looser and
 * stricter, too few samples, raised minimums, accuracy from outcomes, recovery and critical
 * alerts. Health scores are docs/metrics.md's formula worked by hand for runs of 100 ms (latency
 * scores 1): 40·success + 30 + 20·clamp(1 − error/2E) (+ 10·accuracy), over the weights present.
 */
import { GLOBAL, type Scope } from "./verdict-checks.js";
import { calls, runs, scored } from "./verdict-events.js";
import type { Scenario } from "./verdict-scenarios.js";

const agent = (name: string): Scope => ({ kind: "agent", name });

export const AGENT_SCENARIOS: Scenario[] = [
  {
    name: "global limits: an agent failing 30% breaches both rates, both alerts fire, the critical one costs 15 points",
    phases: [{ events: () => runs("g-agent", 20, 6), expect: { breaches: [{ agent: "g-agent", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 20 }, { agent: "g-agent", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 20 }], health: { status: "unhealthy", metrics_score: 64.4, open_critical: 1 }, agentScores: { "g-agent": 64.4 } } }],
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
        expect: { breaches: [{ agent: "few", key: "success_rate_min", threshold: 0.8, scope: GLOBAL, samples: 6 }, { agent: "few", key: "error_rate_max", threshold: 0.15, scope: GLOBAL, samples: 6 }], health: { status: "unhealthy", metrics_score: null, open_critical: 1 }, agentScores: { few: 55.6 } },
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
];
