/**
 * The web dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core)
 * against a real `vigil serve` fed by `vigil demo`: the overview shows the API's numbers, acting
 * in the UI changes the server's state, every page renders without console errors at 1280x800
 * and at a phone's width, the keyboard reaches everything, and a read-only key cannot act.
 * What the pages must say plainly (open alerts and routes beside the score, trends, sparklines,
 * legends, partial steps, satisfaction, model verdicts) is checked in dashboard-plain.ts.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { browserSkip, launchChromium, screenshot, watchedPage } from "./browser.js";
import { api, fixture, open, READ, signIn, ADMIN, startFixture, stopFixture } from "./dashboard-fixture.js";
import { plainDashboardTests } from "./dashboard-plain.js";
import { baselineDashboardTests } from "./dashboard-baselines.js";
import { sloDashboardTests } from "./dashboard-slo.js";
import { anomalyDashboardTests } from "./dashboard-anomaly.js";
import { traceDashboardTests } from "./dashboard-traces.js";
import { getJson, inProcessServer, postJson } from "./helpers.js";
import { waitFor } from "./pg-support.js";

const skip = browserSkip();

before(async () => {
  if (!skip) await startFixture();
});

after(stopFixture);

describe("dashboard in Chromium", { skip }, () => {
  it("overview shows the same figures as the API for the same window", async () => {
    const page = await open("#/?w=1h", '[data-metric="success_rate"]');
    // The demo has stopped: a fresh load must agree with the API field for field.
    const [system, health] = await Promise.all([api("metrics/system?window=1h"), api("health?window=1h")]);
    const tiles = await page.$$eval("[data-metric]", (els) => els.map((e) => [e.getAttribute("data-metric")!, e.getAttribute("data-value")!, e.querySelector(".tile-value")?.textContent ?? null] as const));
    const shown = new Map(tiles.map(([k, v, text]) => [k, { v, text }]));
    for (const metric of ["success_rate", "error_rate", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "total_cost", "cost_per_task", "avg_accuracy", "avg_satisfaction", "cache_hit_rate", "total_tasks"]) {
      const expected = system.metrics[metric];
      assert.ok(shown.has(metric), `tile ${metric} is shown`);
      assert.equal(shown.get(metric)!.v, expected === null ? "null" : String(expected), `${metric}: page ${shown.get(metric)!.v}, API ${expected}`);
    }
    assert.ok(system.metrics.total_tasks > 500, `the demo sent traffic (${system.metrics.total_tasks} tasks)`);
    assert.equal(shown.get("success_rate")!.text, `${(system.metrics.success_rate * 100).toFixed(1)}%`);
    assert.equal(shown.get("p95_latency_ms")!.text, `${Math.round(system.metrics.p95_latency_ms).toLocaleString("en-US")} ms`);
    assert.equal(shown.get("health_score")!.v, String(health.health_score));
    assert.equal(await page.textContent('[data-metric="health_score"] .score-value'), String(Math.round(health.health_score)));
    assert.equal(await page.getAttribute("[data-status]", "data-status"), health.status);
    assert.equal(await page.getAttribute("[data-band]", "data-band"), health.band);
    // Sparklines and the four charts are drawn.
    assert.ok((await page.$$(".tile svg.spark")).length >= 8, "sparklines drawn (a line once the window holds two steps with data)");
    assert.equal((await page.$$(".chart canvas")).length, 4, "four uPlot charts");
    await screenshot(page, "overview");
  });

  plainDashboardTests();

  baselineDashboardTests();

  sloDashboardTests();

  anomalyDashboardTests();

  traceDashboardTests();

  it("acknowledging an alert in the UI acknowledges it in the API", async () => {
    const page = await open("#/alerts", '[data-testid="alerts-tab-firing"]');
    await page.click('[data-testid="alerts-tab-firing"]');
    const row = page.locator('[data-testid="alert-row"][data-state="firing"]').first();
    await row.waitFor({ timeout: 10_000 });
    const id = (await row.getAttribute("data-alert-id"))!;
    await screenshot(page, "alerts");
    await page.fill('[data-testid="actor-name"]', "dana@example.com");
    await row.locator('[data-testid="alert-ack"]').click();
    await waitFor(async () => (await api(`alerts/${id}`)).state === "acknowledged", 10_000, "the alert is acknowledged in the API");
    const a = await api(`alerts/${id}`);
    assert.equal(a.acknowledged_by, "dana@example.com");
    // The page shows the new state without a reload.
    await page.click('[data-testid="alerts-tab-acknowledged"]');
    await page.locator(`[data-testid="alert-row"][data-alert-id="${id}"][data-state="acknowledged"]`).waitFor({ timeout: 10_000 });
    // Its detail page shows the delivery log (the console channel delivered the firing notification).
    await page.goto(`${fixture().server.url}/#/alerts/${encodeURIComponent(id)}`);
    await page.locator('[data-testid="alert-detail"]').waitFor();
    await page.locator('[data-testid="alert-deliveries"]').waitFor();
    assert.match((await page.textContent('[data-testid="alert-deliveries"]'))!, /ops-console/);
    await screenshot(page, "alert-detail");
  });

  it("a manual switch in the UI moves the route in the API, shows in its history, and the pin shows its TTL", async () => {
    const before = await api("routes/summarize");
    const target = [before.primary, ...before.backups].find((m: string) => m !== before.active_model)!;
    const page = await open("#/routes/summarize", '[data-testid="route-detail"]');
    await page.selectOption('[data-testid="route-switch-to"]', target);
    await page.fill('[data-testid="route-switch-reason"]', "maintenance window on the active model");
    await page.selectOption('[data-testid="route-switch-ttl"]', "3600");
    await page.click('[data-testid="route-switch-submit"]');
    await waitFor(async () => (await api("routes/summarize")).active_model === target, 10_000, "the route moves in the API");
    const view = await api("routes/summarize");
    assert.equal(view.state, "pinned");
    assert.ok(view.pin?.until, "the pin has an end");
    const left = Date.parse(view.pin.until) - Date.now();
    assert.ok(left > 3500_000 && left <= 3600_000, `pinned for about an hour (${left} ms left)`);
    const history = await api("routes/summarize/history");
    const decisions = history.decisions ?? history.history ?? history;
    assert.ok(decisions.some((d: any) => d.trigger === "manual" && d.to === target && /maintenance window/.test(d.reason)), "the switch is in the history with its reason");
    // The page shows it without a reload: state, active model, history row and the pin's TTL.
    await page.locator(`[data-testid="route-detail"][data-active-model="${target}"][data-state="pinned"]`).waitFor({ timeout: 10_000 });
    await page.locator(`[data-testid="route-history-row"][data-trigger="manual"][data-to="${target}"]`).first().waitFor();
    const ttl = page.locator('[data-testid="route-pin-ttl"]');
    assert.equal(await ttl.getAttribute("data-until"), view.pin.until);
    assert.match((await ttl.textContent())!, /(59|60) min/, "about an hour left is shown");
    await screenshot(page, "route-detail");
    await page.click('[data-testid="route-unpin"]');
    await waitFor(async () => (await api("routes/summarize")).pin === null, 10_000, "unpinned in the API");
    await page.locator('[data-testid="route-pin-ttl"]').waitFor({ state: "detached", timeout: 10_000 });
  });

  it("every page renders at 1280x800 and at a phone's width, with nothing cut off", async () => {
    const pages: [string, string, string][] = [
      ["agents", "#/agents", '[data-testid="agents-table"] tbody tr'],
      ["agent-detail", "#/agents/react_agent", '[data-testid="error-types"]'],
      ["models", "#/models", '[data-testid="models-table"] tbody tr'],
      ["model-detail", "#/models/gpt-4o", '[data-testid="accuracy-chart"]'],
      ["routes", "#/routes", '[data-testid="route-row"]'],
      ["slos", "#/slos", '[data-testid="slos-table"] tbody tr'],
      ["slo-detail", "#/slos/react_agent_availability", '[data-testid="slo-burn-rates"]'],
      ["report", "#/report", '[data-testid="report-recommendations"] li'],
    ];
    for (const [name, hash, ready] of pages) {
      const page = await open(hash, ready);
      if (name.endsWith("-detail")) assert.equal((await page.textContent('[data-testid="detail-name"]'))?.trim(), hash.split("/").pop(), `${name} names what it shows`);
      await screenshot(page, name);
    }
    const phone = await fixture().browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addInitScript(signIn(ADMIN));
    for (const [name, hash, ready] of [["overview", "#/", '[data-metric="success_rate"]'], ...pages, ["alerts", "#/alerts", '[data-testid="alerts-tab-firing"]'], ["route-detail", "#/routes/summarize", '[data-testid="route-detail"]']] as [string, string, string][]) {
      const w = await watchedPage(phone);
      fixture().watched.push(w);
      await w.page.goto(`${fixture().server.url}/${hash}`);
      await w.page.waitForSelector(ready, { timeout: 15_000 });
      const width = await w.page.evaluate<number>("document.documentElement.scrollWidth");
      assert.ok(width <= 390, `${name} fits a 390 px screen (page is ${width} px wide; wide tables scroll inside their box)`);
      await screenshot(w.page, `${name}-phone`);
      await w.page.close();
    }
    await phone.close();
  });

  it("works from the keyboard: skip link, navigation and sortable headers", async () => {
    const page = await open("#/agents", '[data-testid="agents-table"] tbody tr');
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate<string | undefined>("document.activeElement?.textContent?.trim()"), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate<string | undefined>("document.activeElement?.id"), "main", "the skip link moves focus to the content");
    // Tab through to the first sortable header and sort by it with Enter.
    const header = page.locator('[data-testid="agents-table"] th button').first();
    await header.focus();
    const sortBefore = await page.locator('[data-testid="agents-table"] th').first().getAttribute("aria-sort");
    await page.keyboard.press("Enter");
    const sortAfter = await page.locator('[data-testid="agents-table"] th').first().getAttribute("aria-sort");
    assert.notEqual(sortAfter, sortBefore, "Enter on a header sorts by it");
    assert.notEqual(sortAfter, "none");
    // Navigation links are reachable and follow with Enter.
    await page.locator('nav a[href^="#/alerts"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="alerts-tab-firing"]');
    assert.equal(await page.getAttribute('nav a[aria-current="page"]', "href").then((h) => h?.startsWith("#/alerts")), true);
  });

  it("asks for a key, and a read-only key sees everything but cannot act", async () => {
    const ctx = await fixture().browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const w = await watchedPage(ctx);
      await w.page.goto(`${fixture().server.url}/`);
      await w.page.fill('input[type="password"]', "not-a-key-at-all-000");
      await w.page.click('button[type="submit"]');
      await w.page.getByText("The server refused the key").waitFor();
      await w.page.fill('input[type="password"]', READ);
      await w.page.click('button[type="submit"]');
      await w.page.waitForSelector('[data-metric="success_rate"]');
      assert.match((await w.page.textContent(".who"))!, /read/);
      await w.page.goto(`${fixture().server.url}/#/alerts`);
      await w.page.click('[data-testid="alerts-tab-all"]');
      await w.page.locator('[data-testid="alert-row"]').first().waitFor();
      // Read in one evaluation: the list re-renders every 5 s, so handles taken one by one can go stale.
      const actions = await w.page.$$eval('[data-testid="alert-ack"], [data-testid="alert-resolve"], [data-testid="silence-new"]', (els) => els.map((e) => (e as unknown as { disabled: boolean }).disabled));
      assert.ok(actions.length > 0, "the alert actions are shown");
      assert.deepEqual(actions.filter((d) => !d), [], "admin actions are disabled for a read key");
      await w.page.goto(`${fixture().server.url}/#/routes/summarize`);
      await w.page.waitForSelector('[data-testid="route-detail"]');
      const submit = await w.page.$('[data-testid="route-switch-submit"]');
      assert.ok(submit === null || (await submit.isDisabled()), "no switching with a read key");
      assert.match((await w.page.textContent("main"))!, /admin key/i, "the page says an admin key is needed");
      // The 401 of the bad key was the only failed request, and it was expected.
      assert.deepEqual(w.problems.filter((p) => !/401/.test(p)), []);
    } finally {
      await ctx.close();
    }
  });

  it("shows a clear message, not a blank page, for a page or an agent that does not exist", async () => {
    const page = await open("#/no-such-page", '[data-testid="error"]');
    assert.match((await page.textContent('[data-testid="error"]'))!, /no page/i);
    const w = await watchedPage(fixture().admin);
    await w.page.goto(`${fixture().server.url}/#/agents/no_such_agent`);
    await w.page.getByText(/no data for agent_name "no_such_agent"/).waitFor();
    // The 404 of the agent is the answer being shown, not a fault of the page.
    assert.deepEqual(w.problems.filter((p) => !/404/.test(p)), []);
  });

  it("no page logged a console error, threw, or lost a request", () => {
    const problems = fixture().watched.flatMap((w) => w.problems);
    assert.deepEqual(problems, []);
  });
});

describe("dashboard on an empty server", { skip }, () => {
  it("tells a newcomer how to send data, then shows the data live without a reload", async () => {
    const s = await inProcessServer();
    const b = await launchChromium();
    try {
      const w = await watchedPage(await b.newContext({ viewport: { width: 1280, height: 800 } }));
      await w.page.goto(`${s.url}/`);
      const empty = w.page.locator('[data-testid="empty"]');
      await empty.waitFor();
      assert.match((await empty.textContent())!, /npx vigil demo --target http:\/\/127\.0\.0\.1:\d+/);
      assert.equal(await w.page.locator('[data-testid="attention"]').count(), 0, "nothing to attend to on a new server");
      await screenshot(w.page, "overview-empty");
      // A route pinned away from its primary shows above the newcomer's note, traffic or not.
      for (const id of ["main-model", "spare-model"]) assert.equal((await postJson(`${s.url}/api/v1/models`, { id, name: id, version: "1.0.0" })).status, 201);
      assert.equal((await postJson(`${s.url}/api/v1/routes`, { route: "answer", primary: "main-model", backups: ["spare-model"] })).status, 201);
      assert.equal((await postJson(`${s.url}/api/v1/routes/answer/switch`, { to: "spare-model", reason: "maintenance" })).status, 200);
      await w.page.locator('[data-testid="overview-route"][data-route="answer"][data-state="pinned"][data-active-model="spare-model"]').waitFor({ timeout: 12_000 });
      await empty.waitFor();
      const now = Date.now();
      const events = Array.from({ length: 40 }, (_, i) => ({ type: "run", timestamp: now - i * 1000, body: { agent_name: "first_agent", status: i % 10 === 0 ? "failure" : "success", duration_ms: 100 + i } }));
      assert.equal((await postJson(`${s.url}/api/v1/ingest`, { events })).status, 207);
      // The next poll (every 5 s) replaces the empty state with the figures.
      await w.page.locator('[data-metric="total_tasks"][data-value="40"]').waitFor({ timeout: 12_000 });
      assert.equal(await w.page.getAttribute('[data-metric="success_rate"]', "data-value"), "0.9");
      // Forty seconds of runs have no trend: nothing is predicted to cross, and the overview says so.
      assert.equal((await getJson(`${s.url}/api/v1/forecasts?within=24h`)).body.total, 0);
      assert.match((await w.page.locator('[data-testid="forecasts-none"]').textContent({ timeout: 12_000 }))!, /^Nothing is predicted to cross its limit within 24 hours/);
      assert.deepEqual(w.problems, []);
    } finally {
      await b.close();
      await s.stop();
    }
  });
});
