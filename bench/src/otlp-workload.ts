/**
 * The otlp-ingest bench's workload: realistic GenAI traces (an `invoke_agent` span over a few
 * `chat` spans and one `execute_tool` span, 15–20 attributes each, a `service.name` resource),
 * written once as OTLP export requests (protobuf and JSON) and once as the Vigil events the same
 * calls make through `POST /api/v1/ingest`. Every trace id ends in a fixed marker; `IdSlots`
 * overwrites the markers with a fresh value before each send, so no batch is ever a duplicate
 * of an earlier one (Vigil stores an exported span once, by its trace and span ids).
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rng } from "./common.js";

/** The 8 bytes that end every template trace id, replaced before each send. */
const MARKER_HEX = "feedfacecafebeef";
const MARKER = Buffer.from(MARKER_HEX, "hex");

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Attr = [key: string, value: string | number | boolean | string[], kind?: "int" | "double"];

const AGENTS = ["support_agent", "planner", "researcher", "coder", "triage"];
const MODELS: [string, string][] = [["gpt-4o-2024-08-06", "openai"], ["gpt-4o-mini-2024-07-18", "openai"], ["claude-3-5-sonnet-20241022", "anthropic"], ["gemini-1.5-pro", "gcp.gemini"]];
const TOOLS = ["search_docs", "get_weather", "run_sql", "send_email"];
const SERVICES = ["support-bot", "research-api", "code-helper"];

/** One span of a generated trace, with what both encodings need. */
interface GenSpan {
  traceHex: string;
  spanHex: string;
  parentHex: string | null;
  name: string;
  startMs: number;
  durMs: number;
  attrs: Attr[];
  /** The Vigil event the same call is, for the native peer. */
  event: { type: "run" | "llm_call" | "tool_call"; body: Record<string, unknown> };
}

function hex(r: () => number, bytes: number): string {
  let s = "";
  for (let i = 0; i < bytes; i++) s += Math.floor(r() * 256).toString(16).padStart(2, "0");
  return s;
}

/** Attributes no field of the event takes, as the event's metadata. */
function metadataOf(attrs: Attr[], taken: Set<string>): Record<string, unknown> {
  return Object.fromEntries(attrs.filter(([k]) => !taken.has(k)).map(([k, v]) => [k, v]));
}

