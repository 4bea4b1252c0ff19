/**
 * Label matchers as in Alertmanager (`severity="critical"`, `agent_name=~"react.*"`, `team!=ops`):
 * used by silences, notification routes and inhibition rules. Regular expressions are anchored.
 */
import type { Matcher } from "./types.js";

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$/;

/** Parses `name op value` (value optionally double-quoted); throws a plain Error naming the problem. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher: write label=value, label!=value, label=~regex or label!~regex`);
  const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[4]!;
  const op = m[2] as Matcher["op"];
  if (op === "=~" || op === "!~") compile(value);
  return { label: m[1]!, op, value };
}

/** Validates a matcher given as an object; throws a plain Error naming the problem. */
export function checkMatcher(m: Matcher): Matcher {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.label)) throw new Error(`"${m.label}" is not a label name`);
  if (!["=", "!=", "=~", "!~"].includes(m.op)) throw new Error(`"${m.op}" is not a matcher operator (=, !=, =~, !~)`);
  if (typeof m.value !== "string") throw new Error("a matcher's value must be a string");
  if (m.op === "=~" || m.op === "!~") compile(m.value);
  return m;
}

const cache = new Map<string, RegExp>();
function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      throw new Error(`"${pattern}" is not a valid regular expression: ${(err as Error).message}`);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** True when the labels satisfy the matcher (an absent label reads as the empty string, as in Alertmanager). */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.label] ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return compile(m.value).test(v);
    case "!~":
      return !compile(m.value).test(v);
  }
}

/** True when the labels satisfy every matcher. */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of ms) if (!matches(m, labels)) return false;
  return true;
}

/** A matcher written back as text. */
export function formatMatcher(m: Matcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}
