/**
 * Anomaly rules end to end: a server holding a week of a daily latency cycle on two routes with
 * the same history gets an anomaly rule through the API; its first evaluation replays the history
 * the minute rollups hold (the last 48 hours) and raises nothing. Then the latency of one route triples: an alert for
 * that route fires within 3 evaluation intervals of the shift, carrying the expected band (in the
 * API and in the webhook's notification), while the route whose history goes on unshifted raises none.
 *
 * The server's clock is driven (node:test's Date mock) so a week of history and the minutes
 * after them take seconds: `alerting.evaluation_interval` and the rule's `step` are both 1m, and
 * each interval is one `evaluate()` after the clock moves a minute on.
 */
import { after, before, it, mock } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getJson, inProcessServer, postJson, tempDir } from "./helpers.js";
import { startReceiver, type Receiver } from "./alert-receiver.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** History stored: a week. A 1m step replays what the minute rollups hold of it (48 hours by default). */
const HISTORY = 7 * DAY;
const RUNS_PER_MINUTE = 3;

type Server = Awaited<ReturnType<typeof inProcessServer>>;
const tmp = tempDir("vigil-anomaly-e2e-");
let s: Server;
let hook: Receiver;
/** The first minute after the history (the shift starts here on the shifted route). */
let M: number;

/** A seeded generator (the same noise on every run). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

/** Run durations on a daily cycle (0.7–1.7 s) with ±5% noise; `factor` 3 after the shift. */
function runsOf(route: string, from: number, to: number, noise: () => number, factor = 1) {
  const events = [];
  for (let t = from; t < to; t += MINUTE) {
    const base = 1200 + 500 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);
    for (let i = 0; i < RUNS_PER_MINUTE; i++) events.push({ type: "run", timestamp: t + 10_000 + i * 15_000, body: { agent_name: "support", route, status: "success", duration_ms: Math.round(base * factor * (0.95 + 0.1 * noise())) } });
  }
  return events;
}

async function ingest(events: unknown[]): Promise<void> {
  for (let i = 0; i < events.length; i += 10_000) {
    const r = await postJson(`${s.url}/api/v1/ingest`, { events: events.slice(i, i + 10_000) });
    assert.equal(r.body.errors?.length, 0, JSON.stringify(r.body.errors?.slice(0, 3) ?? r.body));
    assert.equal(r.status, 207, "per-event results");
  }
}

/** A latency as an annotation shows it ("1.2 s", "950 ms"), in ms, and how far the rounding may be from the figure. */
function msOf(text: string): { ms: number; within: number } {
  const m = /^([\d.,]+) (m?s)$/.exec(text.trim())!;
  const digits = m[1]!.replace(/,/g, "");
  const unit = m[2] === "s" ? 1000 : 1;
  const decimals = digits.split(".")[1]?.length ?? 0;
  return { ms: Number(digits) * unit, within: (0.5 * unit) / 10 ** decimals + 1e-3 };
}

const openAlerts = async () => (await getJson(`${s.url}/api/v1/alerts?rule=LatencyAnomalyByRoute&state=firing,pending`)).body.alerts as any[];

before(async () => {
  const real = Date.now();
  M = real - (real % MINUTE);
  // 15 s into the minute: the step that ended then has settled (10 s) and is fed.
  mock.timers.enable({ apis: ["Date"], now: M + 15_000 });
  hook = await startReceiver();
  const cfg = join(tmp.dir, "vigil.yaml");
  writeFileSync(
    cfg,
    `alerting:
  default_rules: false
  evaluation_interval: 1m
  channels:
    - { name: hook, type: webhook, url: "${hook.url}/hook" }
  default_route: { channels: [hook], group_by: [alertname, route], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
`,
  );
  s = await inProcessServer({ VIGIL_CONFIG: cfg });
});

after(async () => {
  await s?.stop();
  await hook?.close();
  mock.timers.reset();
  tmp.cleanup();
});

