/**
 * The alert engine over a real rollup index and SQLite alert store: a rule fires on arrival of the
 * events that cross its threshold, between two evaluations, and evaluation on arrival is bounded
 * (at most once a second, only when runs arrived, only for the rules whose scope admits them).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRuleSet } from "./core/alerting/rule.js";
import { initialThresholds } from "./core/alerting/threshold-settings.js";
import type { AlertRecord } from "./core/alerting/types.js";
import { HOUR, RollupIndex } from "./core/rollup-index.js";
import type { StoredEvent } from "./core/stored-event.js";
import { openSqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import { AlertEngine } from "./services/alert-engine.js";
import { RuleBook } from "./services/rule-book.js";
import { fixedThresholds } from "./services/threshold-service.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-alert-engine-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("alert engine: evaluation on arrival", () => {
  it("fires a for: 0s rule on the arrival of the failures, before the next evaluation, and only then", async () => {
    const storage = openSqliteStorage({ dataDir: dir });
    try {
      let now = Date.UTC(2026, 11, 7, 15, 0, 3);
      const index = new RollupIndex({ minuteMs: 6 * HOUR, hourMs: 7 * 24 * HOUR }, () => now);
      index.startFine(now - 5 * 60_000);
      let seq = 0;
      const run = (agent: string, status: string, ts = now) => {
        const ev: StoredEvent = { id: `e${seq++}`, type: "run", ts, receivedAt: ts, body: { agent_name: agent, status, duration_ms: 100 } };
        index.fold(ev);
      };
      const rules = parseRuleSet(
        {
          rules: [
            { name: "errors", metric: "error_rate", comparator: ">", threshold: 0.1, window: "1m", for: "0s", group_by: ["agent_name"] },
            { name: "other-agent", metric: "error_rate", comparator: ">", threshold: 0.1, window: "1m", for: "0s", scope: { agent_name: "quiet" } },
          ],
        },
        "file",
        "test rules",
      );
      const book = new RuleBook({ store: storage.alerts, defaults: [], fileRules: rules, thresholds: fixedThresholds(initialThresholds(undefined)) });
      const notified: AlertRecord[][] = [];
      const engine = new AlertEngine({
        index,
        customSamples: async () => null,
        store: storage.alerts,
        rules: book,
        sink: { process: async (open) => void notified.push([...open]), acknowledged: async () => undefined },
        leadership: { isLeader: () => true },
        shared: false,
        now: () => now,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      await engine.start();
      // A minute of healthy runs, then an evaluation: nothing open.
      for (let t = now - 60_000; t < now; t += 500) run("bot", "success", t);
      await engine.evaluate();
      assert.equal(engine.openAlerts().length, 0);
      assert.equal(await engine.evaluateArrivals(), 1, "the runs folded since start are seen once, for the rule that watches them");
      // Nothing arrived since: no evaluation.
      now += 1500;
      assert.equal(await engine.evaluateArrivals(), 0);
      // Failures arrive 2 s after the evaluation; the next evaluation is 8 s away.
      now += 500;
      for (let i = 0; i < 40; i++) run("bot", "failure");
      assert.equal(await engine.evaluateArrivals(), 1, "only the rule whose scope admits the series is evaluated");
      const open = engine.openAlerts();
      assert.equal(open.length, 1);
      assert.equal(open[0]!.state, "firing");
      assert.deepEqual(open[0]!.labels.agent_name, "bot");
      assert.equal(open[0]!.fired_at, now);
      assert.ok(notified.at(-1)!.some((a) => a.rule === "errors" && a.state === "firing"), "the sink heard of it at once");
      // At most once a second (and never within ten times its own duration of the previous one).
      now += 400;
      run("bot", "failure");
      assert.equal(await engine.evaluateArrivals(), 0);
      // Later, far enough that the gap (ten times the real duration of the previous evaluation) has
      // passed even on a loaded machine, where one evaluation with its SQLite save can take ~0.5 s,
      // another failure arrives: evaluated on arrival.
      now += 20_000;
      run("bot", "failure");
      assert.equal(await engine.evaluateArrivals(), 1);
      // The interval's evaluation sees the same alert, still firing since the arrival.
      now += 3000;
      await engine.evaluate();
      assert.equal(engine.openAlerts()[0]!.fired_at, open[0]!.fired_at);
    } finally {
      await storage.close();
    }
  });

  it("fires a rule grouped by query_class once per failing class, and a rule scoped to a component only for its traffic", async () => {
    const storage = openSqliteStorage({ dataDir: join(dir, "by-class") });
    try {
      const now = Date.UTC(2026, 11, 7, 16, 0, 3);
      const index = new RollupIndex({ minuteMs: 6 * HOUR, hourMs: 7 * 24 * HOUR }, () => now);
      let seq = 0;
      const run = (query_class: string, component: string, status: string, ts: number) => index.fold({ id: `c${seq++}`, type: "run", ts, receivedAt: ts, body: { agent_name: "bot", query_class, component, status, duration_ms: 100 } });
      for (let t = now - 120_000; t < now; t += 1000) {
        run("simple", "cognitive_core", t % 2000 === 0 ? "failure" : "success", t);
        run("moderate", "user_interface", "failure", t);
        run("complex", "user_interface", "success", t);
      }
      const rules = parseRuleSet(
        {
          rules: [
            { name: "class-errors", metric: "error_rate", comparator: ">", threshold: 0.1, window: "5m", for: "0s", group_by: ["query_class"] },
            { name: "core-errors", metric: "error_rate", comparator: ">", threshold: 0.1, window: "5m", for: "0s", scope: { component: "cognitive_core" }, group_by: ["component"] },
          ],
        },
        "file",
        "test rules",
      );
      const book = new RuleBook({ store: storage.alerts, defaults: [], fileRules: rules, thresholds: fixedThresholds(initialThresholds(undefined)) });
      const engine = new AlertEngine({
        index,
        customSamples: async () => null,
        store: storage.alerts,
        rules: book,
        sink: { process: async () => undefined, acknowledged: async () => undefined },
        leadership: { isLeader: () => true },
        shared: false,
        now: () => now,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      await engine.start();
      await engine.evaluate();
      const open = engine.openAlerts().map((a) => `${a.rule}:${a.labels.query_class ?? "-"}:${a.labels.component ?? "-"}:${a.state}`).sort();
      assert.deepEqual(open, ["class-errors:moderate:-:firing", "class-errors:simple:-:firing", "core-errors:-:cognitive_core:firing"]);
    } finally {
      await storage.close();
    }
  });
});
