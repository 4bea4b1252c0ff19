/**
 * The dashboard says it plainly, tried as a new user would at 1280 px (and 390 px): the overview
 * lists every open alert (as many as the Alerts page counts) and every route not normal beside the
 * health score; sparklines span their tile; a tile without a trend shows no mark; chart legends
 * show values only under the pointer; the step still filling is drawn as partial; wide tables and
 * the alert tabs fit without a scroll bar; the report calls nothing improving against an empty
 * window; satisfaction reads on its 1–5 scale; a model's state is its health verdict.
 * Registered inside the "dashboard in Chromium" suite of dashboard-browser.test.ts (one server).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { screenshot, watchedPage } from "./browser.js";
import { ADMIN, api, fixture, open, sendRuns, signIn } from "./dashboard-fixture.js";
import { waitFor } from "./pg-support.js";

/** The question the Alerts page's Open tab and the overview ask. */
const OPEN = "pending,firing,acknowledged";

/** The overview's headline tiles and the trend each one shows (the task count shows throughput's). */
const TILE_TRENDS: [string, string][] = [
  ["success_rate", "success_rate"],
  ["error_rate", "error_rate"],
  ["p50_latency_ms", "p50_latency_ms"],
  ["p95_latency_ms", "p95_latency_ms"],
  ["p99_latency_ms", "p99_latency_ms"],
  ["total_cost", "total_cost"],
  ["cost_per_task", "cost_per_task"],
  ["avg_accuracy", "avg_accuracy"],
  ["avg_satisfaction", "avg_satisfaction"],
  ["cache_hit_rate", "cache_hit_rate"],
  ["total_tasks", "throughput_per_min"],
];

/** Satisfaction as the page must show it: the API's 0..1 mean back on the 1–5 rating scale. */
const onFive = (v: number) => `${(1 + 4 * v).toFixed(1)} / 5`;

/** The box around every element matching `sel` (a flat line's box has no height, yet has a width). */
async function extent(page: Page, sel: string): Promise<{ x: number; width: number }> {
  return page.$$eval(sel, (els) => {
    const rects = els.map((e) => e.getBoundingClientRect());
    const left = Math.min(...rects.map((r) => r.left));
    return { x: left, width: Math.max(...rects.map((r) => r.right)) - left };
  });
}

/** Box of the first element matching `sel`. */
async function box(page: Page, sel: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(sel).first().boundingBox();
  assert.ok(b, `${sel} is on screen`);
  return b;
}

