/**
 * The query bench's series part: latency of every read a dashboard or API client sends over 24 h
 * (unfiltered, filtered to one agent, grouped by each dimension, timeseries ungrouped and grouped)
 * with the same number of stored runs spread over 10, 1,000 and 50,000 distinct series. The peer of
 * each figure is the same query at the smallest size in the same run, so the ratio is the growth.
 */
import { emit, envInt, getJson, human, log, printTable, round, sleep, startChildServer, tempDir, type FigureRow } from "./common.js";
import { writeEvents } from "./direct-load.js";
import { median, timeEndpoint, type EndpointTiming } from "./http-timing.js";
import { parseSeriesList, seriesDims, seriesRun, type SeriesSpec } from "./series.js";

const HOUR = 3_600_000;
const TS = "metric=p95_latency_ms,success_rate&window=24h&step=5m";

/** The reads timed at each size (`{agent}` is the first series' agent); goal in ms, or a function of the size. */
const READS: { key: string; path: string; goal: (spec: SeriesSpec) => number | null }[] = [
  { key: "system", path: "/api/v1/metrics/system?window=24h", goal: () => 5 },
  { key: "system, agent_name=<one>", path: "/api/v1/metrics/system?window=24h&agent_name={agent}", goal: () => 5 },
  { key: "agents", path: "/api/v1/metrics/agents?window=24h", goal: (s) => (s.series >= 50_000 ? 50 : null) },
  { key: "models", path: "/api/v1/metrics/models?window=24h", goal: () => null },
  { key: "routes", path: "/api/v1/metrics/routes?window=24h", goal: () => null },
  { key: "tenants", path: "/api/v1/metrics/tenants?window=24h", goal: () => null },
  { key: "modes", path: "/api/v1/metrics/modes?window=24h", goal: () => null },
  { key: "timeseries, 5m steps", path: `/api/v1/metrics/timeseries?${TS}`, goal: () => null },
  { key: "timeseries by agent_name, 5m steps", path: `/api/v1/metrics/timeseries?${TS}&group_by=agent_name`, goal: () => null },
  { key: "timeseries by tenant_id, 5m steps", path: `/api/v1/metrics/timeseries?${TS}&group_by=tenant_id`, goal: () => null },
];

interface SizeResult {
  spec: SeriesSpec;
  loadSeconds: number;
  reads: EndpointTiming[];
}

async function measureSize(spec: SeriesSpec, events: number, o: { samples: number; budgetMs: number; capMs: number }): Promise<SizeResult> {
  const { dir, cleanup } = tempDir("vigil-bench-query-series-");
  try {
    const now = Date.now();
    log(`query: ${spec.label} series: writing ${human(events)} events into the store`);
    const writeMs = await writeEvents(dir, events, now - 24 * HOUR + 30 * 60_000, now - 1000, {}, undefined, (r, i) => seriesRun(r, spec, i % spec.series));
    const server = await startChildServer(dir);
    try {
      for (let i = 0; i < 120; i++) {
        const h = await getJson(`${server.url}/api/v1/health/detailed`);
        if (h.rollups.last_flush_at) break;
        await sleep(1000);
      }
      const agent = encodeURIComponent(seriesDims(spec, 0).agent_name);
      const reads: EndpointTiming[] = [];
      for (const r of READS) {
        const t = await timeEndpoint(server.url, r.path.replace("{agent}", agent), o);
        reads.push(t);
        log(`query: ${spec.label} series: ${r.key}: ${t.capped ? "abandoned" : `${round(median(t.ms), 2)} ms (${t.ms.length} timed), ${human(t.bytes ?? NaN)} bytes`}`);
      }
      return { spec, loadSeconds: (writeMs + server.startMs) / 1000, reads };
    } finally {
      await server.stop(10_000);
    }
  } finally {
    cleanup();
  }
}

function fmt(t: EndpointTiming | undefined, capMs: number): string {
  if (!t) return "n/a";
  if (t.capped) return `> ${capMs / 1000} s`;
  const m = median(t.ms);
  return m >= 100 ? `${Math.round(m)} ms` : `${round(m, 2)} ms`;
}

/** Runs the series part (BENCH_QUERY_SERIES, `none` skips it) and prints its table and BENCH line. */
export async function querySeries(): Promise<void> {
  const list = process.env.BENCH_QUERY_SERIES ?? "10,1000,50000";
  if (list === "none") return;
  const sizes = parseSeriesList(list, "BENCH_QUERY_SERIES");
  const events = envInt("BENCH_QUERY_SERIES_EVENTS", 300_000);
  const o = { samples: envInt("BENCH_QUERY_SERIES_SAMPLES", 20), budgetMs: envInt("BENCH_QUERY_SERIES_BUDGET", 10) * 1000, capMs: envInt("BENCH_CARD_QUERY_CAP", 120) * 1000 };
  const results: SizeResult[] = [];
  for (const spec of sizes) results.push(await measureSize(spec, events, o));
  const base = results[0]!;
  const rows: FigureRow[] = [];
  for (const r of results) {
    READS.forEach((q, i) => {
      const ours = r.reads[i];
      const peer = base.reads[i];
      const m = ours && !ours.capped ? median(ours.ms) : Infinity;
      const goal = q.goal(r.spec);
      const pm = peer && !peer.capped ? median(peer.ms) : NaN;
      rows.push({
        figure: `${r.spec.label} series: ${q.key}`,
        ours: `${fmt(ours, o.capMs)} (${human(ours?.bytes ?? NaN)} B)`,
        peer: r === base ? "" : `${fmt(peer, o.capMs)} at ${base.spec.label}`,
        ratio: r === base || !Number.isFinite(pm) ? "" : `${round(m / pm, 1)}x`,
        goal: goal === null ? "(context)" : `< ${goal} ms`,
        met: goal === null ? null : m < goal,
      });
    });
  }
  printTable(`query — 24 h reads with ${human(events)} stored runs over ${sizes.map((s) => s.label).join(" / ")} distinct series (median of up to ${o.samples} after a warm-up; peer: the same read at ${base.spec.label} series)`, rows);
  emit("query-series", {
    events,
    settings: o,
    sizes: results.map((r) => ({
      series: r.spec.series,
      tenants_only: r.spec.tenantsOnly,
      load_s: round(r.loadSeconds, 1),
      reads: Object.fromEntries(READS.map((q, i) => [q.key, { path: r.reads[i]!.path, median_ms: r.reads[i]!.capped ? null : round(median(r.reads[i]!.ms), 2), n: r.reads[i]!.ms.length, bytes: r.reads[i]!.bytes }])),
    })),
  });
}
