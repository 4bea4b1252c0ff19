/**
 * Baselines in Chromium (docs/baselines.md): an agent's page shows the baselines of its scope with
 * the figure, the baseline and the change exactly as `GET /api/v1/baselines/compare` answers them,
 * and the report's baselines block shows the report's `baselines` section. Registered inside the
 * "dashboard in Chromium" suite of dashboard-browser.test.ts (one server).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { screenshot } from "./browser.js";
import { ADMIN, api, fixture, HISTORY_AGENT, open } from "./dashboard-fixture.js";

const NAME = "history_p95_before";

/** The page's line of the baseline, as its data attributes and text say it. */
async function line(page: Page, scope: string) {
  return page.$eval(`${scope} [data-testid="baseline-row"][data-name="${NAME}"]`, (el) => ({
    current: el.getAttribute("data-current"),
    baseline: el.getAttribute("data-baseline"),
    change: el.getAttribute("data-change"),
    status: el.getAttribute("data-status"),
    text: el.textContent ?? "",
  }));
}

/** The line the API's comparison `b` must give. */
function expected(b: { current: number | null; baseline: number; change: number | null; status: string }) {
  return { current: b.current === null ? "null" : String(b.current), baseline: String(b.baseline), change: b.change === null ? "null" : String(b.change), status: b.status };
}

/** Registers the baseline checks (inside the suite that started the fixture). */
export function baselineDashboardTests(): void {
  it("an agent's page and the report show its baseline, figure and change as the API compares them", async () => {
    // The history agent's runs take 300-540 ms: against 250 ms its p95 is worse by about +116%.
    await api(`baselines/${NAME}`, { method: "PUT", body: { metric: "p95_latency_ms", value: 250, scope: { agent_name: HISTORY_AGENT }, category: "ai_query" } });
    const page = await open(`#/agents/${HISTORY_AGENT}?w=1h`, `[data-testid="detail-baselines"] [data-testid="baseline-row"][data-name="${NAME}"]`);
    const shown = await line(page, '[data-testid="detail-baselines"]');
    const cmp = (await api(`baselines/compare?window=1h&agent_name=${HISTORY_AGENT}`)).baselines.find((b: { name: string }) => b.name === NAME);
    assert.ok(cmp, "the API compares the baseline for the agent");
    assert.deepEqual({ current: shown.current, baseline: shown.baseline, change: shown.change, status: shown.status }, expected(cmp));
    assert.equal(cmp.status, "worse");
    assert.match(shown.text, /baseline 250 ms/);
    assert.match(shown.text, new RegExp(`\\+${Math.round(cmp.change * 100)}%`));
    await screenshot(page, "agent-baselines");

    const report = await open("#/report?w=1h", `[data-testid="report-baselines"] [data-testid="baseline-row"][data-name="${NAME}"]`);
    const inReport = await line(report, '[data-testid="report-baselines"]');
    const entry = (await api("report?window=1h")).baselines.find((b: { name: string }) => b.name === NAME);
    assert.deepEqual({ current: inReport.current, baseline: inReport.baseline, change: inReport.change, status: inReport.status }, expected(entry));
    const gone = await fetch(`${fixture().server.url}/api/v1/baselines/${NAME}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" } });
    assert.equal(gone.status, 204);
  });
}
