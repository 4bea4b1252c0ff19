/**
 * Differential test: the metrics service over the series-keyed rollups answers every read —
 * `/metrics/system` with and without filters, every group listing page by page in every sort
 * order, a group by name, the report, grouped and ungrouped timeseries — exactly as the previous
 * service over the previous index, on randomised data sets. Both resolve their windows by the
 * exact definition (half-open, on minute or hour boundaries), each by its own code.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HOUR, MINUTE, RollupIndex, type DimFilter } from "../core/rollup-index.js";
import { drain } from "../core/stepped.js";
import { DIMENSIONS, type Dimension } from "../core/stored-event.js";
import { dataset, NOW, rng, SIZES } from "../test-support/random-events.js";
import { ReferenceMetricsService } from "../test-support/reference-metrics-service.js";
import { ReferenceRollupIndex } from "../test-support/reference-rollup-index.js";
import type { Page, PageQuery, SortField, SortOrder } from "./group-page.js";
import { MetricsService } from "./metrics-service.js";

const H = { minuteMs: 6 * HOUR, hourMs: 35 * 24 * HOUR };
const noEvents = { aggregateCustomMetrics: async () => [] };
const SORTS: [SortField, SortOrder | null][] = [["activity", null], ["name", null], ["name", "desc"], ["p95_latency_ms", null], ["error_rate", "asc"], ["total_cost", null], ["llm_calls", null]];

function services(seed: number, n: number) {
  const idx = new RollupIndex(H);
  const ref = new ReferenceRollupIndex(H);
  for (const ev of dataset(seed, n)) {
    idx.fold(ev);
    ref.fold(ev);
  }
  const now = () => NOW;
  return { ours: new MetricsService({ index: idx, events: noEvents, now }), theirs: new ReferenceMetricsService({ index: ref, events: noEvents, now }) };
}

describe("MetricsService against the previous service (randomised data sets)", () => {
  for (const seed of [11, 12]) {
    it(`lists, pages, reports and plots the same (seed ${seed})`, () => {
      const { ours, theirs } = services(seed, 5000);
      const r = rng(seed);
      for (const span of [15 * MINUTE, 100 * MINUTE, 3 * HOUR, 24 * HOUR]) {
        const w = ours.window(span);
        assert.deepEqual(w, theirs.window(span), `window ${span}`);
        assert.deepEqual(ours.window(span, 2), theirs.window(span, 2), `window ${span} looking back 2`);
        const filters: DimFilter[] = [{}, { model: "model-2" }, { tenant_id: "tenant_id-3", mode: "mode-1" }, { agent_name: "agent_name-7" }];
        for (const filter of filters) {
          assert.deepEqual(drain(ours.system(w, filter)), drain(theirs.system(w, filter)), `system ${span} ${JSON.stringify(filter)}`);
          for (const dim of DIMENSIONS) {
            if (filter[dim] !== undefined) continue;
            const [sort, order] = SORTS[Math.floor(r() * SORTS.length)]!;
            const limit = 1 + Math.floor(r() * 12);
            // Page through the whole listing with cursors.
            let cursor: string | null = null;
            for (let page = 0; page < 20; page++) {
              const q: PageQuery = { limit, cursor, sort, order };
              const a: Page<unknown> = drain(ours.groups(dim, w, filter, q));
              const b: Page<unknown> = drain(theirs.groups(dim, w, filter, q));
              assert.deepEqual(a, b, `${dim} page ${page} sort ${sort} ${order ?? ""} limit ${limit} ${JSON.stringify(filter)} over ${span / MINUTE} min`);
              cursor = a.next_cursor;
              if (cursor === null) break;
            }
          }
        }
        const name = `agent_name-${Math.floor(r() * SIZES.agent_name)}`;
        assert.deepEqual(drain(ours.group("agent_name", name, w)), drain(theirs.group("agent_name", name, w)), `agent ${name}`);
        const report = (s: MetricsService | ReferenceMetricsService) => {
          const rep = drain(s.report(s.window(span, 2), true));
          delete rep.generated_at;
          return rep;
        };
        assert.deepEqual(report(ours), report(theirs), `report over ${span / MINUTE} min`);
        const step = span <= 15 * MINUTE ? MINUTE : span <= 3 * HOUR ? 10 * MINUTE : HOUR;
        for (const groupBy of [null, "agent_name", "tenant_id", "model"] as (Dimension | null)[]) {
          const metrics = ["total_tasks", "p95_latency_ms", "error_rate"] as const;
          assert.deepEqual(drain(ours.timeseries([...metrics], w, step, groupBy, {}, 5)), drain(theirs.timeseries([...metrics], w, step, groupBy, {}, 5)), `timeseries by ${groupBy} over ${span / MINUTE} min`);
        }
      }
    });
  }
});
