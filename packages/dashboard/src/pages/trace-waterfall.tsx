/**
 * The waterfall of a trace (`#/traces/<id>`): one table row per span in the API's depth-first
 * order, indented by depth, with a bar from its offset for its duration on the trace's time axis,
 * coloured by the Vigil event it became and marked when it failed. Each row opens (button, Enter
 * or Space) onto the span's ids, timings, attributes and events.
 */
import type { TraceAttributeValue, TraceEventType, TraceSpan, TraceTokens, TraceView } from "@vigil/contract";
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { ms, num, usd, when } from "../format.js";
import { href } from "../router.js";

/** What each kind of span is called in the legend and the Event column. */
export const EVENT_LABELS: Record<TraceEventType | "other", string> = { run: "agent run", llm_call: "LLM call", tool_call: "tool call", retrieval: "retrieval", other: "other span" };

/** The first of `names` the attributes hold as a non-empty string. */
function attr(a: Record<string, TraceAttributeValue>, names: string[]): string | null {
  for (const n of names) {
    const v = a[n];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}

/** Milliseconds to the microsecond, shorter than `ms` for sub-millisecond spans: "0.25 ms", "843 ms", "12.4 s". */
export function duration(v: number): string {
  return v < 10 && v !== Math.round(v) ? `${v.toLocaleString("en-US", { maximumFractionDigits: 2 })} ms` : ms(v);
}

/** "1,500 in (1,024 cached) · 220 out": a model call's tokens, cache reads and writes and reasoning as the parts they are. */
export function tokenWords(t: TraceTokens): string {
  const inParts = [t.cache_read_input ? `${num(t.cache_read_input)} cached` : "", t.cache_creation_input ? `${num(t.cache_creation_input)} cache write` : ""].filter(Boolean).join(", ");
  const outPart = t.reasoning_output ? ` (${num(t.reasoning_output)} reasoning)` : "";
  return `${num(t.input)} in${inParts ? ` (${inParts})` : ""} · ${num(t.output)} out${outPart}`;
}

/** "$0.000216", "$0.0123", "$1.25": a span's cost to three significant digits under a cent (one call costs fractions of one), as `usd` above. */
export function costWords(v: number): string {
  return Math.abs(v) >= 0.01 || v === 0 ? usd(v) : `$${Number(v.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 12 })}`;
}

/**
 * The event a span became, linked to the page that shows it: an agent run to its agent's page
 * (`gen_ai.agent.name`, else the span's name, as the receiver names the run), an LLM call to its
 * model's page; tool calls and retrievals have no page of their own.
 */
function EventCell({ s }: { s: TraceSpan }) {
  const a = s.attributes;
  if (s.event_type === "run") {
    const agent = attr(a, ["gen_ai.agent.name"]) ?? s.name;
    return <>agent run · <a href={href(["agents", agent])}>{agent}</a></>;
  }
  if (s.event_type === "llm_call") {
    const model = attr(a, ["gen_ai.response.model", "gen_ai.request.model", "ai.response.model", "ai.model.id"]);
    return model ? <>LLM call · <a href={href(["models", model])}>{model}</a></> : <>LLM call</>;
  }
  if (s.event_type === "tool_call") {
    const tool = attr(a, ["gen_ai.tool.name", "ai.toolCall.name"]);
    return <>tool call{tool ? ` · ${tool}` : ""}</>;
  }
  if (s.event_type === "retrieval") {
    const source = attr(a, ["gen_ai.data_source.id", "db.system.name", "db.system"]);
    return <>retrieval{source ? ` · ${source}` : ""}</>;
  }
  return <span class="muted">—</span>;
}

/** An attribute value as text: strings as they are, anything else as JSON. */
const valueText = (v: TraceAttributeValue) => (typeof v === "string" ? v : JSON.stringify(v));

/** The opened part of a row: the span's ids and timings, then its attributes and events. */
function SpanDetail({ s }: { s: TraceSpan }) {
  const attrs = Object.entries(s.attributes);
  return (
    <div class="span-detail-body">
      <dl class="kv span-facts">
        <dt>Span id</dt>
        <dd><code>{s.span_id}</code></dd>
        <dt>Parent</dt>
        <dd>{s.parent_span_id ? <code>{s.parent_span_id}</code> : "none (root)"}{s.orphan && s.parent_span_id ? " — not in this trace (not sent, not kept, or past the span limit)" : ""}</dd>
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Start · end</dt>
        <dd>{when(s.start)} · {when(s.end)} (+{duration(s.offset_ms)} into the trace)</dd>
        {s.event_id ? (<><dt>Vigil event</dt><dd><code>{s.event_id}</code></dd></>) : null}
        {s.session_id ? (<><dt>Session</dt><dd><code>{s.session_id}</code></dd></>) : null}
        {s.status_message ? (<><dt>Status</dt><dd>{s.status}: {s.status_message}</dd></>) : null}
      </dl>
      <h3>Attributes ({attrs.length})</h3>
      {attrs.length ? (
        <dl class="kv span-attributes" data-testid="span-attributes">
          {attrs.map(([k, v]) => (
            <Fragment key={k}>
              <dt><code>{k}</code></dt>
              <dd data-attribute={k}>{valueText(v)}</dd>
            </Fragment>
          ))}
        </dl>
      ) : (
        <p class="muted">None.</p>
      )}
      {s.events.length ? (
        <>
          <h3>Events ({s.events.length})</h3>
          <ul class="span-events">
            {s.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> at +{duration(e.offset_ms)}
                {Object.keys(e.attributes).length ? <span class="muted"> {Object.entries(e.attributes).map(([k, v]) => `${k}=${valueText(v)}`).join(", ")}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/** The time axis over the timeline column: 0, half and the whole trace. */
function Axis({ total }: { total: number }) {
  return (
    <span class="trace-axis" aria-hidden="true">
      {[0, 0.5, 1].map((f) => (
        <span key={f} class="trace-tick" style={{ left: `${f * 100}%` }}>
          {duration(total >= 10 ? Math.round(total * f) : Math.round(total * f * 1000) / 1000)}
        </span>
      ))}
    </span>
  );
}

/** One span's row and, when opened, the row of its detail. */
function SpanRow({ s, total, open, toggle }: { s: TraceSpan; total: number; open: boolean; toggle: () => void }) {
  const kind = s.event_type ?? "other";
  const left = (s.offset_ms / total) * 100;
  const width = (s.duration_ms / total) * 100;
  const detailId = `span-detail-${s.span_id}`;
  return (
    <>
      <tr
        class={`span-row span-${kind}${s.status === "error" ? " span-error" : ""}`}
        data-testid="span-row"
        data-span-id={s.span_id}
        data-depth={s.depth}
        data-offset-ms={s.offset_ms}
        data-duration-ms={s.duration_ms}
        data-event-type={s.event_type ?? ""}
        data-status={s.status}
        data-tokens-input={s.tokens?.input}
        data-tokens-output={s.tokens?.output}
        data-tokens-cached={s.tokens?.cache_read_input}
        data-cost={s.cost ?? undefined}
      >
        <th scope="row" class="span-name" style={{ paddingLeft: `${0.5 + Math.min(s.depth, 24) * 1.1}rem` }}>
          <button type="button" class="span-toggle" aria-expanded={open} aria-controls={detailId} onClick={toggle}>
            <span aria-hidden="true" class="span-caret">{open ? "▾" : "▸"}</span>
            <span class="span-label">{s.name}</span>
            <span class="sr-only">, depth {s.depth}{s.orphan ? ", parent not in this trace" : ""}</span>
          </button>
        </th>
        <td class="span-timeline">
          <span class="trace-track">
            <span class="trace-bar" style={{ left: `${left}%`, width: `${width}%` }} title={`${s.name}: +${duration(s.offset_ms)}, ${duration(s.duration_ms)}`} />
          </span>
        </td>
        <td class="num">{duration(s.duration_ms)}</td>
        <td>{s.service ?? <span class="muted">—</span>}</td>
        <td class="span-event"><EventCell s={s} /></td>
        <td class="num span-tokens">{s.tokens ? tokenWords(s.tokens) : <span class="muted">—</span>}</td>
        <td class="num span-cost">{s.cost !== null ? costWords(s.cost) : <span class="muted">—</span>}</td>
        <td class="span-status">
          {s.status === "error" ? (
            <>
              <span class="badge badge-bad">error</span> {s.status_message}
            </>
          ) : s.status === "ok" ? (
            "ok"
          ) : (
            <span class="muted">—</span>
          )}
        </td>
      </tr>
      {open ? (
        <tr class="span-detail" id={detailId} data-testid="span-detail" data-span-id={s.span_id}>
          <td colSpan={8}>
            <SpanDetail s={s} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The legend of the bar colours. */
export function WaterfallLegend() {
  return (
    <ul class="trace-legend" aria-label="Bar colours">
      {(Object.keys(EVENT_LABELS) as (keyof typeof EVENT_LABELS)[]).map((k) => (
        <li key={k} class={`span-${k}`}>
          <span class="trace-swatch" aria-hidden="true" /> {EVENT_LABELS[k]}
        </li>
      ))}
      <li class="span-error">
        <span class="trace-swatch" aria-hidden="true" /> failed (status error)
      </li>
    </ul>
  );
}

/** Rows drawn at first, and added by "Show more": a browser lays out a few hundred table rows at once, not thousands. */
export const ROWS_AT_ONCE = 500;

/** The waterfall table of a trace, its first ROWS_AT_ONCE rows then more on demand; rows stay open across refreshes (by span id). */
export function Waterfall({ view }: { view: TraceView }) {
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const [limit, setLimit] = useState(ROWS_AT_ONCE);
  const spans = view.spans.length > limit ? view.spans.slice(0, limit) : view.spans;
  const left = view.spans.length - spans.length;
  // A trace of one instant still draws its bars (as thin marks at 0).
  const total = Math.max(view.summary.duration_ms, 0.001);
  const toggle = (id: string) =>
    setOpened((o) => {
      const n = new Set(o);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return (
    <div class="table-wrap trace-waterfall" data-testid="trace-waterfall">
      <table>
        <caption class="sr-only">Spans of trace {view.trace_id}, depth first, each with its start and duration on the trace's time axis</caption>
        <thead>
          <tr>
            <th scope="col">Span</th>
            <th scope="col" class="span-timeline">
              <span class="sr-only">Timeline, 0 to {duration(view.summary.duration_ms)}</span>
              <Axis total={view.summary.duration_ms} />
            </th>
            <th scope="col" class="num">Duration</th>
            <th scope="col">Service</th>
            <th scope="col">Became</th>
            <th scope="col" class="num">Tokens</th>
            <th scope="col" class="num">Cost</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {spans.map((s) => (
            <SpanRow key={s.span_id} s={s} total={total} open={opened.has(s.span_id)} toggle={() => toggle(s.span_id)} />
          ))}
        </tbody>
      </table>
      {left > 0 ? (
        <p class="trace-more" data-testid="trace-more">
          The first {num(spans.length)} of {num(view.spans.length)} spans are shown.{" "}
          <button type="button" class="secondary" onClick={() => setLimit((l) => l + ROWS_AT_ONCE)}>
            Show {num(Math.min(left, ROWS_AT_ONCE))} more
          </button>{" "}
          <button type="button" class="link" onClick={() => setLimit(Infinity)}>
            Show all (slow: {num(view.spans.length)} rows)
          </button>
        </p>
      ) : null}
    </div>
  );
}
