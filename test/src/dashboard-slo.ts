/**
 * The SLO pages in Chromium against the fixture's SLOs (dashboard-fixture.ts): the list shows each
 * SLO's compliance, budget left, time to exhaustion, open alerts and met as `GET /api/v1/slos`
 * answers them; an SLO's page shows its burn rate for every window against the page and ticket
 * factors, draws its history, and lists its alerts; the overview lists the SLOs whose budget is
 * spent or whose burn alert fires; the report's compliance section equals the API's. Registered
 * inside the "dashboard in Chromium" suite of dashboard-browser.test.ts (one server).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { screenshot } from "./browser.js";
import { api, open, SLO_NAMES } from "./dashboard-fixture.js";
import { waitFor } from "./pg-support.js";

/** A share as the pages show it: one decimal and a percent sign, "—" without data. */
const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

/** How a raw figure is kept in `data-value`. */
const raw = (v: number | null | undefined) => (v === null || v === undefined ? "null" : String(v));

/** An SLO the overview must list: budget spent, or a burn condition holding, or an alert of it open. */
const inTrouble = (s: any) => s.exhausted_at !== null || (s.budget.remaining_ratio !== null && s.budget.remaining <= 0) || s.open_alerts > 0 || s.alerts.some((c: any) => c.firing);

/** The list's row of `name`, read as the page shows it. */
async function row(page: Page, name: string) {
  return page.$eval(`[data-testid="slos-table"] tr[data-key="${name}"]`, (tr) => {
    const attr = (sel: string) => tr.querySelector(sel)?.getAttribute("data-value") ?? null;
    const text = (sel: string) => tr.querySelector(sel)?.textContent?.trim() ?? null;
    return {
      compliance: attr('[data-testid="slo-compliance"]'),
      complianceText: text('[data-testid="slo-compliance"]'),
      budget: attr('[data-testid="slo-budget"]'),
      budgetText: text('[data-testid="slo-budget"] .budget-text'),
      exhaustion: attr('[data-testid="slo-exhaustion"]'),
      exhaustionText: text('[data-testid="slo-exhaustion"]'),
      alerts: attr('[data-testid="slo-open-alerts"]'),
      met: tr.querySelector("[data-met]")?.getAttribute("data-met") ?? null,
      objective: text(".slo-objective"),
      text: tr.textContent ?? "",
    };
  });
}

