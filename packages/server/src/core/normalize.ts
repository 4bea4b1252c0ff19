/**
 * Checks that go beyond the schema (timestamps, metadata size, one-of fields) and the
 * enrichment of an accepted event: default tokens, cost from the price table, cache savings,
 * and — once the referenced run is known — joined dimensions, accuracy and satisfaction.
 */
import { MAX_FUTURE_SKEW_MS, MAX_METADATA_BYTES, type EventType } from "@vigil/contract";
import { scoreAccuracy } from "./accuracy.js";
import type { PriceTable } from "./prices.js";
import { DIMENSIONS, type RunRef, type StoredEvent } from "./stored-event.js";

/** A problem with one field of an event; `path` is a JSON pointer relative to the event. */
export interface FieldProblem {
  path: string;
  message: string;
  code: string;
}

/**
 * Set on a wire event by the request parser: the JSON text its `body` was parsed from, which the
 * store can write as it is while the server leaves the body unchanged.
 */
export const BODY_JSON: unique symbol = Symbol("body JSON text");

/** An event that passed the schema. */
export interface ValidEvent {
  id?: string;
  type: EventType;
  timestamp?: string | number;
  body: Record<string, unknown>;
  [BODY_JSON]?: string;
}

/** Checks one wire event against the schema (implemented by the compiled validator). */
export type EventValidator = (event: unknown, only?: EventType) => { ok: true; event: ValidEvent } | { ok: false; problems: FieldProblem[] };

const ISO_RE = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an event timestamp (ISO-8601 or epoch ms); returns null when it is not one. */
export function parseTimestamp(t: string | number): number | null {
  if (typeof t === "number") return Number.isFinite(t) && t >= 0 ? Math.floor(t) : null;
  const m = ISO_RE.exec(t);
  if (!m) return null;
  // Date.parse rolls impossible dates over (Feb 30 → Mar 2): refuse them instead.
  const [y, mo, d] = [Number(t.slice(0, 4)), Number(t.slice(5, 7)), Number(t.slice(8, 10))];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return null;
  const ms = Date.parse(t);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** Turns a schema-valid event into a stored event, or says what is wrong with it. */
export function prepareEvent(ev: ValidEvent, now: number, newId: () => string): { event: StoredEvent } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  let ts = now;
  if (ev.timestamp !== undefined) {
    const parsed = parseTimestamp(ev.timestamp);
    if (parsed === null) problems.push({ path: "/timestamp", code: "INVALID_TIMESTAMP", message: "timestamp must be an ISO-8601 date-time or epoch milliseconds after 1970" });
    else if (parsed > now + MAX_FUTURE_SKEW_MS) problems.push({ path: "/timestamp", code: "FUTURE_TIMESTAMP", message: `timestamp is ${Math.round((parsed - now) / 1000)} s in the future; at most ${MAX_FUTURE_SKEW_MS / 1000} s is accepted` });
    else ts = parsed;
  }
  const body = ev.body;
  const bad = wellFormed(body, 0) ? null : inspect(body, MAX_DEPTH);
  if (bad !== null) return { problems: [{ path: "/body" + bad.path, ...bad.problem }] };
  // Serialise metadata to measure it only when a cheap upper bound says it could be too large.
  if (body.metadata !== undefined && sizeBound(body.metadata, MAX_METADATA_BYTES) > MAX_METADATA_BYTES) {
    const size = utf8Length(JSON.stringify(body.metadata));
    if (size > MAX_METADATA_BYTES) problems.push({ path: "/body/metadata", code: "METADATA_TOO_LARGE", message: `metadata is ${size} bytes serialised; at most ${MAX_METADATA_BYTES} are accepted` });
  }
  if (ev.type === "outcome" || ev.type === "feedback") {
    if (body.run_id === undefined && body.task_id === undefined) problems.push({ path: "/body", code: "MISSING_REFERENCE", message: `${ev.type} needs run_id or task_id` });
  }
  if (ev.type === "feedback" && body.rating === undefined && body.thumbs === undefined) problems.push({ path: "/body", code: "MISSING_RATING", message: "feedback needs rating (1..5) or thumbs (up|down)" });
  if (ev.type === "run" || ev.type === "llm_call") subsetProblems(body, problems);
  if (problems.length) return { problems };
  // The body is the request's own parsed object: enriched in place, no copy.
  const event: StoredEvent = { id: ev.id ?? newId(), type: ev.type, ts, receivedAt: now, body };
  const text = ev[BODY_JSON];
  if (text !== undefined) {
    // Moved, not shared: the store drops its reference once the text is on its way.
    event.bodyJson = text;
    ev[BODY_JSON] = undefined;
  }
  if (ev.type === "run") {
    if (typeof body.run_id === "string") event.runId = body.run_id;
    if (typeof body.task_id === "string") event.taskId = body.task_id;
  }
  return { event };
}