it("raises an anomaly alert within 3 evaluation intervals of a latency shift, with the expected band, and none for the same history unshifted", async () => {
  // The same week on both routes (the same noise).
  await ingest([...runsOf("chat", M - HISTORY, M, lcg(7)), ...runsOf("search", M - HISTORY, M, lcg(7))]);
  const put = await postJson(`${s.url}/api/v1/alert-rules`, { name: "LatencyAnomalyByRoute", metric: "p95_latency_ms", group_by: ["route"], anomaly: { sensitivity: "medium", min_history: "1d", step: "1m" }, for: "0s", keep_firing_for: "10m" });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  assert.deepEqual(put.body.anomaly, { sensitivity: "medium", min_history: "1d", step: "1m" });

  // The first evaluation replays the history held: nothing is unusual in it.
  await s.alerting.engine.evaluate();
  assert.deepEqual(await openAlerts(), []);

  // Then, minute by minute: chat three times slower, search as before.
  const chatNoise = lcg(11);
  const searchNoise = lcg(11);
  let firedAfter = 0;
  for (let k = 0; k < 5; k++) {
    const step = M + k * MINUTE;
    mock.timers.setTime(step + MINUTE + 15_000);
    await ingest([...runsOf("chat", step, step + MINUTE, chatNoise, 3), ...runsOf("search", step, step + MINUTE, searchNoise)]);
    await s.alerting.engine.evaluate();
    const open = await openAlerts();
    assert.ok(open.every((a) => a.route === "chat"), `the unshifted route raised nothing: ${JSON.stringify(open.map((a) => a.message))}`);
    if (open.length > 0 && firedAfter === 0) firedAfter = k + 1;
  }
  assert.ok(firedAfter >= 1 && firedAfter <= 3, `fired after ${firedAfter} evaluations of the shifted steps`);

  const [alert] = await openAlerts();
  assert.equal(alert.state, "firing");
  assert.equal(alert.threshold, null);
  assert.ok(alert.current_value > 2000, `the value is the shifted step's p95: ${alert.current_value}`);
  assert.match(alert.message, /^p95_latency_ms for route=chat is \d+\.\d s, expected [\d.]+ (m?s)–[\d.]+ (m?s)$/);
  assert.match(alert.annotations.expected, /^[\d.]+ m?s, band [\d.]+ m?s–[\d.]+ m?s$/);
  assert.match(alert.annotations.anomaly_score, /^(0\.[6-9]\d|1\.00) \(fires at 0\.6\)$/);
  // The band is the one of a day's usual latencies, well under what the shifted step read.
  const upper = /–([\d.]+) (m?s)$/.exec(alert.message)!;
  const upperMs = Number(upper[1]) * (upper[2] === "s" ? 1000 : 1);
  assert.ok(upperMs < alert.current_value, `band's upper end ${upperMs} ms under the value ${alert.current_value} ms`);

  // The chart's readings (GET /api/v1/anomalies) are the alert's: its latest step's value, the band of the step it fired on, that step marked.
  const chart = (await getJson(`${s.url}/api/v1/anomalies?rule=LatencyAnomalyByRoute&route=chat&window=30m`)).body;
  const latest = chart.points.at(-1);
  assert.equal(Date.parse(latest.at), M + 4 * MINUTE, "the latest step fed");
  assert.ok(Math.abs(latest.value - alert.current_value) <= 1e-6 * alert.current_value, `chart ${latest.value}, alert ${alert.current_value}`);
  const said: string[] = /^(.+), band (.+)–(.+)$/.exec(alert.annotations.expected)!.slice(1);
  // The alert's band is the one of the step it fired on: the first marked.
  const firing = chart.points.find((p: any) => p.anomalous);
  assert.ok(firing, "the step the alert fired on is marked");
  const raws: number[] = [firing.expected, firing.lower, firing.upper];
  said.forEach((text, i) => {
    const shown = msOf(text);
    assert.ok(Math.abs(shown.ms - raws[i]!) <= shown.within, `alert says ${text}, chart ${raws[i]}`);
  });
  const marked = chart.points.filter((p: any) => p.anomalous).map((p: any) => (Date.parse(p.at) - M) / MINUTE);
  assert.ok(marked.length >= 1 && marked.every((k: number) => k >= 0 && k < firedAfter), `the steps marked are the shifted ones the alert fired on: ${marked}`);
  const calm = (await getJson(`${s.url}/api/v1/anomalies?rule=LatencyAnomalyByRoute&route=search&window=30m`)).body;
  assert.equal(calm.followed, true);
  assert.deepEqual(calm.points.filter((p: any) => p.anomalous), [], "nothing marked on the unshifted route");

  // The webhook's notification carries the band too.
  // (Waited on the process clock: Date stands still.)
  const deadline = performance.now() + 10_000;
  while (!hook.received.some((r) => r.body?.kind === "firing") && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const sent = hook.received.find((r) => r.body?.kind === "firing")!.body;
  assert.equal(sent.alerts[0].labels.route, "chat");
  assert.equal(sent.alerts[0].annotations.expected, alert.annotations.expected);
  assert.equal(sent.alerts[0].annotations.summary, alert.message);
  // And links to the alert's page, opened at its chart.
  assert.equal(sent.alerts[0].url, `${s.url}/#/alerts/${encodeURIComponent(alert.alert_id ?? alert.id)}?view=chart`);
});
