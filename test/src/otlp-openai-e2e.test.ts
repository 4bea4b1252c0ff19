/**
 * OpenTelemetry end to end: an application using the real `openai` client, instrumented by the
 * official `@opentelemetry/instrumentation-openai` under the OpenTelemetry Node SDK, exports its
 * spans to Vigil's `POST /v1/traces` — once with the OTLP protobuf exporter, once with the OTLP JSON
 * exporter and gzip — while a fake OpenAI upstream answers each call with planned usage and a
 * planned, varied delay. Vigil's LLM-call count, tokens, cost and p95 latency for the model equal
 * what the upstream served and the spans measured, the trace view shows every call under its parent
 * with its tokens and duration, and the same exports sent again count nothing twice.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { ClientPlan, ClientSpan } from "./fixtures/otel-openai-client.cjs";
import { getJson, inProcessServer, postJson, rng } from "./helpers.js";
import { startOtlpRecorder, type OtlpRecorder, type RecordedExport } from "./otlp-recorder.js";
import { startPlannedUpstream, type PlannedAnswer, type PlannedUpstream, type ServedCall } from "./planned-openai-upstream.js";

const CLIENT = fileURLToPath(new URL("./fixtures/otel-openai-client.cjs", import.meta.url));
const INGEST_KEY = "otlp-e2e-ingest-key-0001";
const READ_KEY = "otlp-e2e-read-admin-key-01";
const CALLS = 40;

/** One exporter run: its exporter, model (priced by the test), service and the header carrying the key. */
interface Run {
  exporter: ClientPlan["exporter"];
  model: string;
  service: string;
  headers: Record<string, string>;
  /** USD per million input and output tokens, set in Vigil's price table for the model. */
  price: { input: number; output: number };
  contentType: string;
  contentEncoding: string | undefined;
}

const RUNS: Run[] = [
  { exporter: "protobuf", model: "gpt-4o-mini", service: "otel-proto-app", headers: { "x-api-key": INGEST_KEY }, price: { input: 0.15, output: 0.6 }, contentType: "application/x-protobuf", contentEncoding: undefined },
  { exporter: "json-gzip", model: "gpt-4.1-nano", service: "otel-json-app", headers: { authorization: `Bearer ${INGEST_KEY}` }, price: { input: 0.1, output: 0.4 }, contentType: "application/json", contentEncoding: "gzip" },
];

/** What one run came to: what the upstream served, the spans the client made, the exports it sent. */
interface Outcome {
  served: ServedCall[];
  spans: ClientSpan[];
  exports: RecordedExport[];
}

/** The planned answers of a run: varied usage (a cached part of the prompt) and delays of 5–400 ms, most of them short. */
function planAnswers(seed: number): PlannedAnswer[] {
  const r = rng(seed);
  return Array.from({ length: CALLS }, () => {
    const promptTokens = 50 + Math.floor(r() * 4000);
    return { promptTokens, cachedTokens: Math.floor(promptTokens * r() * 0.8), completionTokens: 5 + Math.floor(r() * 800), delayMs: 5 + Math.floor(r() ** 2 * 395) };
  });
}

/** Runs the instrumented client in its own process; resolves with the spans it printed. */
function runClient(plan: ClientPlan): Promise<ClientSpan[]> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("OTEL_")) env[k] = v;
  Object.assign(env, { OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" });
  const child = spawn(process.execPath, [CLIENT, JSON.stringify(plan)], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve((JSON.parse(out) as { spans: ClientSpan[] }).spans) : reject(new Error(`client exited with ${code}:\n${err}`))));
  });
}

