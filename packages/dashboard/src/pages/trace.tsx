/**
 * Traces: one trace's waterfall with its summary (`#/traces/<trace id>`, from
 * `GET /api/v1/traces/:trace_id`), and `#/traces`, where a trace is opened by its id (Vigil has no
 * list of traces: a run's or call's `trace_id`, or the one an application logs, leads here).
 */
import type { TraceView } from "@vigil/contract";
import { useState } from "preact/hooks";
import { ApiError, get } from "../api.js";
import { Freshness, PageTitle } from "../components/layout.js";
import { ErrorBox, Loading } from "../components/states.js";
import { num, when } from "../format.js";
import { usePoll } from "../poll.js";
import { href, navigate } from "../router.js";
import { costWords, duration, EVENT_LABELS, tokenWords, Waterfall, WaterfallLegend } from "./trace-waterfall.js";
import "./trace.css";

/** A trace id as the API takes it: 32 hexadecimal digits. */
const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** The form that opens a trace by its id. */
function OpenTrace({ initial = "" }: { initial?: string }) {
  const [id, setId] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      class="open-trace"
      data-testid="open-trace"
      onSubmit={(e) => {
        e.preventDefault();
        const given = id.trim();
        if (!TRACE_ID.test(given)) setProblem("A trace id is 32 hexadecimal digits, as OpenTelemetry writes it (4bf92f3577b34da6a3ce929d0e0e4736).");
        else navigate(href(["traces", given.toLowerCase()]));
      }}
    >
      <label>
        Trace id
        <input
          type="text"
          name="trace_id"
          value={id}
          onInput={(e) => setId((e.target as HTMLInputElement).value)}
          spellcheck={false}
          autoComplete="off"
          placeholder="32 hexadecimal digits"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? "open-trace-problem" : undefined}
          required
        />
      </label>
      <button type="submit">Open</button>
      {problem ? (
        <p class="error" id="open-trace-problem" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

/** `#/traces`: opening a trace by its id, and where trace ids come from. */
export function TracesPage() {
  return (
    <>
      <PageTitle title="Traces" sub="The spans OpenTelemetry sent Vigil, as a waterfall" />
      <section class="card traces-intro">
        <OpenTrace />
        <p class="muted">
          Vigil keeps every span sent to <code>/v1/traces</code> as long as raw events. It has no list of traces to browse yet: open one by the <code>trace_id</code> of a run or LLM call, or the one your application logs
          (<code>span.spanContext().traceId</code>).
        </p>
      </section>
    </>
  );
}

/** The trace's figures above the waterfall. */
function Summary({ view }: { view: TraceView }) {
  const s = view.summary;
  const kinds = (Object.keys(s.events) as (keyof typeof s.events)[]).filter((k) => s.events[k] > 0);
  const items: [string, string, string][] = [
    ["start", "Started", when(s.start)],
    ["duration", "Duration", duration(s.duration_ms)],
    ["spans", "Spans", num(s.span_count)],
    ["errors", "Errors", num(s.error_count)],
    ["services", s.services.length === 1 ? "Service" : "Services", s.services.length ? s.services.join(", ") : "—"],
    ["events", "Became", kinds.length ? kinds.map((k) => `${num(s.events[k])} ${EVENT_LABELS[k]}${s.events[k] === 1 ? "" : "s"}`).join(", ") : "no Vigil event"],
    ["tokens", "Tokens", s.events.llm_call ? tokenWords(s.tokens) : "—"],
    ["cost", "Cost of its LLM calls", s.cost !== null ? costWords(s.cost) : "—"],
  ];
  return (
    <dl class="trace-summary" data-testid="trace-summary">
      {items.map(([key, label, text]) => (
        <div key={key} data-summary={key} class={key === "errors" && s.error_count > 0 ? "trace-has-errors" : undefined}>
          <dt>{label}</dt>
          <dd>{text}</dd>
        </div>
      ))}
    </dl>
  );
}

/** `#/traces/<id>`: the trace's summary and waterfall, refreshed every 5 s (spans arrive as they end). */
export function TracePage({ id }: { id: string }) {
  const valid = TRACE_ID.test(id);
  const polled = usePoll(() => (valid ? get<TraceView>(`traces/${encodeURIComponent(id)}`) : Promise.resolve(undefined)), [id]);
  const title = <PageTitle title="Trace" sub={<><code class="trace-id">{id}</code>{valid ? <> · <Freshness at={polled.updatedAt} /></> : null}</>} />;
  if (!valid)
    return (
      <>
        {title}
        <p data-testid="trace-missing">&ldquo;{id}&rdquo; is not a trace id: a trace id is 32 hexadecimal digits.</p>
        <OpenTrace />
      </>
    );
  const { data, error, loading, refresh } = polled;
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <>
      {title}
      {missing ? (
        <div data-testid="trace-missing">
          <p>Vigil has no spans for this trace: none were received, or they are older than the raw-event retention. Spans appear here once their exporter has sent them.</p>
          <OpenTrace />
        </div>
      ) : error ? (
        <ErrorBox error={error} retry={refresh} stale={data !== undefined} />
      ) : null}
      {data === undefined ? (
        loading ? <Loading what="the trace" /> : null
      ) : missing ? null : (
        <div data-testid="trace" data-trace-id={data.trace_id}>
          <Summary view={data} />
          {data.truncated ? (
            <p class="notice" data-testid="trace-truncated">
              This trace has more than {num(data.span_limit)} spans: only its {num(data.spans.length)} earliest-starting ones are shown.
            </p>
          ) : null}
          <WaterfallLegend />
          <Waterfall view={data} />
          <p class="muted trace-note">Open a span to see its attributes and events. Bars share the trace's time axis; the API has the same figures: <code>GET /api/v1/traces/{data.trace_id}</code>.</p>
        </div>
      )}
    </>
  );
}