/**
 * The subset rule (docs/api.md#tokens): cached and cache-write input tokens are parts of
 * `input_tokens`, reasoning tokens part of `output_tokens`, never added on top; a body whose parts
 * exceed their whole is refused, naming the part, rather than priced or counted twice.
 */
function subsetProblems(body: Record<string, unknown>, problems: FieldProblem[]): void {
  const n = (k: string) => (typeof body[k] === "number" ? (body[k] as number) : undefined);
  const input = n("input_tokens");
  const cached = n("cached_input_tokens") ?? 0;
  const written = n("cache_creation_input_tokens") ?? 0;
  if (input !== undefined && cached + written > input) {
    const path = written > 0 && cached <= input ? "/body/cache_creation_input_tokens" : "/body/cached_input_tokens";
    problems.push({ path, code: "TOKENS_NOT_SUBSET", message: `cached_input_tokens (${cached}) and cache_creation_input_tokens (${written}) are parts of input_tokens (${input}) and cannot exceed it: send input_tokens including them` });
  }
  const output = n("output_tokens");
  const reasoning = n("reasoning_tokens");
  if (output !== undefined && reasoning !== undefined && reasoning > output) problems.push({ path: "/body/reasoning_tokens", code: "TOKENS_NOT_SUBSET", message: `reasoning_tokens (${reasoning}) are part of output_tokens (${output}) and cannot exceed it: send output_tokens including them` });
}

/**
 * Fills a run's or LLM call's cost and cache savings (a client's `cost` always wins; `tokens_used`
 * defaults at fold time). A body it changes no longer matches the text it was parsed from.
 */
export function enrichUsage(ev: StoredEvent, prices: PriceTable): void {
  if (addUsage(ev, prices)) ev.bodyJson = undefined;
}

/** The work of `enrichUsage`; whether it changed the body. */
function addUsage(ev: StoredEvent, prices: PriceTable): boolean {
  const b = ev.body;
  const input = typeof b.input_tokens === "number" ? b.input_tokens : undefined;
  const output = typeof b.output_tokens === "number" ? b.output_tokens : undefined;
  if (ev.type !== "run" && ev.type !== "llm_call") return false;
  const model = typeof b.model === "string" ? b.model : undefined;
  const count = (k: string) => (typeof b[k] === "number" ? (b[k] as number) : 0);
  const cachedIn = count("cached_input_tokens");
  // Pricing is only needed for a missing cost or to value what a cache saved.
  const needPrice = b.cost === undefined || (ev.type === "llm_call" && (b.cached === true || cachedIn > 0));
  const priced = model && needPrice ? prices.cost(model, ev.ts, input, output, { cached: cachedIn, cacheWrite: count("cache_creation_input_tokens"), reasoning: count("reasoning_tokens") }) : null;
  let changed = false;
  if (ev.type === "llm_call" && b.cached === true) {
    // A whole answer from a cache cost nothing at the provider: the saving is its list price.
    if (b.cost === undefined) {
      b.cost = 0;
      b.cost_source = "cache";
      changed = true;
    }
    if (priced) {
      b.cost_saved = priced.listCost - (b.cost as number);
      changed = true;
    }
    return changed;
  }
  if (b.cost === undefined && priced) {
    b.cost = priced.cost;
    b.cost_source = "price_table";
    changed = true;
  }
  if (ev.type === "llm_call" && priced && priced.saved > 0) {
    b.cost_saved = priced.saved;
    changed = true;
  }
  return changed;
}