/** The value at rank q·(n−1), rounded down, of the sorted values: what Vigil's sketch answers within its relative accuracy. */
function lowerRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("the OpenTelemetry Node SDK with the official OpenAI instrumentation, exporting to Vigil", () => {
  let server: Awaited<ReturnType<typeof inProcessServer>>;
  let upstream: PlannedUpstream;
  let recorder: OtlpRecorder;
  const outcomes = new Map<string, Outcome>();
  const read = { authorization: `Bearer ${READ_KEY}` };
  const metricsOf = async (run: Run): Promise<any> => (await getJson(`${server.url}/api/v1/metrics/models/${run.model}?window=60m`, read)).body.metrics;

  before(async () => {
    server = await inProcessServer({ VIGIL_API_KEYS: `${INGEST_KEY}:ingest,${READ_KEY}:read+admin` });
    upstream = await startPlannedUpstream();
    recorder = await startOtlpRecorder(server.url);
    for (const [i, run] of RUNS.entries()) {
      upstream.plans.set(run.model, planAnswers(2026 + i));
      const priced = await postJson(`${server.url}/api/v1/prices`, { model: run.model, input_per_1m: run.price.input, output_per_1m: run.price.output, effective_from: "2024-01-01" }, read);
      assert.ok(priced.status < 300, JSON.stringify(priced.body));
    }
    const calls = Array.from({ length: CALLS }, (_, i) => ({ stream: i % 3 === 1 }));
    const spans = await Promise.all(
      RUNS.map((run) => runClient({ exporter: run.exporter, endpoint: recorder.url, headers: run.headers, baseURL: upstream.baseUrl, model: run.model, service: run.service, calls, concurrency: 4 })),
    );
    for (const [i, run] of RUNS.entries()) {
      outcomes.set(run.model, {
        served: upstream.served.filter((s) => s.model === run.model),
        spans: spans[i]!,
        exports: recorder.exports.filter((e) => e.headers["content-type"] === run.contentType),
      });
    }
  });

  after(async () => {
    await recorder?.close();
    await upstream?.close();
    await server?.stop();
  });

  for (const run of RUNS) {
    describe(`${run.exporter === "protobuf" ? "OTLP protobuf" : "OTLP JSON with gzip"} exporter (${run.model})`, () => {
      it("exports in that encoding, and Vigil takes every span without a partial success", () => {
        const { exports, spans } = outcomes.get(run.model)!;
        assert.equal(spans.length, CALLS + 1, "the calls' spans and their parent");
        assert.ok(exports.length >= 3, `batches of 16 spans make several exports (${exports.length})`);
        for (const e of exports) {
          assert.equal(e.headers["content-encoding"], run.contentEncoding);
          assert.equal(e.status, 200, e.answer.toString());
          assert.ok(e.answerType.startsWith(run.contentType), e.answerType);
          if (run.contentType === "application/json") {
            assert.doesNotThrow(() => JSON.parse(gunzipSync(e.body).toString("utf8")), "the body is gzip-compressed JSON");
            assert.equal(JSON.parse(e.answer.toString("utf8")).partialSuccess, undefined, e.answer.toString());
          } else {
            assert.equal(e.answer.length, 0, "an empty ExportTraceServiceResponse: nothing refused or kept without counting");
          }
        }
      });

      it("counts each call with the tokens the upstream served and the cost of the price table", async (t) => {
        const { served, spans } = outcomes.get(run.model)!;
        assert.equal(served.length, CALLS);
        const m = await metricsOf(run);
        assert.equal(m.llm_calls, CALLS);
        assert.equal(m.llm_failed_calls, 0);
        const input = sum(served.map((s) => s.promptTokens));
        const output = sum(served.map((s) => s.completionTokens));
        assert.equal(m.llm_input_tokens, input);
        assert.equal(m.llm_output_tokens, output);
        // The instrumentation records input and output tokens but not `prompt_tokens_details.cached_tokens`:
        // the cached part the upstream served never reaches a span, so no call reports one (the figure has no
        // samples) and those tokens are priced as plain input.
        assert.ok(sum(served.map((s) => s.cachedTokens)) > 0);
        assert.ok(spans.every((s) => !Object.keys(s.attributes).some((k) => k.includes("cache"))), "no span carries cached tokens");
        assert.equal(m.llm_cached_input_tokens, null);
        // USD per token in whole nano-dollars (price per 1M × 1000), so the expected sum is exact.
        const nano = input * Math.round(run.price.input * 1000) + output * Math.round(run.price.output * 1000);
        assert.ok(Math.abs(m.llm_cost - nano / 1e9) < 1e-9, `cost ${m.llm_cost} vs ${nano / 1e9}`);
        t.diagnostic(`${m.llm_calls} calls, ${m.llm_input_tokens} input and ${m.llm_output_tokens} output tokens, $${m.llm_cost}`);
        const byService = (await getJson(`${server.url}/api/v1/metrics/services/${run.service}?window=60m`, read)).body.metrics;
        assert.equal(byService.llm_calls, CALLS, "the resource's service.name is the service");
      });

      it("answers the p95 latency the spans measured, which covers the upstream's delays", async (t) => {
        const { served, spans } = outcomes.get(run.model)!;
        const calls = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
        assert.equal(calls.length, CALLS);
        const delayOf = new Map(served.map((s) => [s.id, s.delayMs]));
        for (const s of calls) assert.ok(s.durationMs >= delayOf.get(String(s.attributes["gen_ai.response.id"]))!, `${s.name} lasted its upstream's delay at least`);
        const exact = lowerRank(calls.map((s) => s.durationMs), 0.95);
        const m = await metricsOf(run);
        assert.ok(Math.abs(m.llm_p95_latency_ms - exact) <= exact * 0.005 + 1e-3, `p95 ${m.llm_p95_latency_ms} vs the spans' ${exact}`);
        const delayP95 = lowerRank(served.map((s) => s.delayMs), 0.95);
        t.diagnostic(`p95: Vigil ${m.llm_p95_latency_ms.toFixed(3)} ms, the spans ${exact.toFixed(3)} ms, the upstream's delays ${delayP95} ms`);
        assert.ok(m.llm_p95_latency_ms >= delayP95, "at least the upstream's p95 delay");
      });

      it("shows the trace: every call under its parent with its tokens and duration", async () => {
        const { served, spans } = outcomes.get(run.model)!;
        const parent = spans.find((s) => s.parentSpanId === null)!;
        const r = await getJson(`${server.url}/api/v1/traces/${parent.traceId}`, read);
        assert.equal(r.status, 200);
        const view = r.body;
        assert.equal(view.summary.span_count, CALLS + 1);
        assert.equal(view.summary.events.llm_call, CALLS);
        assert.deepEqual(view.summary.services, [run.service]);
        assert.equal(view.summary.tokens.input, sum(served.map((s) => s.promptTokens)));
        assert.equal(view.summary.tokens.output, sum(served.map((s) => s.completionTokens)));
        assert.equal(view.spans[0].span_id, parent.spanId);
        assert.equal(view.spans[0].children, CALLS);
        const byResponse = new Map(served.map((s) => [s.id, s]));
        const bySpan = new Map(spans.map((s) => [s.spanId, s]));
        for (const v of view.spans.slice(1)) {
          const mine = bySpan.get(v.span_id)!;
          const call = byResponse.get(String(mine.attributes["gen_ai.response.id"]))!;
          assert.equal(v.depth, 1);
          assert.equal(v.parent_span_id, parent.spanId);
          assert.equal(v.event_type, "llm_call");
          assert.equal(v.tokens.input, call.promptTokens);
          assert.equal(v.tokens.output, call.completionTokens);
          assert.ok(Math.abs(v.duration_ms - mine.durationMs) < 1e-3, `${v.duration_ms} vs ${mine.durationMs}`);
        }
      });

      it("counts nothing twice when the same exports arrive again", async () => {
        const { exports } = outcomes.get(run.model)!;
        const before = await metricsOf(run);
        const parent = outcomes.get(run.model)!.spans.find((s) => s.parentSpanId === null)!;
        for (const e of exports) {
          const r = await fetch(`${server.url}/v1/traces`, { method: "POST", headers: e.headers, body: e.body });
          const answer = Buffer.from(await r.arrayBuffer());
          assert.equal(r.status, 200, answer.toString());
          assert.deepEqual(answer, e.answer, "answered as the first time: a success, no partial success");
        }
        const again = await metricsOf(run);
        for (const k of ["llm_calls", "llm_input_tokens", "llm_output_tokens", "llm_cost", "llm_p95_latency_ms"]) assert.equal(again[k], before[k], k);
        assert.equal((await getJson(`${server.url}/api/v1/traces/${parent.traceId}`, read)).body.summary.span_count, CALLS + 1);
      });
    });
  }
});
