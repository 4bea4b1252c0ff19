/**
 * Dashboard bench: first load of the overview in Debian's Chromium (headless, cold cache: a new
 * browser context each time) with 1,000,000 runs stored over the last 24 h, from navigation start
 * to the moment every figure, sparkline and chart is drawn (the page's `vigil:overview-ready`
 * performance mark). Beside it, from the same run: the same load against an empty store, and the
 * API requests the overview makes, timed from Node without a browser. No peer dashboard
 * (Langfuse, Phoenix, Grafana) can run on this machine, so those two are the comparison.
 */
import { chromium, type Browser } from "playwright-core";
import { AGENTS, MODELS, ROUTES, emit, envInt, getJson, human, log, sleep, printTable, round, startChildServer, summary, tempDir, type ChildServer } from "./common.js";
import { writeEvents } from "./direct-load.js";

const HOUR = 3_600_000;
const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"];
const TILE_METRICS = "success_rate,error_rate,p50_latency_ms,p95_latency_ms,p99_latency_ms,total_cost,cost_per_task,avg_accuracy,avg_satisfaction,cache_hit_rate,total_tasks,failed_tasks,timeout_tasks";

/** Times `samples` cold first loads of the overview for window `w`; returns ms to the ready mark. */
async function firstLoads(browser: Browser, url: string, w: string, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${url}/#/?w=${w}`);
    // A function, not a string: the page's content security policy forbids eval.
    await page.waitForFunction(() => performance.getEntriesByName("vigil:overview-ready").length > 0, undefined, { timeout: 30_000, polling: 50 });
    const ms = await page.evaluate<number>("performance.getEntriesByName('vigil:overview-ready')[0].startTime");
    if (errors.length) throw new Error(`console errors on the overview: ${errors.join("; ")}`);
    out.push(ms);
    await ctx.close();
  }
  return out;
}

/** Times the overview's API requests (report + one multi-metric timeseries), in parallel as the page sends them. */
async function apiOnly(url: string, w: string, step: string, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const rs = await Promise.all([fetch(`${url}/api/v1/session`), fetch(`${url}/api/v1/report?window=${w}&include_agents=false`), fetch(`${url}/api/v1/metrics/timeseries?metric=${TILE_METRICS}&window=${w}&step=${step}`)]);
    await Promise.all(rs.map((r) => r.arrayBuffer()));
    out.push(performance.now() - t0);
  }
  return out;
}

async function withServer<T>(events: number, fn: (s: ChildServer) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir("vigil-bench-dashboard-");
  try {
    if (events > 0) {
      const now = Date.now();
      log(`dashboard: writing ${human(events)} runs over the last 24 h`);
      const ms = await writeEvents(dir, events, now - 24 * HOUR + 30 * 60_000, now - 1000, { agents: AGENTS, models: MODELS, routes: ROUTES, tenants: ["acme", "globex"] }, (done) => log(`dashboard: ${human(done)} written`));
      log(`dashboard: wrote ${human(events)} in ${round(ms / 1000, 1)} s; starting the server`);
    }
    const s = await startChildServer(dir);
    try {
      // The first periodic flush persists every replayed bucket; measure the steady state after it.
      for (let i = 0; i < 120; i++) {
        if ((await getJson(`${s.url}/api/v1/health/detailed`)).rollups.last_flush_at) break;
        await sleep(1000);
      }
      return await fn(s);
    } finally {
      await s.stop();
    }
  } finally {
    cleanup();
  }
}

/** Runs the dashboard bench and prints its table and BENCH line. */
export async function dashboard(): Promise<void> {
  const events = envInt("BENCH_DASHBOARD_EVENTS", 1_000_000);
  const samples = envInt("BENCH_DASHBOARD_SAMPLES", 10);
  const windows: [string, string][] = [["1h", "2m"], ["24h", "30m"], ["7d", "4h"]];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const measure = async (s: ChildServer) => {
      // One throw-away load warms the server's code paths (not the browser's cache: every load is a new context).
      await firstLoads(browser, s.url, "1h", 1);
      const r: Record<string, { page: ReturnType<typeof summary>; api: ReturnType<typeof summary> }> = {};
      for (const [w, step] of windows) {
        r[w] = { page: summary(await firstLoads(browser, s.url, w, samples)), api: summary(await apiOnly(s.url, w, step, samples)) };
        log(`dashboard: ${w}: first load median ${round(r[w]!.page.median, 0)} ms, API alone ${round(r[w]!.api.median, 1)} ms`);
      }
      return r;
    };
    const full = await withServer(events, measure);
    const empty = await withServer(0, measure);
    const ms = (v: number) => `${round(v, 0)} ms`;
    const rows = windows.flatMap(([w]) => [
      { figure: `overview first load, window ${w}, median @ ${human(events)}`, ours: ms(full[w]!.page.median), peer: `${ms(empty[w]!.page.median)} empty store`, ratio: round(full[w]!.page.median / empty[w]!.page.median, 2).toString(), goal: "< 1000 ms", met: full[w]!.page.median < 1000 },
      { figure: `  p95 (${samples} loads)`, ours: ms(full[w]!.page.p95), peer: `${ms(empty[w]!.page.p95)} empty store`, ratio: round(full[w]!.page.p95 / empty[w]!.page.p95, 2).toString(), goal: "< 1000 ms", met: full[w]!.page.p95 < 1000 },
      { figure: `  its API requests alone, median`, ours: `${round(full[w]!.api.median, 1)} ms`, peer: `${round(empty[w]!.api.median, 1)} ms empty store`, ratio: round(full[w]!.api.median / empty[w]!.api.median, 2).toString(), goal: "(context)" },
    ]);
    printTable(`dashboard — first load of the overview in Chromium, cold cache, 1280x800, ${samples} loads per window`, rows);
    emit("dashboard", { events, samples, windows: Object.fromEntries(windows.map(([w]) => [w, { median_ms: round(full[w]!.page.median, 1), p95_ms: round(full[w]!.page.p95, 1), empty_median_ms: round(empty[w]!.page.median, 1), api_median_ms: round(full[w]!.api.median, 2), empty_api_median_ms: round(empty[w]!.api.median, 2) }])), goal_ms: 1000 });
  } finally {
    await browser.close();
  }
}