export function plainDashboardTests(): void {
  it("the overview lists every open alert and every route not normal beside the health score, counted as the Alerts page counts them", async () => {
    const overview = await open("#/?w=1h", '[data-testid="overview-alerts"]');
    await overview.waitForSelector('[data-testid="overview-routes"]');
    const alertsPage = await open("#/alerts", '[data-testid="alerts-tab-open"][aria-pressed="true"]');
    // Rules keep evaluating every second: wait until the overview, the Alerts page and the API agree.
    const agreed = await waitFor(
      async () => {
        const list = await api(`alerts?state=${OPEN}&limit=1000`);
        const onOverview = Number(await overview.getAttribute('[data-testid="overview-alerts"]', "data-open-count"));
        const listed = await overview.$$eval('[data-testid="overview-alert"]', (els) => els.map((e) => e.getAttribute("data-alert-id")!));
        const onAlertsPage = await alertsPage.$$eval('[data-testid="alert-row"]', (els) => els.length);
        const summaryOpen = Number((await alertsPage.textContent('[data-testid="alerts-summary"] .stat-open dd'))?.replace(/,/g, ""));
        const ids = new Set(list.alerts.map((a: any) => a.alert_id));
        const same = onOverview === list.total_count && onAlertsPage === list.total_count && summaryOpen === list.total_count && listed.length === Math.min(8, list.total_count) && listed.every((id) => ids.has(id));
        return same ? { list, listed } : false;
      },
      20_000,
      "the overview's open alerts, the Alerts page's Open tab and its summary to count what GET /alerts?state=pending,firing,acknowledged answers",
    );
    assert.ok(agreed.list.total_count >= 1, "the demo left an alert open");
    assert.match((await overview.textContent('[data-testid="overview-alerts"] .attention-title'))!, new RegExp(`^${agreed.list.total_count} open alerts?$`));
    for (const a of agreed.list.alerts.filter((x: any) => agreed.listed.includes(x.alert_id))) {
      const item = overview.locator(`[data-testid="overview-alert"][data-alert-id="${a.alert_id}"]`);
      assert.equal(await item.getAttribute("data-level"), a.level);
      assert.match((await item.textContent())!, new RegExp(`${a.level}\\s*${a.rule}`), "level and rule are named");
    }
    // Every route not normal, with the model serving it and why.
    const routes = await waitFor(
      async () => {
        const all = (await api("routes")).routes as any[];
        const off = all.filter((r) => r.state !== "normal");
        const shown = await overview.$$eval('[data-testid="overview-route"]', (els) => els.map((e) => [e.getAttribute("data-route"), e.getAttribute("data-state"), e.getAttribute("data-active-model")].join("|")));
        return JSON.stringify(shown.sort()) === JSON.stringify(off.map((r) => [r.route, r.state, r.active_model].join("|")).sort()) ? off : false;
      },
      15_000,
      "the overview's routes to be those GET /routes answers as not normal",
    );
    const summarize = routes.find((r) => r.route === "summarize");
    assert.ok(summarize, "the failed-over summarize route is listed");
    const row = overview.locator('[data-testid="overview-route"][data-route="summarize"]');
    assert.match((await row.textContent())!, new RegExp(`served by ${summarize.active_model}`));
    if (summarize.reason) assert.ok((await row.textContent())!.includes(summarize.reason), "its reason is given");
    // Beside the score: to its right, level with it.
    const score = await box(overview, '[data-metric="health_score"] .score');
    const side = await box(overview, '[data-testid="attention"]');
    assert.ok(side.x > score.x + score.width, "the list is right of the score");
    assert.ok(side.y < score.y + score.height && side.y + side.height > score.y, "the list is level with the score");
    await screenshot(overview, "overview-attention");
  });

  it("tiles: sparklines span the tile, a tile without a trend shows no mark, and a known trend shows the API's", async () => {
    // The quarter-hour's previous window is empty: no tile may show a trend mark, nor a bare dot.
    const report15 = await api("report?window=15m&include_agents=false");
    assert.ok(!Object.values(report15.trends as Record<string, any>).some((t) => t.previous !== null && t.previous !== 0), "nothing was sent 15-30 minutes ago");
    const page = await open("#/?w=15m", '.tile[data-metric="total_tasks"] svg.spark');
    assert.equal(await page.locator(".tile .trend").count(), 0, "no trend mark without a previous window");
    for (const text of await page.locator(".tile").allTextContents()) assert.ok(!text.includes("·"), `no bare dot in "${text}"`);
    // The sparkline of a series that began 12 minutes ago spans its tile, from its left edge.
    for (const metric of ["total_tasks", "success_rate", "p95_latency_ms"]) {
      const tile = await box(page, `.tile[data-metric="${metric}"]`);
      const svg = await box(page, `.tile[data-metric="${metric}"] svg.spark`);
      const line = await extent(page, `.tile[data-metric="${metric}"] svg.spark path`);
      assert.ok(svg.width >= tile.width - 2 * 14 - 4, `${metric}: the sparkline is as wide as the tile (${svg.width} of ${tile.width} px)`);
      assert.ok(line.x - svg.x <= 3, `${metric}: the line starts at the tile's left edge (${line.x - svg.x} px in)`);
      assert.ok(line.width >= svg.width * 0.6, `${metric}: the line is not squeezed to the right (${line.width} of ${svg.width} px)`);
    }
    await screenshot(page, "overview-15m");
    // The hour has a previous window (runs 75 minutes ago): each tile shows the API's trend where both windows have the figure.
    const report = await api("report?window=1h&include_agents=false");
    const hour = await open("#/?w=1h", '[data-metric="total_tasks"]');
    let shown = 0;
    for (const [metric, key] of TILE_TRENDS) {
      const t = report.trends[key];
      const expected = t && t.trend !== null && t.current !== null && t.previous !== null ? t.trend : "";
      const tile = hour.locator(`.tile[data-metric="${metric}"]`);
      assert.equal(await tile.getAttribute("data-trend"), expected, `${metric}: trend ${JSON.stringify(t)}`);
      assert.equal(await tile.locator(".trend").count(), expected ? 1 : 0, `${metric}: a trend mark only with a trend`);
      if (expected) shown++;
    }
    assert.ok(shown >= 3, `tiles with a previous figure show their trend (${shown})`);
  });

  it("chart legends show values only under the pointer, and the step still filling is drawn as partial, not as a drop", async () => {
    const ts = await api("metrics/timeseries?metric=total_tasks&window=15m&step=1m");
    assert.equal(typeof ts.partial_from, "number", "the API says where the step still filling starts");
    // Runs in the step still filling (again if a minute boundary passes before the page reads them).
    const page = await waitFor(
      async () => {
        await sendRuns(6, () => Date.now());
        await waitFor(
          async () => {
            const now = await api("metrics/timeseries?metric=total_tasks&window=15m&step=1m");
            const last = now.series[0].points.at(-1);
            return last[0] === now.partial_from && last[1] !== null;
          },
          10_000,
          "the runs to count in the step still filling",
        );
        const p = await open("#/?w=15m", '.tile[data-metric="total_tasks"] svg.spark');
        if ((await p.locator('.tile[data-metric="total_tasks"] svg.spark path.spark-partial').count()) === 1) return p;
        await p.close();
        return false;
      },
      30_000,
      "the tasks sparkline to draw the step still filling as a dashed part",
    );
    const chart = page.locator('figure.chart[aria-label="Requests chart"]');
    const legend = chart.locator(".u-legend");
    // Not hovered: the series are named, no "Time: --" row and no empty values.
    assert.equal(await legend.locator(".u-time").isVisible(), false, "no time row before hovering");
    for (const v of await legend.locator(".u-value").all()) assert.equal(await v.isVisible(), false, "no value before hovering");
    assert.ok(!(await legend.innerText()).includes("--"), "no '--' in the legend");
    assert.match(await legend.innerText(), /tasks/);
    // Hovered at the right edge (the step still filling): the time and the value so far.
    // Open alerts and SLOs listed above can push the charts below the first screen.
    await chart.scrollIntoViewIfNeeded();
    const over = await box(page, 'figure.chart[aria-label="Requests chart"] .u-over');
    await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2);
    await legend.locator(".u-time").waitFor({ state: "visible" });
    const tasks = legend.locator("tr.u-series:not(.u-partial)").nth(1).locator(".u-value");
    assert.match((await tasks.innerText()).trim(), /^[\d,]+ so far$/, "the partial step's value is said to be so far");
    await screenshot(page, "overview-hover");
    await page.mouse.move(0, 0);
    await legend.locator(".u-time").waitFor({ state: "hidden" });
  });

  it("wide tables and the alert tabs fit without a scroll bar", async () => {
    for (const [name, hash] of [["agents", "#/agents"], ["models", "#/models"]] as const) {
      const page = await open(hash, `[data-testid="${name}-table"] tbody tr`);
      const fit = await page.$eval(`[data-testid="${name}-table"] .table-wrap`, (el) => {
        const last = el.querySelector("thead th:last-child")!.getBoundingClientRect();
        return { scroll: el.scrollWidth, client: el.clientWidth, lastRight: last.right, right: el.getBoundingClientRect().right, label: el.querySelector("thead th:last-child")!.textContent };
      });
      assert.equal(fit.label?.replace(/[▾▴]/g, "").trim(), "Last run");
      assert.ok(fit.scroll <= fit.client, `${name}: the table fits 1280 px (${fit.scroll} px in ${fit.client})`);
      assert.ok(fit.lastRight <= fit.right, `${name}: the Last run column is inside the frame`);
    }
    const alerts = await open("#/alerts", '[data-testid="alerts-tab-open"]');
    const overflow = await alerts.$eval(".tabs", (el) => {
      const style = (globalThis as any).getComputedStyle(el);
      return [style.overflowX, style.overflowY];
    });
    assert.deepEqual(overflow, ["visible", "visible"], "the tabs are not a scrolling box (no scroll bar beside them)");
    const phone = await fixture().browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.addInitScript(signIn(ADMIN));
      const w = await watchedPage(phone);
      fixture().watched.push(w);
      await w.page.goto(`${fixture().server.url}/#/alerts`);
      await w.page.waitForSelector('[data-testid="alerts-tab-all"]');
      for (const tab of await w.page.locator(".tabs .tab").all()) {
        const b = (await tab.boundingBox())!;
        assert.ok(b.x >= 0 && b.x + b.width <= 390, `tab "${await tab.textContent()}" is on a 390 px screen without scrolling`);
      }
    } finally {
      await phone.close();
    }
  });

  it("the report calls nothing improving against an empty window, and satisfaction reads on its 1–5 scale", async () => {
    const page = await open("#/report?w=15m", '[data-testid="report"] [data-trend-metric]');
    const trends = await page.$$eval("[data-trend-metric]", (els) => els.map((e) => [e.getAttribute("data-trend-metric"), e.getAttribute("data-trend")]));
    assert.ok(trends.some(([k]) => k === "throughput_per_min"), "throughput has a row");
    assert.deepEqual(trends.filter(([, t]) => t !== ""), [], "no trend against a window with no data");
    assert.doesNotMatch((await page.textContent('section[aria-labelledby="report-trends"]'))!, /improving|degrading/);
    const report = await api("report?window=15m&include_agents=false");
    assert.equal((await page.textContent('[data-metric="avg_satisfaction"] td'))?.trim(), onFive(report.metrics.avg_satisfaction));
    // The overview's tile and the agents' column too.
    const system = await api("metrics/system?window=1h");
    const overview = await open("#/?w=1h", '.tile[data-metric="avg_satisfaction"]');
    assert.equal((await overview.textContent('.tile[data-metric="avg_satisfaction"] .tile-value'))?.trim(), onFive(system.metrics.avg_satisfaction));
    const agent = await api("metrics/agents/react_agent?window=1h");
    const agents = await open("#/agents", '[data-testid="agents-table"] tr[data-key="react_agent"]');
    const headers = await agents.$$eval('[data-testid="agents-table"] thead th', (els) => els.map((e) => e.textContent!.replace(/[▾▴]/g, "").trim()));
    const cells = await agents.$$eval('[data-testid="agents-table"] tr[data-key="react_agent"] td', (els) => els.map((e) => e.textContent!.trim()));
    assert.equal(cells[headers.indexOf("Satisfaction")], onFive(agent.metrics.avg_satisfaction));
  });

  it("the report's breaches say where each threshold came from and how many samples it was judged on, as the API does", async () => {
    // An agent of its own, slow enough to breach the global p95 limit on more runs than the minimum.
    const events = Array.from({ length: 12 }, () => ({ type: "run", body: { agent_name: "slow_breacher", status: "success", duration_ms: 9000 } }));
    const sent = await api("ingest", { method: "POST", body: { events } });
    assert.equal(sent.errors.length, 0, JSON.stringify(sent.errors));
    const report = await api("report?window=1h&include_agents=false");
    const breaches = report.threshold_breaches as any[];
    assert.ok(breaches.some((b) => b.subject.name === "slow_breacher" && b.metric === "latency_p95_max_ms" && b.samples === 12), JSON.stringify(breaches));
    const page = await open("#/report?w=1h", 'section[aria-labelledby="report-breaches"] tbody tr');
    const headers = await page.$$eval('section[aria-labelledby="report-breaches"] thead th', (els) => els.map((e) => e.textContent!.trim()));
    const rows = await page.$$eval('section[aria-labelledby="report-breaches"] tbody tr', (els) => els.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
    assert.equal(rows.length, breaches.length);
    rows.forEach((cells, i) => {
      const b = breaches[i];
      assert.equal(cells[headers.indexOf("Threshold from")], b.threshold_scope.kind === "global" ? "global" : `${b.threshold_scope.kind} override (${b.threshold_scope.name})`);
      assert.equal(cells[headers.indexOf("Samples")], b.samples.toLocaleString("en-US"));
    });
  });

  it("the models pages show each model's health verdict as its state, and its registry status only as plain text", async () => {
    const models = (await api("metrics/models?window=1h")).models as any[];
    const registry = new Set(((await api("models")).models as any[]).map((m) => m.id));
    const page = await open("#/models", '[data-testid="models-table"] tr[data-key="gpt-4o"] .verdict');
    const CLASS: Record<string, string> = { healthy: "status-healthy", degraded: "status-degraded", unhealthy: "status-unhealthy", unknown: "badge-muted" };
    await waitFor(
      async () => {
        for (const m of models) {
          const cell = page.locator(`[data-testid="models-table"] tr[data-key="${m.model}"] .verdict`);
          const verdict = await cell.getAttribute("data-verdict");
          if (registry.has(m.model)) {
            const h = await api(`models/${encodeURIComponent(m.model)}/health`);
            if (verdict !== h.status) return false;
            const badge = (await cell.locator(".status, .badge").first().getAttribute("class"))!;
            assert.ok(badge.includes(CLASS[h.status]!), `${m.model}: ${h.status} is coloured as such (${badge})`);
            if (h.reasons.length) {
              // Reasons may change between the two reads: only a disagreement that lasts fails.
              if ((await cell.locator("[data-reason-metric]").first().getAttribute("data-reason-metric")) !== h.reasons[0].metric) return false;
              assert.match((await cell.textContent())!, /(above|below) /, `${m.model}: its first reason says which way the threshold is passed`);
            }
          } else {
            if (verdict !== "unknown") return false;
            assert.match((await cell.textContent())!, /not in the registry/);
          }
        }
        return true;
      },
      20_000,
      "every model's state on the page to be its verdict from GET /models/:id/health",
    );
    assert.ok(models.some((m) => m.model === "history-model"), "a model seen only in traffic is listed");
    // The registry's "active" is never a green health badge.
    assert.equal(await page.locator('[data-testid="models-table"] .badge-good').count(), 0, "no green 'active' badge");
    const detail = await open("#/models/gpt-4o", '[data-testid="model-state"] .verdict');
    const h = await api("models/gpt-4o/health");
    await detail.locator(`[data-testid="model-state"] .verdict[data-verdict="${h.status}"]`).waitFor({ timeout: 20_000 });
    await detail.locator('[data-testid="registry-status"]').waitFor();
    assert.equal(await detail.locator('[data-testid="registry-status"] .badge').count(), 0, "the registry status is plain text");
    await screenshot(page, "models-verdicts");
  });
}