/** Registers the SLO pages' tests in the suite that started the dashboard fixture. */
export function sloDashboardTests(): void {
  it("the SLOs page shows each SLO's compliance, budget left, time to exhaustion, open alerts and met as the API answers them", async () => {
    const page = await open("#/slos", '[data-testid="slos-table"] tbody tr');
    // Burn and alerts move with every evaluation: wait for a moment where the page and a fresh answer agree on every SLO.
    const agreed = await waitFor(
      async () => {
        const { slos } = await api("slos");
        for (const s of slos) {
          const r = await row(page, s.name);
          if (r.compliance !== raw(s.compliance) || r.budget !== raw(s.budget.remaining_ratio) || r.exhaustion !== raw(s.exhaustion.in_seconds) || r.alerts !== String(s.open_alerts) || r.met !== raw(s.met)) return false;
        }
        return slos;
      },
      20_000,
      "the SLOs page to show what GET /api/v1/slos answers",
    );
    assert.deepEqual(agreed.map((s: any) => s.name).sort(), [...SLO_NAMES].sort(), "every SLO of the config is listed");
    for (const s of agreed) {
      const r = await row(page, s.name);
      assert.equal(r.complianceText, pct(s.compliance), `${s.name}: compliance as a share with one decimal`);
      assert.equal(r.budgetText, pct(s.budget.remaining_ratio), `${s.name}: budget left as a share with one decimal`);
      assert.doesNotMatch(r.text, /NaN|undefined|Infinity/, `${s.name}: no NaN on the row`);
      if (s.compliance === null) assert.equal(r.complianceText, "—", "no events reads as —");
    }
    // Each objective in words, as the fixture's config declares it.
    const words: Record<string, string> = {
      history_latency: "80% of runs under 500 ms",
      react_agent_availability: "99% of runs succeed",
      react_agent_satisfaction: "50% of ratings ≥ 4 / 5",
      planner_latency_slices: "90% of 1 min slices with 80% of runs under 1 s, none over 8 s",
      idle_availability: "99.9% of LLM calls succeed",
    };
    for (const [name, objective] of Object.entries(words)) assert.equal((await row(page, name)).objective, objective, `${name}'s objective in words`);
    // The history agent's runs: 300 … 540 ms in seven steps, one in seven over 500 ms, against an 80% target.
    const history = agreed.find((s: any) => s.name === "history_latency");
    assert.ok(history.compliance > 0.8 && history.compliance < 0.9, `history_latency meets its target with budget to spare (${history.compliance})`);
    assert.equal(history.met, true);
    // react_agent failed most runs while gpt-4o was degraded: its 99% promise is broken.
    const avail = agreed.find((s: any) => s.name === "react_agent_availability");
    assert.equal(avail.met, false, "the demo's degradation breaks react_agent's availability");
    assert.equal((await row(page, "react_agent_availability")).exhaustionText, "spent");
    // An SLO without events reads "—" and "no events", never 0 or NaN.
    const idle = await row(page, "idle_availability");
    assert.deepEqual([idle.complianceText, idle.budgetText, idle.exhaustionText, idle.met], ["—", "—", "—", "null"]);
    assert.match(idle.text, /no events/);
    // The table fits 1280 px without a scroll bar.
    const fit = await page.$eval('[data-testid="slos-table"] .table-wrap', (el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(fit.scroll <= fit.client, `the SLO table fits 1280 px (${fit.scroll} px in ${fit.client})`);
    await screenshot(page, "slos");
  });

  it("an SLO's page shows its burn rate for every window against the page and ticket factors, its history chart and its alerts", async () => {
    const name = "react_agent_availability";
    const page = await open(`#/slos/${name}`, '[data-testid="slo-burn-rates"] tr[data-window]');
    const shown = await waitFor(
      async () => {
        const s = await api(`slos/${name}`);
        const rates = await page.$$eval('[data-testid="slo-burn-rates"] tr[data-window]', (trs) => trs.map((tr) => [tr.getAttribute("data-window"), tr.getAttribute("data-value")]));
        const tiles = await page.$$eval(".slo-tiles [data-metric]", (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-metric"), e.getAttribute("data-value")])));
        const firing = await page.$$eval('[data-testid="slo-conditions"] tr[data-kind]', (trs) => trs.map((tr) => `${tr.getAttribute("data-kind")}_${tr.getAttribute("data-long")}=${tr.getAttribute("data-firing")}`));
        const same =
          JSON.stringify(rates) === JSON.stringify(Object.entries(s.burn_rates).map(([w, v]) => [w, raw(v as number | null)])) &&
          tiles.compliance === raw(s.compliance) &&
          tiles.remaining_ratio === raw(s.budget.remaining_ratio) &&
          tiles.exhaustion === raw(s.exhaustion.in_seconds) &&
          tiles.burn_1h === raw(s.burn_rates["1h"]) &&
          tiles.open_alerts === String(s.open_alerts) &&
          JSON.stringify(firing) === JSON.stringify(s.alerts.map((c: any) => `${c.kind}_${c.long_window}=${c.firing}`));
        return same ? s : false;
      },
      20_000,
      `the page of ${name} to show what GET /api/v1/slos/${name} answers`,
    );
    assert.deepEqual(Object.keys(shown.burn_rates), ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
    // Each condition's factor is marked on both of its windows, flagged where that window burns over it.
    for (const c of shown.alerts) {
      for (const [w, rate] of [[c.long_window, c.long_burn], [c.short_window, c.short_burn]] as const) {
        const mark = page.locator(`[data-testid="slo-burn-rates"] tr[data-window="${w}"] [data-kind="${c.kind}"][data-factor="${c.factor}"]`);
        assert.equal(await mark.count(), 1, `${c.kind} factor ${c.factor} marked on the ${w} window`);
        assert.equal(await mark.getAttribute("data-over"), String(rate !== null && rate > c.factor));
      }
    }
    assert.ok(shown.alerts.some((c: any) => c.firing), "the demo's failures still hold a burn-rate condition");
    // The burn and budget chart is drawn from the history.
    const history = await api(`slos/${name}/history`);
    assert.ok(history.points.length > 0, "the history has points");
    await page.locator('[data-testid="slo-history"] .chart canvas').nth(2).waitFor();
    assert.ok(Number(await page.getAttribute('[data-testid="slo-history"]', "data-points")) > 0, "the charts have points");
    assert.equal(await page.locator('[data-testid="slo-history"] .chart-empty').count(), 0, "neither chart says it has no data");
    // Its alerts are listed with links to their alert pages.
    const open_ = await waitFor(async () => {
      const n = await page.locator('[data-testid="slo-alert"]').count();
      return n > 0 ? n : false;
    }, 20_000, "the SLO's alerts to be listed");
    const ids = await page.$$eval('[data-testid="slo-alert"]', (trs) => trs.map((tr) => tr.getAttribute("data-alert-id")!));
    assert.equal(ids.length, open_);
    for (const id of ids) assert.equal((await api(`alerts/${encodeURIComponent(id)}`)).labels.slo, name, "an alert of this SLO");
    assert.doesNotMatch((await page.textContent("main"))!, /NaN|undefined|Infinity/);
    await screenshot(page, "slo-detail");
    await page.locator(`[data-testid="slo-alert"][data-alert-id="${ids[0]}"] a`).click();
    await page.locator('[data-testid="alert-detail"]').waitFor();
  });

  it("the overview lists every SLO whose budget is spent or whose burn alert fires, and the report's compliance is the API's", async () => {
    const overview = await open("#/?w=1h", '[data-testid="overview-slos"]');
    const listed = await waitFor(
      async () => {
        const { slos } = await api("slos");
        const want = slos.filter(inTrouble).map((s: any) => s.name).sort();
        const got = (await overview.$$eval('[data-testid="overview-slo"]', (els) => els.map((e) => e.getAttribute("data-slo")!))).sort();
        return JSON.stringify(want) === JSON.stringify(got) ? got : false;
      },
      20_000,
      "the overview to list the SLOs in trouble that GET /api/v1/slos answers",
    );
    assert.ok(listed.includes("react_agent_availability"), "the broken availability SLO is listed");
    assert.ok(!listed.includes("history_latency"), "an SLO within budget is not");
    const report = await open("#/report?w=24h", '[data-testid="report-compliance"]');
    const c = (await api("report?window=24h")).compliance;
    assert.ok(c, "the report has a compliance section");
    const figures = await report.$$eval('[data-testid="report-compliance"] [data-figure]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-figure"), [e.getAttribute("data-value"), e.querySelector("dd")?.textContent]])));
    assert.deepEqual(figures.slos_met, [String(c.slos_met), String(c.slos_met)]);
    assert.deepEqual(figures.share_met, [raw(c.share_met), pct(c.share_met)]);
    assert.deepEqual(figures.availability, [raw(c.availability), pct(c.availability)]);
    assert.deepEqual(figures.satisfaction, [raw(c.satisfaction), c.satisfaction === null ? "—" : `${c.satisfaction.toFixed(1)} / 5`], "satisfaction on the 1–5 scale");
    const lines = await report.$$eval('[data-testid="report-compliance"] tr[data-slo]', (trs) => trs.map((tr) => [tr.getAttribute("data-slo"), tr.getAttribute("data-compliance")]));
    assert.deepEqual(lines, c.slos.map((l: any) => [l.name, raw(l.compliance)]));
  });
}