const LLM_TAKEN = new Set(["gen_ai.operation.name", "gen_ai.request.model", "gen_ai.response.model", "gen_ai.provider.name", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.reasoning.output_tokens", "gen_ai.response.time_to_first_chunk", "http.response.status_code", "gen_ai.conversation.id"]);
const RUN_TAKEN = new Set(["gen_ai.operation.name", "gen_ai.agent.name", "gen_ai.request.model", "gen_ai.provider.name", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.conversation.id"]);
const TOOL_TAKEN = new Set(["gen_ai.operation.name", "gen_ai.tool.name", "gen_ai.conversation.id"]);

/** The spans of one trace: the agent span, `chats` chat spans and one tool span. */
function traceSpans(r: () => number, t: number, chats: number, service: string, nowMs: number): GenSpan[] {
  const traceHex = hex(r, 8) + MARKER_HEX;
  const agent = AGENTS[t % AGENTS.length]!;
  const [model, provider] = MODELS[Math.floor(t / AGENTS.length) % MODELS.length]!;
  const session = `conv_${hex(r, 6)}`;
  const rootHex = hex(r, 8);
  const start = nowMs - 60_000 + Math.floor(r() * 30_000);
  const common = { service, session_id: session, trace_id: traceHex, agent_name: agent, run_id: `otel-${traceHex}-${rootHex}` };
  const out: GenSpan[] = [];
  let at = start + 5;
  let inSum = 0;
  let outSum = 0;
  for (let c = 0; c <= chats; c++) {
    const spanHex = hex(r, 8);
    if (c === chats) {
      const tool = TOOLS[(t + c) % TOOLS.length]!;
      const dur = 20 + Math.floor(r() * 400);
      const attrs: Attr[] = [["gen_ai.operation.name", "execute_tool"], ["gen_ai.tool.name", tool], ["gen_ai.tool.call.id", `call_${hex(r, 12)}`], ["gen_ai.tool.type", "function"], ["gen_ai.tool.description", `The ${tool} tool`], ["gen_ai.conversation.id", session], ["gen_ai.agent.name", agent], ["code.function.name", `tools.${tool}`], ["retry.count", 0, "int"], ["tool.result.bytes", 200 + Math.floor(r() * 4000), "int"], ["tool.cache_hit", r() < 0.3], ["deployment.region", r() < 0.5 ? "eu-west-1" : "us-east-1"], ["user.tier", r() < 0.2 ? "pro" : "free"], ["app.feature", "answer"], ["thread.id", 1 + Math.floor(r() * 8), "int"]];
      out.push({ traceHex, spanHex, parentHex: rootHex, name: `execute_tool ${tool}`, startMs: at, durMs: dur, attrs, event: { type: "tool_call", body: { tool, status: "success", duration_ms: dur, ...common, span_id: spanHex, metadata: metadataOf(attrs, TOOL_TAKEN) } } });
      at += dur + 3;
      continue;
    }
    const input = 200 + Math.floor(r() * 3800);
    const output = 20 + Math.floor(r() * 980);
    const cached = Math.floor(input * r() * 0.6);
    const reasoning = Math.floor(output * r() * 0.3);
    const dur = Math.round(300 + r() * 2500);
    const ttft = Math.round(dur * (0.1 + 0.3 * r())) / 1000;
    inSum += input;
    outSum += output;
    const attrs: Attr[] = [["gen_ai.operation.name", "chat"], ["gen_ai.provider.name", provider], ["gen_ai.request.model", model], ["gen_ai.response.model", model], ["gen_ai.response.id", `chatcmpl-${hex(r, 12)}`], ["gen_ai.response.finish_reasons", ["stop"]], ["gen_ai.request.temperature", 0.2, "double"], ["gen_ai.request.max_tokens", 1024, "int"], ["gen_ai.request.top_p", 0.95, "double"], ["gen_ai.usage.input_tokens", input, "int"], ["gen_ai.usage.output_tokens", output, "int"], ["gen_ai.usage.cache_read.input_tokens", cached, "int"], ["gen_ai.usage.reasoning.output_tokens", reasoning, "int"], ["gen_ai.response.time_to_first_chunk", ttft, "double"], ["gen_ai.conversation.id", session], ["server.address", "api.example.com"], ["server.port", 443, "int"], ["http.response.status_code", 200, "int"]];
    const body: Record<string, unknown> = { model, provider, latency_ms: dur, input_tokens: input, output_tokens: output, cached_input_tokens: cached, reasoning_tokens: reasoning, ttft_ms: ttft * 1000, http_status: 200, status: "success", ...common, span_id: spanHex, metadata: metadataOf(attrs, LLM_TAKEN) };
    out.push({ traceHex, spanHex, parentHex: rootHex, name: `chat ${model}`, startMs: at, durMs: dur, attrs, event: { type: "llm_call", body } });
    at += dur + 3;
  }
  const dur = at - start;
  const attrs: Attr[] = [["gen_ai.operation.name", "invoke_agent"], ["gen_ai.agent.name", agent], ["gen_ai.agent.id", `asst_${agent}`], ["gen_ai.agent.description", `The ${agent} agent`], ["gen_ai.provider.name", provider], ["gen_ai.request.model", model], ["gen_ai.conversation.id", session], ["gen_ai.usage.input_tokens", inSum, "int"], ["gen_ai.usage.output_tokens", outSum, "int"], ["user.id", `user_${Math.floor(r() * 5000)}`], ["deployment.region", r() < 0.5 ? "eu-west-1" : "us-east-1"], ["app.feature", "answer"], ["app.request.id", hex(r, 8)], ["http.route", "/v1/answer"], ["enduser.tier", r() < 0.2 ? "pro" : "free"], ["agent.steps", chats + 1, "int"]];
  const runBody = { status: "success", duration_ms: dur, model, input_tokens: inSum, output_tokens: outSum, ...common, span_id: rootHex, metadata: metadataOf(attrs, RUN_TAKEN) };
  out.unshift({ traceHex, spanHex: rootHex, parentHex: null, name: `invoke_agent ${agent}`, startMs: start, durMs: dur, attrs, event: { type: "run", body: runBody } });
  return out;
}

/** `batches` batches of exactly `batchSize` spans (whole traces of 4–6 spans, the last one of a batch shortened to fit), per service. */
export function genBatches(batches: number, batchSize: number, seed = 11, nowMs = Date.now()): GenSpan[][] {
  const r = rng(seed);
  const out: GenSpan[][] = [];
  let t = 0;
  for (let b = 0; b < batches; b++) {
    const spans: GenSpan[] = [];
    while (spans.length < batchSize) {
      const left = batchSize - spans.length;
      const chats = left <= 8 ? left - 2 : 2 + (t % 3);
      spans.push(...traceSpans(r, t, chats, SERVICES[t % SERVICES.length]!, nowMs));
      t++;
    }
    out.push(spans);
  }
  return out;
}

function anyValue(v: Attr[1], kind?: "int" | "double"): Json {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => ({ stringValue: x })) } };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return kind === "double" ? { doubleValue: v } : { intValue: String(v) };
  return { stringValue: v };
}

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

/** The ExportTraceServiceRequest of a batch in OTLP's JSON form (one resource per service). */
export function otlpJsonRequest(spans: GenSpan[]): Json {
  const byService = new Map<string, GenSpan[]>();
  for (const s of spans) {
    const svc = (s.event.body.service as string);
    byService.set(svc, [...(byService.get(svc) ?? []), s]);
  }
  return {
    resourceSpans: [...byService].map(([svc, list]) => ({
      resource: { attributes: [["service.name", svc], ["service.version", "1.4.2"], ["telemetry.sdk.name", "opentelemetry"], ["telemetry.sdk.language", "nodejs"], ["telemetry.sdk.version", "1.30.0"], ["deployment.environment.name", "production"], ["host.name", "web-7f9c"]].map(([k, v]) => ({ key: k!, value: { stringValue: v! } })) },
      scopeSpans: [{
        scope: { name: "@opentelemetry/instrumentation-openai", version: "0.21.0" },
        spans: list.map((s) => ({
          traceId: s.traceHex,
          spanId: s.spanHex,
          ...(s.parentHex ? { parentSpanId: s.parentHex } : {}),
          name: s.name,
          kind: s.event.type === "llm_call" ? 3 : 1,
          startTimeUnixNano: nanos(s.startMs),
          endTimeUnixNano: nanos(s.startMs + s.durMs),
          attributes: s.attrs.map(([k, v, kind]) => ({ key: k, value: anyValue(v, kind) })),
          status: { code: 1 },
        })),
      }],
    })),
  };
}

/** The same batch as Vigil events for `POST /api/v1/ingest` (each with its span's id and start). */
export function nativeRequest(spans: GenSpan[]): Json {
  return { events: spans.map((s) => ({ id: `otel-${s.traceHex}-${s.spanHex}`, type: s.event.type, timestamp: s.startMs, body: s.event.body as Json })) };
}

/** Minimal view of the server's protobufjs message type. */
interface ProtoType {
  fromObject(o: Record<string, unknown>): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown): Record<string, unknown>;
}

