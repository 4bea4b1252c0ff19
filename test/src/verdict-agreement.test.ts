/**
 * Every view gives the same verdict. For each scenario of verdict-scenarios.ts (per-agent,
 * per-model and per-route overrides, tiny samples, raised minimums, a failed-over route, an
 * unhealthy model, recovery), on a fresh real server evaluating every second, after both
 * evaluations have run: the report's breaches are the open per-agent alerts (same keys,
 * thresholds, scopes and samples) and its per-agent recommendations; model health with and
 * without `route=` agrees with the routes' views and their failover; `/api/v1/health` is the report's health and follows its
 * formula from the open alerts and routes; and the overview in Chromium shows that score, status,
 * open-alert count (the Alerts page's Open count) and routes not normal, and the Models page
 * each model's health.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { browserSkip, launchChromium, watchedPage } from "./browser.js";
import { waitFor } from "./pg-support.js";
import { checkBreaches, checkHealth, checkModels, checkAlertStates } from "./verdict-checks.js";
import { SCENARIOS, type Phase, type Scenario } from "./verdict-scenarios.js";
import { snapshot, startWorld, type World } from "./verdict-world.js";

const skipBrowser = browserSkip();
let browser: Browser | undefined;

before(async () => {
  if (!skipBrowser) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** The overview, then the Alerts page and the Models page (one page, moved by its links' hashes), agree with the API; each page polls, so wait until it does. */
async function checkDashboard(b: Browser, w: World, sc: Scenario, what: string): Promise<void> {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const { page, problems } = await watchedPage(ctx);
    await page.goto(`${w.url}/#/?w=15m`);
    await page.waitForSelector('[data-metric="health_score"]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="overview-routes"]', { timeout: 20_000 });
    const openCount = await waitFor(
      async () => {
        const [health, open, routes] = await Promise.all([w.api("health?window=15m"), w.api("alerts?state=pending,firing,acknowledged&limit=1000"), w.api("routes")]);
        const shown = {
          score: await page.getAttribute('[data-metric="health_score"]', "data-value"),
          figure: (await page.textContent('[data-metric="health_score"] .score-value'))?.trim(),
          status: await page.getAttribute("[data-status]", "data-status"),
          open: Number(await page.getAttribute('[data-testid="overview-alerts"]', "data-open-count")),
          routes: (await page.$$eval('[data-testid="overview-route"]', (els) => els.map((e) => `${e.getAttribute("data-route")}|${e.getAttribute("data-state")}|${e.getAttribute("data-active-model")}`))).sort(),
        };
        const api = {
          score: health.health_score === null ? "null" : String(health.health_score),
          figure: health.health_score === null ? "\u2014" : String(Math.round(health.health_score)),
          status: health.status,
          open: open.total_count,
          routes: (routes.routes as any[]).filter((r) => r.state !== "normal").map((r) => `${r.route}|${r.state}|${r.active_model}`).sort(),
        };
        assert.deepEqual(shown, api, "the overview shows what GET /health, /alerts and /routes answer");
        return { n: shown.open };
      },
      20_000,
      `${what}: the overview's score, status, open alerts and routes to be the API's`,
    );
    await page.evaluate('location.hash = "#/alerts"');
    const stat = '[data-testid="alerts-summary"] .stat-open dd';
    await page.waitForSelector(stat, { timeout: 20_000 });
    const onAlertsPage = Number((await page.textContent(stat))?.replace(/,/g, ""));
    assert.equal(onAlertsPage, openCount.n, `${what}: the Alerts page's Open count is the overview's open-alert count`);
    for (const m of sc.modelsPage ?? []) {
      await page.evaluate('location.hash = "#/models"');
      const cell = `[data-testid="models-table"] tr[data-key="${m}"] [data-verdict]`;
      await page.waitForSelector(cell, { timeout: 20_000 });
      await waitFor(async () => (await page.getAttribute(cell, "data-verdict")) === (await w.api(`models/${m}/health`)).status || undefined, 20_000, `${what}: the Models page's state of ${m} to be its health`);
    }
    assert.deepEqual(problems, [], "no page logged an error or lost a request");
  } finally {
    await ctx.close();
  }
}

/** Sets the phase's limits, sends its events, waits for evaluation, then for every view to agree. */
async function runPhase(w: World, sc: Scenario, ph: Phase, agents: Set<string>, what: string): Promise<void> {
  if (ph.thresholds) await w.api("thresholds", { method: "PUT", body: ph.thresholds });
  await ph.setup?.(w.api);
  const send = async (events: unknown[]) => {
    for (const e of events as { type: string; body: { agent_name?: string } }[]) if (e.type === "run" && e.body.agent_name) agents.add(e.body.agent_name);
    const r = await w.api("ingest", { method: "POST", body: { events } });
    assert.deepEqual(r.errors, [], "every event is accepted");
  };
  if (ph.events) await send(ph.events());
  if (ph.feed) await send(ph.feed());
  await w.evaluated();
  const routes = (sc.routes ?? []).map((r) => ({ route: r.route, primary: r.primary, models: [r.primary, ...r.backups] }));
  let fedAt = Date.now();
  const check = async () => {
    const s = await snapshot(w, sc.models ?? [], routes);
    checkBreaches(s, [...new Set([...agents, ...ph.expect.breaches.map((b) => b.agent)])], ph.expect.breaches);
    checkModels(s, ph.expect.models ?? [], routes, ph.expect.routes);
    checkHealth(s, ph.expect.health, ph.expect.agentScores);
    checkAlertStates(s, ph.expect.resolved, ph.expect.acknowledged);
    return true;
  };
  await waitFor(
    async () => {
      if (ph.feed && Date.now() - fedAt >= 1000) {
        fedAt = Date.now();
        await send(ph.feed());
      }
      return check();
    },
    ph.deadlineMs ?? 20_000,
    `${what}: every view to give the expected verdict`,
  );
  // Routes change at each evaluation: the views must still agree once it has run again, not only for a moment.
  if (routes.length) {
    await w.evaluated();
    await check();
  }
  if (browser && (ph.dashboard ?? ph === sc.phases.at(-1))) await checkDashboard(browser, w, sc, what);
}

describe("every view gives the same verdict", { concurrency: 6 }, () => {
  it("the table holds at least 12 scenarios", () => assert.ok(SCENARIOS.length >= 12, `${SCENARIOS.length} scenarios`));
  // The longest first (phases, then traffic fed until a probe sees it), so that they do not run alone at the end.
  const weight = (sc: Scenario) => sc.phases.length + sc.phases.filter((p) => p.feed).length * 2;
  for (const sc of [...SCENARIOS].sort((a, b) => weight(b) - weight(a))) {
    it(sc.name, sc.todo ? { todo: sc.todo } : {}, async () => {
      const w = await startWorld();
      try {
        for (const id of sc.models ?? []) await w.api("models", { method: "POST", body: { id, version: "1.0.0" } });
        for (const r of sc.routes ?? []) await w.api("routes", { method: "POST", body: r });
        const agents = new Set<string>();
        for (const [i, ph] of sc.phases.entries()) await runPhase(w, sc, ph, agents, `phase ${i + 1} of "${sc.name}"`);
      } finally {
        await w.stop();
      }
    });
  }
});
