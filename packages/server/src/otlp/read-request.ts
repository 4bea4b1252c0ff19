/**
 * An OTLP export request (protobuf or JSON, as wire.ts describes it) read into Vigil's one shape
 * (core/otlp/model.ts): each span, data point and log record is read whole or refused with a
 * problem naming where it is (`resourceSpans/0/scopeSpans/0/spans/3`) and why.
 */
import type { Attributes, Decoded, HistogramPoint, NumberPoint, OtlpLogRecord, OtlpMetric, OtlpProblem, OtlpScope, OtlpSpan, OtlpSpanEvent, Temporality } from "../core/otlp/model.js";
import { SPAN_KINDS } from "../core/otlp/model.js";
import { Refusal, attributes, hexId, scope, text, timeMs, toNumber, value } from "./values.js";
import type { WHistogramPoint, WLogRecord, WLogsRequest, WMetric, WMetricsRequest, WNumberPoint, WResource, WScope, WSpan, WTraceRequest } from "./wire.js";

const STATUS_CODES = ["unset", "ok", "error"] as const;
const TEMPORALITIES: Temporality[] = ["unspecified", "delta", "cumulative"];
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point only says the stream stopped (no value to fold). */
const NO_RECORDED_VALUE = 1;

/** Runs `read`; a refusal becomes a problem (counting `rejected` items) and `undefined`. */
function attempt<T>(problems: OtlpProblem[], path: string, rejected: number, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    if (rejected > 0) problems.push(rejected === 1 ? { path, message: err.message } : { path, message: err.message, rejected });
    return undefined;
  }
}

/** Walks resource → scope → item lists, reading the resource and scope once for all their items. */
function walk<R extends { resource?: WResource | null }, G, I, T>(
  out: Decoded<T>,
  resources: readonly R[] | undefined,
  names: [string, string, string],
  groupsOf: (r: R) => readonly G[] | undefined,
  scopeOf: (g: G) => WScope | null | undefined,
  itemsOf: (g: G) => readonly I[] | undefined,
  readItem: (item: I, resource: Attributes, scope: OtlpScope, path: string) => void,
  weight: (item: I) => number = () => 1,
): Decoded<T> {
  const count = (groups: readonly G[]): number => groups.reduce((n, g) => (itemsOf(g) ?? []).reduce((m, it) => m + weight(it), n), 0);
  (resources ?? []).forEach((res, r) => {
    const rPath = `${names[0]}/${r}`;
    const groups = groupsOf(res) ?? [];
    const resource = attempt(out.problems, `${rPath}/resource`, count(groups), () => attributes(res.resource?.attributes, "resource attributes"));
    if (resource === undefined) return;
    groups.forEach((g, s) => {
      const sPath = `${rPath}/${names[1]}/${s}`;
      const sc = attempt(out.problems, `${sPath}/scope`, count([g]), () => scope(scopeOf(g)));
      if (sc === undefined) return;
      (itemsOf(g) ?? []).forEach((item, i) => readItem(item, resource, sc, `${sPath}/${names[2]}/${i}`));
    });
  });
  return out;
}

/** Reads an ExportTraceServiceRequest. */
export function readTraces(req: WTraceRequest): Decoded<OtlpSpan> {
  const out: Decoded<OtlpSpan> = { items: [], problems: [] };
  return walk(
    out,
    req.resourceSpans,
    ["resourceSpans", "scopeSpans", "spans"],
    (r) => r.scopeSpans,
    (g) => g.scope,
    (g) => g.spans,
    (sp, resource, sc, path) => {
      const span = attempt(out.problems, path, 1, () => readSpan(sp, resource, sc));
      if (span) out.items.push(span);
    },
  );
}

function readSpan(sp: WSpan, resource: Attributes, sc: OtlpScope): OtlpSpan {
  const events: OtlpSpanEvent[] = (sp.events ?? []).map((e, i) => ({
    name: text(e.name, `event ${i}: the name`),
    timeMs: timeMs(e.timeUnixNano),
    attributes: attributes(e.attributes, `event ${i} attributes`),
  }));
  const code = sp.status?.code ?? 0;
  return {
    traceId: hexId(sp.traceId, 16, "the trace id", false)!,
    spanId: hexId(sp.spanId, 8, "the span id", false)!,
    parentSpanId: hexId(sp.parentSpanId, 8, "the parent span id", true),
    name: text(sp.name, "the span name"),
    kind: SPAN_KINDS[sp.kind ?? 0] ?? "unspecified",
    startMs: timeMs(sp.startTimeUnixNano),
    endMs: timeMs(sp.endTimeUnixNano),
    attributes: attributes(sp.attributes),
    events,
    status: { code: STATUS_CODES[code] ?? "unset", message: text(sp.status?.message, "the status message") },
    resource,
    scope: sc,
  };
}

/** Reads an ExportMetricsServiceRequest: a refused data point leaves its metric's other points. */
export function readMetrics(req: WMetricsRequest): Decoded<OtlpMetric> {
  const out: Decoded<OtlpMetric> = { items: [], problems: [] };
  return walk(
    out,
    req.resourceMetrics,
    ["resourceMetrics", "scopeMetrics", "metrics"],
    (r) => r.scopeMetrics,
    (g) => g.scope,
    (g) => g.metrics,
    (m, resource, sc, path) => {
      const metric = attempt(out.problems, path, pointCount(m), () => readMetric(m, resource, sc, path, out.problems));
      if (metric) out.items.push(metric);
    },
    pointCount,
  );
}

function pointCount(m: WMetric): number {
  return (m.gauge?.dataPoints ?? m.sum?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? []).length;
}

