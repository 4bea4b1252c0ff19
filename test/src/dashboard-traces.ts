/**
 * The trace view (`#/traces/<id>`) on the fixture's OpenTelemetry trace (sendTrace: an agent span,
 * two model calls of which one failed, a tool call from another service): the waterfall is what
 * `GET /api/v1/traces/:trace_id` answers — span order, depth, offsets, durations, bars on one time
 * axis, tokens, costs, events and error marks — its rows open from the keyboard onto the span's
 * attributes, it fits a 390 px screen, `#/traces` opens a trace by its id, and a trace with no
 * stored span is said so in a sentence. Registered inside the "dashboard in Chromium" suite of
 * dashboard-browser.test.ts (one server).
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import type { TraceSpan, TraceView } from "@vigil/contract";
import type { Page } from "playwright-core";
import { screenshot, watchedPage } from "./browser.js";
import { ADMIN, api, fixture, open, signIn, TRACE_AGENT, TRACE_ID, TRACE_MODEL } from "./dashboard-fixture.js";

/** What a row of the waterfall says of its span, read from the page. */
interface ShownRow {
  id: string;
  depth: number;
  offset: number;
  duration: number;
  event: string;
  status: string;
  tokens: (number | null)[];
  cost: number | null;
  indent: number;
  bar: { left: number; width: number };
  track: { left: number; width: number };
  text: string;
  links: string[];
}

/** Every row of the waterfall on `page`, in order. */
function readRows(page: Page): Promise<ShownRow[]> {
  return page.$$eval('[data-testid="span-row"]', (rows) =>
    rows.map((tr) => {
      const n = (name: string) => (tr.hasAttribute(name) ? Number(tr.getAttribute(name)) : null);
      const box = (sel: string) => {
        const r = tr.querySelector(sel)!.getBoundingClientRect();
        return { left: r.left, width: r.width };
      };
      return {
        id: tr.getAttribute("data-span-id")!,
        depth: n("data-depth")!,
        offset: n("data-offset-ms")!,
        duration: n("data-duration-ms")!,
        event: tr.getAttribute("data-event-type")!,
        status: tr.getAttribute("data-status")!,
        tokens: [n("data-tokens-input"), n("data-tokens-output"), n("data-tokens-cached")],
        cost: n("data-cost"),
        indent: parseFloat((globalThis as any).getComputedStyle(tr.querySelector("th")!).paddingLeft),
        bar: box(".trace-bar"),
        track: box(".trace-track"),
        text: (tr as any).innerText as string,
        links: [...tr.querySelectorAll("a")].map((a) => a.getAttribute("href")!),
      };
    }),
  );
}

/** "1,500 in (1,024 cached) · 220 out", as the page words a call's tokens. */
const tokenText = (t: NonNullable<TraceSpan["tokens"]>) => `${t.input.toLocaleString("en-US")} in${t.cache_read_input ? ` (${t.cache_read_input.toLocaleString("en-US")} cached)` : ""} · ${t.output.toLocaleString("en-US")} out`;

/** "$0.000216", as the page words a cost under a cent (three significant digits); "$0.0123" above. */
const costText = (v: number) => (v >= 0.01 ? `$${v.toFixed(4)}` : `$${Number(v.toPrecision(3))}`);

/**
 * Sends one trace of `n` plain spans (no GenAI operation: stored only, no event) to `/v1/traces`:
 * a root and its `n - 1` children, a millisecond apart.
 */