/** The server's OTLP trace request and response types (its built `otlp/proto.js`). */
export async function traceTypes(): Promise<{ request: ProtoType; response: ProtoType }> {
  const file = join(fileURLToPath(new URL("../../packages/server/dist", import.meta.url)), "otlp/proto.js");
  const mod = (await import(pathToFileURL(file).href)) as { otlpTypes(): { traceRequest: ProtoType; traceResponse: ProtoType } };
  const t = mod.otlpTypes();
  return { request: t.traceRequest, response: t.traceResponse };
}

function idsToBytes(v: Json): unknown {
  if (Array.isArray(v)) return v.map(idsToBytes);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (k === "traceId" || k === "spanId" || k === "parentSpanId") && typeof x === "string" ? Buffer.from(x, "hex") : idsToBytes(x)]));
}

/** Encodes a request in OTLP's JSON form as protobuf. */
export function toProtobuf(type: ProtoType, request: Json): Buffer {
  return Buffer.from(type.encode(type.fromObject(idsToBytes(request) as Record<string, unknown>)).finish());
}

/**
 * A request body whose trace ids' marker bytes are overwritten before each send: `next()` gives a
 * copy in which every trace id ends in a value no earlier send used.
 */
export class IdSlots {
  private readonly offsets: number[] = [];
  private readonly hexForm: boolean;

  /** `body` is binary (protobuf: the marker's bytes) or text (JSON: the marker's hex digits). */
  constructor(private readonly body: Buffer, form: "binary" | "hex") {
    this.hexForm = form === "hex";
    const needle = this.hexForm ? Buffer.from(MARKER_HEX) : MARKER;
    for (let i = body.indexOf(needle); i >= 0; i = body.indexOf(needle, i + needle.length)) this.offsets.push(i);
    if (this.offsets.length === 0) throw new Error("no trace id marker in the body");
  }

  /** How many places the marker was found in. */
  get slots(): number {
    return this.offsets.length;
  }

  /** A copy with `stamp` (unique per send) in place of every marker. */
  next(stamp: bigint): Buffer {
    const out = Buffer.from(this.body);
    const v = Buffer.alloc(8);
    v.writeBigUInt64BE(stamp);
    const w = this.hexForm ? Buffer.from(v.toString("hex")) : v;
    for (const o of this.offsets) w.copy(out, o);
    return out;
  }
}