function readMetric(m: WMetric, resource: Attributes, sc: OtlpScope, path: string, problems: OtlpProblem[]): OtlpMetric | undefined {
  const head = { name: text(m.name, "the metric name"), description: text(m.description, "the description"), unit: text(m.unit, "the unit"), resource, scope: sc };
  const temporality = (t: number | undefined): Temporality => TEMPORALITIES[t ?? 0] ?? "unspecified";
  let metric: OtlpMetric;
  switch (m.data) {
    case "gauge":
      metric = { ...head, type: "gauge", points: numberPoints(m.gauge?.dataPoints, `${path}/gauge`, problems) };
      break;
    case "sum":
      metric = { ...head, type: "sum", temporality: temporality(m.sum?.aggregationTemporality), monotonic: m.sum?.isMonotonic === true, points: numberPoints(m.sum?.dataPoints, `${path}/sum`, problems) };
      break;
    case "histogram":
      metric = { ...head, type: "histogram", temporality: temporality(m.histogram?.aggregationTemporality), points: histogramPoints(m.histogram?.dataPoints, `${path}/histogram`, problems) };
      break;
    case "exponentialHistogram":
      return { ...head, type: "unsupported", kind: "exponential_histogram", points: [] };
    case "summary":
      return { ...head, type: "unsupported", kind: "summary", points: [] };
    default:
      return { ...head, type: "unsupported", kind: "empty", points: [] };
  }
  // A metric all of whose points were refused says nothing more: it is left out.
  return metric.points.length === 0 && pointCount(m) > 0 ? undefined : metric;
}

function numberPoints(points: readonly WNumberPoint[] | undefined, path: string, problems: OtlpProblem[]): NumberPoint[] {
  const out: NumberPoint[] = [];
  (points ?? []).forEach((p, i) => {
    if (((p.flags ?? 0) & NO_RECORDED_VALUE) !== 0) return;
    const point = attempt(problems, `${path}/dataPoints/${i}`, 1, (): NumberPoint => {
      let value: number;
      if (p.value === "asDouble") value = p.asDouble ?? 0;
      else if (p.value === "asInt") value = toNumber(p.asInt);
      else throw new Refusal("the data point has no value");
      if (!Number.isFinite(value)) throw new Refusal(`the value ${value} is not a finite number`);
      return { attributes: attributes(p.attributes), startMs: timeMs(p.startTimeUnixNano), timeMs: timeMs(p.timeUnixNano), value };
    });
    if (point) out.push(point);
  });
  return out;
}

function optionalFinite(p: WHistogramPoint, key: "sum" | "min" | "max"): number | null {
  if (!Object.hasOwn(p, key)) return null;
  const v = p[key] ?? 0;
  if (!Number.isFinite(v)) throw new Refusal(`the ${key} ${v} is not a finite number`);
  return v;
}

function histogramPoints(points: readonly WHistogramPoint[] | undefined, path: string, problems: OtlpProblem[]): HistogramPoint[] {
  const out: HistogramPoint[] = [];
  (points ?? []).forEach((p, i) => {
    if (((p.flags ?? 0) & NO_RECORDED_VALUE) !== 0) return;
    const point = attempt(problems, `${path}/dataPoints/${i}`, 1, (): HistogramPoint => {
      const bucketCounts = (p.bucketCounts ?? []).map((c) => toNumber(c));
      const explicitBounds = [...(p.explicitBounds ?? [])];
      if (bucketCounts.length > 0 && bucketCounts.length !== explicitBounds.length + 1)
        throw new Refusal(`${bucketCounts.length} bucket counts for ${explicitBounds.length} bounds: there must be one more count than bounds`);
      if (explicitBounds.some((b, j) => !Number.isFinite(b) || (j > 0 && b <= explicitBounds[j - 1]!))) throw new Refusal("the bucket bounds are not finite and increasing");
      return {
        attributes: attributes(p.attributes),
        startMs: timeMs(p.startTimeUnixNano),
        timeMs: timeMs(p.timeUnixNano),
        count: toNumber(p.count),
        sum: optionalFinite(p, "sum"),
        min: optionalFinite(p, "min"),
        max: optionalFinite(p, "max"),
        bucketCounts,
        explicitBounds,
      };
    });
    if (point) out.push(point);
  });
  return out;
}

/** Reads an ExportLogsServiceRequest. */
export function readLogs(req: WLogsRequest): Decoded<OtlpLogRecord> {
  const out: Decoded<OtlpLogRecord> = { items: [], problems: [] };
  return walk(
    out,
    req.resourceLogs,
    ["resourceLogs", "scopeLogs", "logRecords"],
    (r) => r.scopeLogs,
    (g) => g.scope,
    (g) => g.logRecords,
    (lr, resource, sc, path) => {
      const record = attempt(out.problems, path, 1, () => readLogRecord(lr, resource, sc));
      if (record) out.items.push(record);
    },
  );
}

function readLogRecord(lr: WLogRecord, resource: Attributes, sc: OtlpScope): OtlpLogRecord {
  return {
    timeMs: timeMs(lr.timeUnixNano),
    observedTimeMs: timeMs(lr.observedTimeUnixNano),
    severityNumber: lr.severityNumber ?? 0,
    severityText: text(lr.severityText, "the severity text"),
    body: value(lr.body, "the body"),
    attributes: attributes(lr.attributes),
    eventName: text(lr.eventName, "the event name"),
    traceId: hexId(lr.traceId, 16, "the trace id", true),
    spanId: hexId(lr.spanId, 8, "the span id", true),
    resource,
    scope: sc,
  };
}
