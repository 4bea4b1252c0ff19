/**
 * Anomaly charts and forecasts in Chromium against the fixture (dashboard-fixture.ts): the
 * anomaly agent's page draws its anomaly rule's band and marks the anomalous steps exactly as
 * `GET /api/v1/anomalies` reads them; the models' pages say what the shipped per-model rules make
 * of them; the anomaly alert's row in the Alerts page links to its chart, which shades the alert's
 * step and gives its expected band beside it; the overview's predicted crossings are those of
 * `GET /api/v1/forecasts?within=24h`, and the report shows its forecasts section. Registered inside
 * the "dashboard in Chromium" suite of dashboard-browser.test.ts (one server).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { screenshot, watchedPage } from "./browser.js";
import { ADMIN, ANOMALY_AGENT, ANOMALY_RULE, api, COST_RULE, fixture, open, signIn } from "./dashboard-fixture.js";
import { waitFor } from "./pg-support.js";

/** How a raw figure is kept in `data-*`. */
const raw = (v: number | null | undefined) => (v === null || v === undefined ? "null" : String(v));

/** A chart as its attributes say it: steps, steps with a band, and each anomalous step's raw figures. */
async function readChart(page: Page, sel: string) {
  return page.$eval(sel, (fig) => ({
    rule: fig.getAttribute("data-rule"),
    group: fig.getAttribute("data-group"),
    steps: fig.getAttribute("data-steps"),
    band: fig.getAttribute("data-band-steps"),
    gaps: fig.getAttribute("data-gaps"),
    highlight: fig.getAttribute("data-highlight"),
    anomalies: [...fig.querySelectorAll('[data-testid="anomaly-points"] li[data-at]')].map((li) => ["at", "value", "expected", "lower", "upper", "score"].map((k) => li.getAttribute(`data-${k}`))),
  }));
}

/** What the chart must show of an answer of `GET /api/v1/anomalies`. */
function expected(d: any) {
  return {
    steps: String(d.points.length),
    band: String(d.points.filter((p: any) => p.lower !== null && p.upper !== null).length),
    anomalies: d.points.filter((p: any) => p.anomalous).map((p: any) => [p.at, raw(p.value), raw(p.expected), raw(p.lower), raw(p.upper), raw(p.score)]),
  };
}

/** The page must fit a 390 px screen (wide tables scroll inside their frame). */
async function fitsPhone(page: Page, name: string): Promise<void> {
  const width = await page.evaluate<number>("document.documentElement.scrollWidth");
  assert.ok(width <= 390, `${name} fits a 390 px screen (page is ${width} px wide)`);
}

/** Scrolls an element to the top of the screen, just under the sticky top bar (run in the page). */
function underTopBar(el: any): void {
  el.scrollIntoView({ block: "start" });
  const bar = (globalThis as any).document.querySelector(".top");
  (globalThis as any).scrollBy(0, -(bar?.offsetHeight ?? 0) - 8);
}

/** A watched page of a 390 px phone context at `hash`, once `ready` is on it. */
async function openPhone(phone: BrowserContext, hash: string, ready: string): Promise<Page> {
  const w = await watchedPage(phone);
  fixture().watched.push(w);
  await w.page.goto(`${fixture().server.url}/${hash}`);
  await w.page.waitForSelector(ready, { timeout: 15_000 });
  return w.page;
}

/** The anomaly alert of ANOMALY_AGENT, once it has fired (its shifted minute must end first). */
async function anomalyAlert(): Promise<any> {
  return waitFor(async () => (await api(`alerts?rule=${ANOMALY_RULE}&state=firing,acknowledged,resolved`)).alerts.find((a: any) => a.labels.agent_name === ANOMALY_AGENT) ?? false, 120_000, `${ANOMALY_RULE} to fire for ${ANOMALY_AGENT}`);
}

