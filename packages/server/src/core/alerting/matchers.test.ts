import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkMatcher, MatcherError, matches, matchesAll, parseMatcher } from "./matchers.js";
import type { Matcher } from "./types.js";

describe("matchers", () => {
  it("match regular expressions against the whole value, an absent label reading as empty", () => {
    const m = parseMatcher('agent_name=~"support-.*"');
    assert.equal(matches(m, { agent_name: "support-bot" }), true);
    assert.equal(matches(m, { agent_name: "x-support-bot" }), false);
    assert.equal(matches(parseMatcher("severity=~warning|info"), { severity: "info" }), true);
    assert.equal(matches(parseMatcher("severity=~warning|info"), { severity: "infos" }), false);
    assert.equal(matches(parseMatcher("team!~.+"), {}), true);
    assert.equal(matches(parseMatcher('severity=~"(?i)CRITICAL"'), { severity: "critical" }), true);
    assert.equal(matchesAll([parseMatcher("a=1"), parseMatcher("b!=2")], { a: "1", b: "3" }), true);
  });

  it("unescape quoted values as Alertmanager does, keeping a backslash that escapes nothing", () => {
    assert.equal(parseMatcher('agent_name=~"support-\\d+"').value, "support-\\d+");
    assert.equal(parseMatcher('agent_name=~"a\\.b"').value, "a\\.b");
    assert.equal(parseMatcher('x="say \\"hi\\" \\\\ done"').value, 'say "hi" \\ done');
    assert.equal(matches(parseMatcher('agent_name=~"support-\\d+"'), { agent_name: "support-42" }), true);
    assert.equal(matches(parseMatcher('agent_name=~"a\\.b"'), { agent_name: "axb" }), false);
  });

  it("evaluate a nested-quantifier pattern against a pathological value at once", () => {
    const m = parseMatcher('agent_name=~"(a+)+$"');
    const t0 = performance.now();
    assert.equal(matches(m, { agent_name: "a".repeat(31) + "!" }), false);
    assert.equal(matches(m, { agent_name: "a".repeat(5000) + "!" }), false);
    assert.equal(matches({ ...m, op: "!~" }, { agent_name: "a".repeat(4000) + "!" }), true);
    const ms = performance.now() - t0;
    assert.ok(ms < 200, `took ${ms.toFixed(1)} ms`);
  });

  it("refuse syntax RE2 does not have, the object form naming the value", () => {
    assert.throws(() => parseMatcher('agent_name=~"(?=a)a"'), (e: unknown) => e instanceof MatcherError && /lookahead.*RE2 syntax/.test(e.message));
    assert.throws(
      () => checkMatcher({ label: "agent_name", op: "=~", value: "(a)\\1" }),
      (e: unknown) => e instanceof MatcherError && e.field === "value" && /backreference/.test(e.message),
    );
    assert.throws(() => checkMatcher({ label: "1x", op: "=", value: "" }), (e: unknown) => e instanceof MatcherError && e.field === "label");
    assert.throws(() => checkMatcher({ label: "x", op: "~" as Matcher["op"], value: "" }), (e: unknown) => e instanceof MatcherError && e.field === "op");
    assert.throws(() => checkMatcher(null as unknown as Matcher), (e: unknown) => e instanceof MatcherError && e.field === null);
    // Only regex operators read the value as a pattern.
    assert.deepEqual(parseMatcher('x="(?=a)"'), { label: "x", op: "=", value: "(?=a)" });
  });

  it("hold for nothing when a stored pattern is not RE2, so an old silence mutes no alert", () => {
    const stored: Matcher = { label: "agent_name", op: "=~", value: "(?=a).*" };
    assert.equal(matches(stored, { agent_name: "abc" }), false);
    assert.equal(matches({ ...stored, op: "!~" }, { agent_name: "abc" }), false);
  });

  it("parse hostile matcher text in linear time and refuse overlong text", () => {
    const t0 = performance.now();
    assert.equal(parseMatcher("a=" + " ".repeat(2000) + "x\ny").value, "x\ny");
    assert.throws(() => parseMatcher('a=~"' + "x".repeat(5000) + '"'), /at most \d+ characters/);
    assert.ok(performance.now() - t0 < 200);
  });
});