async function sendWideTrace(traceId: string, n: number): Promise<void> {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const span = (i: number) => ({ traceId, spanId: (i + 1).toString(16).padStart(16, "0"), ...(i ? { parentSpanId: "0000000000000001" } : {}), name: i ? `step ${i}` : "batch", kind: 1, startTimeUnixNano: String(t0 + BigInt(i) * 1_000_000n), endTimeUnixNano: String(t0 + BigInt(i + 1) * 1_000_000n) });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "bulk-job" } }] }, scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => span(i)) }] }] };
  const r = await fetch(`${fixture().server.url}/v1/traces`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

/** Registers the trace view's tests. */
export function traceDashboardTests(): void {
  it("the trace page's waterfall is GET /api/v1/traces/:trace_id: order, depth, offsets, durations on one axis, tokens, costs, events and errors", async () => {
    const view: TraceView = await api(`traces/${TRACE_ID}`);
    assert.equal(view.spans.length, 4, "the fixture's four spans are stored");
    assert.deepEqual(view.summary.events, { run: 1, llm_call: 2, tool_call: 1, retrieval: 0 });
    const page = await open(`#/traces/${TRACE_ID}`, '[data-testid="span-row"]');
    const rows = await readRows(page);
    assert.deepEqual(
      rows.map((r) => [r.id, r.depth, r.offset, r.duration, r.event, r.status]),
      view.spans.map((s) => [s.span_id, s.depth, s.offset_ms, s.duration_ms, s.event_type ?? "", s.status]),
      "one row per span, in the API's depth-first order, with its depth, offset, duration, event and status",
    );
    const total = view.summary.duration_ms;
    view.spans.forEach((s, i) => {
      const r = rows[i]!;
      // The bar starts at the span's offset and lasts its duration on the trace's time axis.
      assert.ok(Math.abs(r.bar.left - r.track.left - (s.offset_ms / total) * r.track.width) <= 1, `${s.name}: bar starts at +${s.offset_ms} ms`);
      assert.ok(Math.abs(r.bar.width - Math.max(2, (s.duration_ms / total) * r.track.width)) <= 1, `${s.name}: bar lasts ${s.duration_ms} ms`);
      assert.ok(r.text.includes(s.name) && (s.service === null || r.text.includes(s.service)), `${s.name}: name and service shown`);
      if (s.depth > 0) assert.ok(r.indent > rows[0]!.indent, `${s.name}: indented under its parent`);
      if (s.tokens) {
        assert.deepEqual(r.tokens, [s.tokens.input, s.tokens.output, s.tokens.cache_read_input]);
        assert.ok(r.text.includes(tokenText(s.tokens)), `${s.name}: "${tokenText(s.tokens)}" in "${r.text}"`);
      } else assert.deepEqual(r.tokens, [null, null, null], `${s.name}: no tokens`);
      assert.equal(r.cost, s.cost, `${s.name}: its cost`);
      if (s.cost !== null) assert.ok(r.text.includes(costText(s.cost)), `${s.name}: "${costText(s.cost)}" in "${r.text}"`);
      if (s.status === "error") assert.ok(r.text.includes(s.status_message), `${s.name}: its error is given`);
      if (s.event_type === "run") assert.deepEqual(r.links, [`#/agents/${TRACE_AGENT}`], "the run links to its agent's page");
      if (s.event_type === "llm_call") assert.deepEqual(r.links, [`#/models/${TRACE_MODEL}`], "the call links to its model's page");
    });
    // The failed call is marked as such, and only it.
    const failed = view.spans.filter((s) => s.status === "error").map((s) => s.span_id);
    assert.equal(failed.length, 1);
    assert.deepEqual(await page.$$eval('[data-testid="span-row"].span-error', (els) => els.map((e) => e.getAttribute("data-span-id"))), failed);
    // The summary's figures.
    const summary = Object.fromEntries(await page.$$eval("[data-summary]", (els) => els.map((e) => [e.getAttribute("data-summary"), e.querySelector("dd")!.textContent!.trim()])));
    assert.equal(summary.spans, String(view.summary.span_count));
    assert.equal(summary.errors, String(view.summary.error_count));
    assert.equal(summary.services, view.summary.services.join(", "));
    assert.equal(summary.tokens, tokenText(view.summary.tokens));
    // The calls are priced by the built-in table (gpt-4o-mini*): each has a cost, and the summary sums them.
    const calls = view.spans.filter((s) => s.event_type === "llm_call");
    assert.ok(calls.every((s) => s.cost !== null && s.cost > 0), `every call has a cost: ${JSON.stringify(calls.map((s) => s.cost))}`);
    assert.equal(view.summary.cost, calls.reduce((sum, s) => sum + s.cost!, 0));
    assert.equal(summary.cost, costText(view.summary.cost!));
    assert.equal(await page.locator('[data-testid="trace-truncated"]').count(), 0, "a whole trace is not called truncated");
    assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), "Traces");
    const fit = await page.$eval('[data-testid="trace-waterfall"]', (el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(fit[0]! <= fit[1]!, `the waterfall fits 1280 px without scrolling (${fit[0]} px in ${fit[1]})`);
    await screenshot(page, "trace");
  });

  it("a span's row opens from the keyboard onto its attributes, and closes again", async () => {
    const view: TraceView = await api(`traces/${TRACE_ID}`);
    const call = view.spans.find((s) => s.status === "error")!;
    const page = await open(`#/traces/${TRACE_ID}`, '[data-testid="span-row"]');
    const toggle = page.locator(`[data-testid="span-row"][data-span-id="${call.span_id}"] button.span-toggle`);
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.focus();
    await page.keyboard.press("Enter");
    const detail = page.locator(`[data-testid="span-detail"][data-span-id="${call.span_id}"]`);
    await detail.waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    assert.equal(await toggle.getAttribute("aria-controls"), await detail.getAttribute("id"));
    const shown = Object.fromEntries(await detail.locator("[data-attribute]").evaluateAll((els) => els.map((e) => [e.getAttribute("data-attribute"), e.textContent])));
    assert.deepEqual(
      shown,
      Object.fromEntries(Object.entries(call.attributes).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
      "every attribute the API gives, with its value",
    );
    assert.ok((await detail.textContent())!.includes(call.status_message));
    await screenshot(page, "trace-open");
    await page.keyboard.press("Space");
    await detail.waitFor({ state: "detached" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  });

  it("a trace of more than 10,000 spans shows its earliest 10,000, says it is truncated, and draws its rows 500 at a time", async (t) => {
    const wide = "7e570000000000000000000000000001";
    await sendWideTrace(wide, 10_001);
    const view: TraceView = await api(`traces/${wide}`);
    assert.equal(view.truncated, true);
    const ids = view.spans.map((s) => s.span_id);
    let started = Date.now();
    const page = await open(`#/traces/${wide}`, '[data-testid="trace-truncated"]');
    const shownIds = () => page.$$eval('[data-testid="span-row"]', (els) => els.map((e) => e.getAttribute("data-span-id")));
    assert.deepEqual(await shownIds(), ids.slice(0, 500), "the first 500 spans in the API's order");
    t.diagnostic(`first 500 of ${ids.length} rows drawn ${Date.now() - started} ms after the page was opened`);
    assert.match((await page.textContent('[data-testid="trace-truncated"]'))!, new RegExp(`more than ${view.span_limit.toLocaleString("en-US")} spans: only its ${ids.length.toLocaleString("en-US")} earliest-starting`));
    assert.match((await page.textContent('[data-testid="trace-more"]'))!, /^The first 500 of 10,000 spans are shown\./);
    await page.getByRole("button", { name: "Show 500 more" }).click();
    await page.locator('[data-testid="span-row"]').nth(999).waitFor();
    assert.deepEqual(await shownIds(), ids.slice(0, 1000));
    started = Date.now();
    await page.getByRole("button", { name: /^Show all/ }).click();
    await page.locator('[data-testid="trace-more"]').waitFor({ state: "detached", timeout: 60_000 });
    assert.deepEqual(await shownIds(), ids, "every span the API answered, in its order");
    t.diagnostic(`all ${ids.length} rows drawn ${Date.now() - started} ms after "Show all"`);
  });

  it("the trace page fits a 390 px screen; #/traces opens a trace by its id; a trace Vigil has no span of is said so", async () => {
    const phone = await fixture().browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.addInitScript(signIn(ADMIN));
      const w = await watchedPage(phone);
      fixture().watched.push(w);
      await w.page.goto(`${fixture().server.url}/#/traces`);
      await w.page.fill('[data-testid="open-trace"] input', "not-a-trace");
      await w.page.press('[data-testid="open-trace"] input', "Enter");
      assert.match((await w.page.textContent('[data-testid="open-trace"] [role="alert"]'))!, /32 hexadecimal digits/);
      await w.page.fill('[data-testid="open-trace"] input', TRACE_ID.toUpperCase());
      await w.page.press('[data-testid="open-trace"] input', "Enter");
      await w.page.waitForSelector('[data-testid="span-row"]');
      assert.equal(new URL(w.page.url()).hash, `#/traces/${TRACE_ID}`);
      const width = await w.page.evaluate<number>("document.documentElement.scrollWidth");
      assert.ok(width <= 390, `the trace page fits a 390 px screen (page is ${width} px wide; the waterfall scrolls in its frame)`);
      await screenshot(w.page, "trace-phone");
    } finally {
      await phone.close();
    }
    // Its 404 is the answer being shown, not a fault of the page: this page is not among the watched ones.
    const w = await watchedPage(fixture().admin);
    try {
      await w.page.goto(`${fixture().server.url}/#/traces/${"0".repeat(31)}1`);
      const missing = w.page.locator('[data-testid="trace-missing"]');
      await missing.waitFor();
      assert.match((await missing.textContent())!, /^Vigil has no spans for this trace/);
      assert.equal(await w.page.locator('[data-testid="error"]').count(), 0, "no error box for an unknown trace");
      assert.deepEqual(w.problems.filter((p) => !/404/.test(p)), []);
    } finally {
      await w.page.close();
    }
  });
}