/** Registers the anomaly and forecast checks in the suite that started the dashboard fixture. */
export function anomalyDashboardTests(): void {
  it("an agent's page draws its anomaly rule's band and marks the anomalous steps as GET /api/v1/anomalies reads them", async () => {
    await anomalyAlert();
    const chart = `[data-testid="anomaly-chart"][data-rule="${ANOMALY_RULE}"]`;
    const page = await open(`#/agents/${ANOMALY_AGENT}`, `${chart}[data-anomalies="1"]`);
    const query = `anomalies?rule=${ANOMALY_RULE}&agent_name=${ANOMALY_AGENT}&window=90d`;
    // A new step is read every minute: wait for a moment where the page and a fresh answer agree.
    const { d, shown } = await waitFor(
      async () => {
        const d = await api(query);
        const shown = await readChart(page, chart);
        return JSON.stringify({ steps: shown.steps, band: shown.band, anomalies: shown.anomalies }) === JSON.stringify(expected(d)) ? { d, shown } : false;
      },
      30_000,
      `the agent's chart to show what GET /api/v1/${query} answers`,
    );
    assert.equal(d.followed, true);
    assert.deepEqual(JSON.parse(shown.group!), { agent_name: ANOMALY_AGENT });
    assert.equal(d.metric, "p95_latency_ms");
    // The history is past the warm-up: every step kept has its band, and the jump is the one anomaly, far above it.
    assert.ok(d.points.length > 250, `about 5 hours of 1-minute steps kept (${d.points.length})`);
    assert.equal(Number(shown.band), d.points.length, "every kept step has its band");
    // The half hour without runs before the jump is a gap in the line, not a bridge across it.
    const gaps = d.points.filter((p: any, i: number) => i > 0 && Date.parse(p.at) - Date.parse(d.points[i - 1].at) > 60_000).length;
    assert.equal(gaps, 1, "the readings have one gap");
    assert.equal(shown.gaps, "1", "the chart breaks its lines there");
    const [jump] = d.points.filter((p: any) => p.anomalous);
    assert.equal(jump.at, d.points.at(-1).at, "the anomalous step is the latest one, the shifted minute");
    assert.ok(jump.value > 2 * jump.upper, `the jump (${jump.value} ms) is far above the band's top (${jump.upper} ms)`);
    assert.ok(jump.score >= d.threshold, `its score ${jump.score} is at least the rule's ${d.threshold}`);
    assert.equal(await page.locator(`${chart} canvas`).count(), 1, "the chart is drawn");
    const status = page.locator(`[data-testid="anomaly-watch-rule"][data-rule="${ANOMALY_RULE}"] [data-testid="anomaly-status"]`);
    assert.equal(await status.getAttribute("data-status"), "judged");
    assert.match((await status.textContent())!, /judges each 1m step of this agent: a score of 0\.6 or more is an anomaly\. 1 anomalous step/);
    // The screen reader's list names the anomaly with its figures as the page formats them.
    assert.match((await page.textContent(`${chart} [data-testid="anomaly-points"]`))!, /Anomaly at .+: [\d.,]+ (ms|s), expected [\d,]+ ms \(band [\d,]+ ms–[\d,]+ ms\), score (0\.\d\d|1\.00)/);
    // Hovered at the latest step: the legend gives its value, the expected value, the band and the score.
    const fig = page.locator(chart);
    await fig.scrollIntoViewIfNeeded();
    const over = (await fig.locator(".u-over").boundingBox())!;
    await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2);
    const legend = fig.locator(".u-legend");
    await legend.locator(".u-time").waitFor({ state: "visible" });
    const rows = Object.fromEntries(
      await legend.locator("tr.u-series:not(.u-time)").evaluateAll((trs) => trs.filter((tr) => (tr as any).offsetParent !== null).map((tr) => [tr.querySelector(".u-label")?.textContent ?? "", tr.querySelector(".u-value")?.textContent ?? ""])),
    );
    assert.deepEqual(Object.keys(rows), ["band", "expected", "value", "anomaly", "score"], "the band's lower edge has no entry of its own");
    assert.match(rows.band!, /^[\d,]+ ms–[\d,]+ ms$/);
    assert.equal(rows.anomaly, "yes");
    assert.equal(rows.score, jump.score.toFixed(2));
    await page.mouse.move(0, 0);
    await page.locator('[data-testid="anomaly-watch"]').scrollIntoViewIfNeeded();
    await screenshot(page, "agent-anomaly");
  });

  it("the models' and other agents' pages say what each anomaly rule makes of them: not followed, or still learning and for how long", async () => {
    const rules = ((await api("alert-rules")).rules as any[]).filter((r) => r.enabled && r.anomaly && r.group_by?.length === 1 && r.group_by[0] === "model").map((r) => r.name).sort();
    assert.deepEqual(rules, ["CostPerTaskAnomalyByModel", "ErrorRateAnomalyByModel", "LatencyAnomalyByModel"], "the shipped rules per model");
    const page = await open("#/models/gpt-4o", '[data-testid="anomaly-watch-rule"] [data-testid="anomaly-status"]');
    const status = (name: string) => page.locator(`[data-testid="anomaly-watch-rule"][data-rule="${name}"] [data-testid="anomaly-status"]`);
    // Half a minute of demo traffic is far from the day of history these rules need. A 5-minute step may end meanwhile: wait for the page and the API to agree.
    await waitFor(
      async () => {
        if ((await page.locator('[data-testid="anomaly-watch-rule"] [data-testid="anomaly-status"]').count()) !== rules.length) return false;
        for (const name of rules) {
          const d = await api(`anomalies?rule=${name}&model=gpt-4o&window=90d`);
          const shown = await status(name).getAttribute("data-status");
          if (!(d.followed ? ["learning", "no-readings"] : ["not-followed"]).includes(shown!)) return false;
        }
        return true;
      },
      20_000,
      "a sentence for each shipped per-model rule, as the API reads gpt-4o",
    );
    assert.deepEqual((await page.$$eval('[data-testid="anomaly-watch-rule"]', (els) => els.map((e) => e.getAttribute("data-rule")))).sort(), rules);
    for (const name of rules) assert.match((await status(name).textContent())!, /does not follow this model|still learning this model|has read no step/);
    // history_agent's runs of the last 12 minutes and of 75 minutes ago were replayed by the fixture's rule: it is still learning.
    const agent = await open("#/agents/history_agent", `[data-testid="anomaly-watch-rule"][data-rule="${ANOMALY_RULE}"] [data-testid="anomaly-status"]`);
    const line = agent.locator(`[data-testid="anomaly-watch-rule"][data-rule="${ANOMALY_RULE}"] [data-testid="anomaly-status"]`);
    const history = await waitFor(
      async () => {
        const d = await api(`anomalies?rule=${ANOMALY_RULE}&agent_name=history_agent&window=90d`);
        const seconds = (Date.parse(d.points.at(-1).at) + 60_000 - Date.parse(d.points[0].at)) / 1000;
        return (await line.getAttribute("data-history-seconds")) === String(seconds) ? seconds : false;
      },
      20_000,
      "the page to give history_agent's history as the API's readings span it",
    );
    assert.equal(await line.getAttribute("data-status"), "learning");
    assert.ok(history >= 75 * 60, `its history reaches back to the runs of 75 minutes ago (${history} s)`);
    const hm = `${Math.floor(history / 3600)} h${Math.floor((history % 3600) / 60) ? ` ${Math.floor((history % 3600) / 60)} min` : ""}`;
    assert.equal((await line.textContent())!.trim(), `${ANOMALY_RULE} is still learning this agent: ${hm} of history. It expects values after 300 steps (5 h of 1m steps) and judges them once it has seen 5h (min_history).`);
  });

  it("an anomaly alert's row links to its chart, which shades the alert's step and gives its expected band beside it", async () => {
    const alert = await anomalyAlert();
    const list = await open("#/alerts?state=all", `[data-testid="alert-row"][data-alert-id="${alert.alert_id}"]`);
    const row = list.locator(`[data-testid="alert-row"][data-alert-id="${alert.alert_id}"]`);
    const anomalyRules = new Set(((await api("alert-rules")).rules as any[]).filter((r) => r.anomaly).map((r) => r.name));
    const links = await list.$$eval('[data-testid="alert-row"]', (els) => els.map((e) => [e.querySelector("h3 a")?.textContent ?? "", e.querySelector('[data-testid="alert-chart-link"]') !== null] as const));
    assert.ok(links.length > 1, "anomaly and other alerts are listed");
    for (const [rule, link] of links) assert.equal(link, anomalyRules.has(rule), `${rule}: a chart link only for an anomaly rule's alert`);
    await row.locator('[data-testid="alert-chart-link"]').click();
    const chart = '[data-testid="around-alert"] [data-testid="anomaly-chart"]';
    await list.waitForSelector(`${chart}[data-highlight]`, { timeout: 15_000 });
    assert.match(list.url(), new RegExp(`#/alerts/${alert.alert_id}\\?.*view=chart`));
    const shown = await readChart(list, chart);
    const range = await list.$eval(chart, (f) => [f.getAttribute("data-from")!, f.getAttribute("data-to")!]);
    const minutes = (Date.parse(range[1]) - Date.parse(range[0])) / 60_000;
    const d = await api(`anomalies?rule=${ANOMALY_RULE}&agent_name=${ANOMALY_AGENT}&window=${minutes}m&to=${encodeURIComponent(range[1])}`);
    assert.deepEqual({ steps: shown.steps, band: shown.band, anomalies: shown.anomalies }, expected(d), "the chart around the alert shows what the API reads over its range");
    assert.ok(Date.parse(range[0]) <= Date.parse(alert.starts_at) - 3 * 3_600_000, "it starts at least 3 hours before the alert");
    // The shaded step is the anomalous one, the alert's.
    const jump = d.points.find((p: any) => p.anomalous);
    assert.equal(shown.highlight, jump.at);
    assert.ok(Date.parse(jump.at) < Date.parse(alert.starts_at), "the step ended before the alert began");
    const side = list.locator('[data-testid="alert-expected"]');
    assert.equal(await side.getAttribute("data-step"), jump.at);
    assert.equal((await side.locator('[data-field="expected"]').textContent())?.trim(), alert.annotations.expected);
    assert.equal((await side.locator('[data-field="anomaly_score"]').textContent())?.trim(), alert.annotations.anomaly_score);
    assert.match(alert.annotations.expected, /^[\d,.]+ ms, band [\d,.]+ ms–[\d,.]+ ms$/);
    await screenshot(list, "alert-anomaly");
  });

  it("the overview's predicted crossings are those of GET /api/v1/forecasts?within=24h, and the report shows its forecasts", async () => {
    const page = await open("#/?w=1h", '[data-testid="forecast-panel"] [data-testid="forecast-row"]');
    const rowsOf = (p: Page, scope: string) =>
      p.$$eval(`${scope} [data-testid="forecast-row"]`, (trs) => trs.map((tr) => ["kind", "name", "group", "limit", "current", "in-seconds", "at", "earliest", "latest", "confidence"].map((k) => tr.getAttribute(`data-${k}`))));
    const asRow = (f: any) => [f.kind, f.name, f.group ? JSON.stringify(f.group) : "", String(f.limit), raw(f.current), raw(f.in_seconds), f.crossing?.at ?? "", f.crossing?.earliest ?? "", f.crossing?.latest ?? "", f.fit?.confidence ?? ""];
    // Forecasts are recomputed every 10 s at most: wait for the page and a fresh answer to share one.
    const agreed = await waitFor(
      async () => {
        const answer = await api("forecasts?within=24h");
        return JSON.stringify(await rowsOf(page, '[data-testid="forecast-panel"]')) === JSON.stringify(answer.forecasts.map(asRow)) ? answer : false;
      },
      40_000,
      "the overview's predicted crossings to be GET /api/v1/forecasts?within=24h",
    );
    const secs = agreed.forecasts.map((f: any) => f.in_seconds);
    assert.deepEqual(secs, [...secs].sort((a: number, b: number) => a - b), "soonest first");
    const cost = agreed.forecasts.find((f: any) => f.name === COST_RULE);
    assert.ok(cost, `${COST_RULE}'s rising cost is predicted to cross $0.02 within 24 hours`);
    assert.ok(cost.in_seconds > 3600 && cost.in_seconds < 12 * 3600, `in a few hours (${cost.in_seconds} s)`);
    const row = page.locator(`[data-testid="forecast-panel"] [data-testid="forecast-row"][data-name="${COST_RULE}"]`);
    assert.match((await row.textContent())!, new RegExp(`> \\$0\\.0200.*in ${Math.floor(cost.in_seconds / 3600)} h`));
    await page.locator('[data-testid="forecast-panel"]').scrollIntoViewIfNeeded();
    await screenshot(page, "overview-forecasts");
    // The report's section is its own `forecasts`.
    const report = await open("#/report?w=1h", '[data-testid="report-forecasts"] [data-testid="forecast-row"]');
    await waitFor(
      async () => {
        const s = (await api("report?window=1h")).forecasts;
        return JSON.stringify(await rowsOf(report, '[data-testid="report-forecasts"]')) === JSON.stringify(s.crossings.map(asRow)) && (await report.getAttribute('[data-testid="report-forecasts"]', "data-total")) === String(s.total);
      },
      70_000,
      "the report's predicted crossings to be the report's forecasts section",
    );
  });

  it("once the alert is resolved its chart reaches its resolution, and a page no enabled anomaly rule watches says so", async () => {
    const alert = await anomalyAlert();
    if (alert.state !== "resolved") await api(`alerts/${alert.alert_id}/resolve`, { method: "POST", body: { by: "dashboard-test", note: "checked" } });
    const resolved = await api(`alerts/${alert.alert_id}`);
    assert.equal(resolved.state, "resolved");
    const page = await open(`#/alerts/${alert.alert_id}`, '[data-testid="around-alert"] [data-testid="anomaly-chart"][data-highlight]');
    const [from, to] = await page.$eval('[data-testid="around-alert"] [data-testid="anomaly-chart"]', (f) => [f.getAttribute("data-from")!, f.getAttribute("data-to")!]);
    assert.ok(Date.parse(from) <= Date.parse(resolved.starts_at) - 3 * 3_600_000, "from 3 hours before the alert");
    assert.ok(Date.parse(to) >= Date.parse(resolved.resolved_at), `up to its resolution (${to} against ${resolved.resolved_at})`);
    // Turned off, the fixture's rule no longer watches agents: their pages say nothing does.
    await api(`alert-rules/${ANOMALY_RULE}`, { method: "PUT", body: { enabled: false } });
    try {
      const agent = await open("#/agents/history_agent", '[data-testid="anomaly-watch-none"]');
      assert.equal(await agent.locator('[data-testid="anomaly-chart"]').count(), 0);
      assert.match((await agent.textContent('[data-testid="anomaly-watch-none"]'))!, /No enabled anomaly rule is grouped by agent_name, so nothing watches this agent for unusual values\./);
    } finally {
      await api(`alert-rules/${ANOMALY_RULE}`, { method: "PUT", body: { enabled: true } });
    }
  });

  it("the anomaly charts and the predicted crossings fit a phone's screen", async () => {
    const alert = await anomalyAlert();
    const phone = await fixture().browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.addInitScript(signIn(ADMIN));
      for (const [name, hash, ready, shown] of [
        ["agent-anomaly-phone", `#/agents/${ANOMALY_AGENT}`, `[data-testid="anomaly-chart"][data-rule="${ANOMALY_RULE}"] canvas`, '[data-testid="anomaly-watch"]'],
        ["alert-anomaly-phone", `#/alerts/${alert.alert_id}?view=chart`, '[data-testid="around-alert"] [data-testid="anomaly-chart"] canvas', ""],
        ["overview-forecasts-phone", "#/", '[data-testid="forecast-panel"] [data-testid="forecast-row"]', '[data-testid="forecast-panel"]'],
      ] as const) {
        const page = await openPhone(phone, hash, ready);
        // The alert's page brings its chart into view by itself (view=chart).
        if (shown) await page.locator(shown).evaluate(underTopBar);
        else await page.waitForFunction("window.scrollY > 0");
        await fitsPhone(page, name);
        await screenshot(page, name);
        await page.close();
      }
    } finally {
      await phone.close();
    }
  });
}
