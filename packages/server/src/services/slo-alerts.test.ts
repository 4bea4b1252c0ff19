import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderAnnotations } from "../core/alerting/evaluator.js";
import { parseSloSection, type RollupHorizon } from "../core/slo-definitions.js";
import { sloAlertRules } from "./slo-alerts.js";

const DAY = 86_400_000;
const HORIZON: RollupHorizon = { minuteMs: 2 * DAY, hourMs: 35 * DAY };

describe("SLO alert texts", () => {
  it("write a burn rate below 1 and the period's factor with two decimals", () => {
    const { slos } = parseSloSection({ planner: { match: { agent_name: "planner" } } }, [{ name: "planner_latency", class: "planner", sli: { kind: "latency", threshold_ms: 1000 }, target: 0.9, period: "7d" }], HORIZON);
    const rules = sloAlertRules({ ...slos[0]!, source: "api" }, () => null);
    const ticket = rules.find((r) => r.name === "slo:planner_latency:ticket_3d")!;
    // 10% of a 7-day budget in 3 days: a factor of 0.2333…; a burn of 0.4 is over it.
    assert.ok(Math.abs(ticket.threshold! - 0.7 / 3) < 1e-9);
    const text = renderAnnotations(ticket, {}, 0.4, ticket.threshold, 1).summary!;
    assert.match(text, /burn rate 0\.40 over 3d and 6h, above 0\.23 /);
  });
});