/** Joins an outcome or feedback event to its run and computes accuracy / satisfaction. */
export function completeReference(ev: StoredEvent, run: RunRef | null): FieldProblem | null {
  const b = ev.body;
  // It adds to the body (the run's dimensions, accuracy, satisfaction): the text no longer matches.
  ev.bodyJson = undefined;
  if (run) {
    for (const d of DIMENSIONS) if (b[d] === undefined && run[d] !== undefined) b[d] = run[d];
    b.run_ts = run.ts;
  }
  if (ev.type === "outcome") {
    let predicted = b.predicted_outcome;
    if (predicted === undefined && run && run.prediction !== undefined) {
      predicted = run.prediction;
      b.prediction_source = "run_metadata";
    }
    if (predicted === undefined) {
      return {
        path: "/body/predicted_outcome",
        code: "NO_PREDICTION",
        message: run
          ? "predicted_outcome is missing and the run recorded no metadata.prediction"
          : "predicted_outcome is missing and no run with this run_id/task_id is known to take metadata.prediction from",
      };
    }
    b.accuracy = scoreAccuracy(predicted, b.actual_outcome);
  } else if (ev.type === "feedback") {
    // Satisfaction on 0..1 so that ratings and thumbs combine: rating 1..5 → 0..1, up → 1, down → 0.
    b.satisfaction = typeof b.rating === "number" ? (b.rating - 1) / 4 : b.thumbs === "up" ? 1 : 0;
  }
  return null;
}

/** Deepest nesting accepted inside an event body (metadata and outcomes are free-form JSON). */
export const MAX_DEPTH = 32;

/**
 * An upper bound of the UTF-8 size of `v` serialised as JSON (every character counted as a
 * six-byte escape), stopping early once it passes `limit`.
 */
function sizeBound(v: unknown, limit: number): number {
  if (typeof v === "string") return v.length * 6 + 2;
  if (typeof v !== "object" || v === null) return 24;
  let n = 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && n <= limit; i++) n += sizeBound(v[i], limit) + 1;
  } else {
    for (const k in v) {
      n += k.length * 6 + 4 + sizeBound((v as Record<string, unknown>)[k], limit);
      if (n > limit) break;
    }
  }
  return n;
}

/** Fast check (no paths built) that nothing is nested deeper than MAX_DEPTH and every number is finite. */
function wellFormed(v: unknown, depth: number): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v !== "object" || v === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!wellFormed(v[i], depth + 1)) return false;
    return true;
  }
  for (const k in v) if (!wellFormed((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/**
 * Finds the first value nested deeper than `max` or the first number JSON cannot carry (1e309
 * parses to Infinity, which would be stored as null): both are refused rather than mangled.
 * Iterative, so hostile depth cannot overflow the stack.
 */
function inspect(root: unknown, max: number): { path: string; problem: Omit<FieldProblem, "path"> } | null {
  const stack: [unknown, number, string][] = [[root, 0, ""]];
  while (stack.length) {
    const [v, d, path] = stack.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return { path, problem: { code: "INVALID_FIELD", message: "is a number too large to represent (must be finite)" } };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (d >= max) return { path, problem: { code: "TOO_DEEP", message: `is nested more than ${max} levels deep` } };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, d + 1, `${path}/${i}`]));
    else for (const k of Object.keys(v)) stack.push([(v as Record<string, unknown>)[k], d + 1, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`]);
  }
  return null;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
