/**
 * Label matchers as in Alertmanager (`severity="critical"`, `agent_name=~"react.*"`, `team!=ops`):
 * used by silences, notification routes and inhibition rules. Regular expressions use RE2 syntax,
 * match the whole value and run in time linear in the value's length (see re2.ts), since anyone
 * who may create a silence would otherwise be able to stall alert evaluation with one pattern.
 */
import { MAX_PATTERN_LENGTH, Re2 } from "./re2.js";
import type { Matcher } from "./types.js";

/** A matcher that is not valid; `field` is the part at fault when the matcher was given as an object. */
export class MatcherError extends Error {
  constructor(
    message: string,
    readonly field: "label" | "op" | "value" | null,
  ) {
    super(message);
    this.name = "MatcherError";
  }
}

// Applied to trimmed text so that no part of it can be matched two ways (the scan stays linear).
const MATCHER = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*))$/s;
/** Longest matcher text accepted: a label name, an operator and a pattern of the longest accepted length. */
const MAX_MATCHER_LENGTH = MAX_PATTERN_LENGTH + 200;

/** Parses `name op value` (value optionally double-quoted); throws a `MatcherError` naming the problem. */
export function parseMatcher(text: string): Matcher {
  if (text.length > MAX_MATCHER_LENGTH) throw new MatcherError(`a matcher is at most ${MAX_MATCHER_LENGTH} characters long; this one has ${text.length}`, null);
  const m = MATCHER.exec(text.trim());
  if (!m) throw new MatcherError(`"${text}" is not a matcher: write label=value, label!=value, label=~regex or label!~regex`, null);
  const value = m[3] !== undefined ? unquote(m[3]) : m[4]!;
  const op = m[2] as Matcher["op"];
  if (op === "=~" || op === "!~") compile(value);
  return { label: m[1]!, op, value };
}

/**
 * The text between the quotes, unescaped as Alertmanager does: `\"`, `\\` and `\n` are escapes; any
 * other backslash is kept, so `"support-\d+"` is the pattern `support-\d+`.
 */
function unquote(s: string): string {
  return s.replace(/\\(.)/gs, (all, c: string) => (c === "n" ? "\n" : c === '"' || c === "\\" ? c : all));
}

/** Validates a matcher given as an object; throws a `MatcherError` naming the field at fault. */
export function checkMatcher(m: Matcher): Matcher {
  if (typeof m !== "object" || m === null) throw new MatcherError('a matcher is text such as agent_name=~"support-.*" or an object {label, op, value}', null);
  if (typeof m.label !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.label)) throw new MatcherError(`${JSON.stringify(m.label)} is not a label name`, "label");
  if (!["=", "!=", "=~", "!~"].includes(m.op)) throw new MatcherError(`${JSON.stringify(m.op)} is not a matcher operator (=, !=, =~, !~)`, "op");
  if (typeof m.value !== "string") throw new MatcherError("a matcher's value must be a string", "value");
  if (m.op === "=~" || m.op === "!~") compile(m.value);
  return m;
}

const MAX_PATTERNS = 1000;
/** Instructions the cache may hold in all (a few large patterns must not pin much memory). */
const MAX_CACHED_INSTRUCTIONS = 200_000;
const cache = new Map<string, Re2 | null>();
/** Answers given lately, by pattern and value: evaluation asks about the same label values every cycle. */
const answers = new Map<string, boolean>();
const MAX_ANSWERS = 10_000;
let cachedInstructions = 0;

function compiled(pattern: string): Re2 | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = null;
    try {
      re = new Re2(pattern);
    } catch {
      // Stored before patterns were held to RE2 syntax: such a matcher holds for no value.
    }
    const size = re?.size ?? 0;
    if (cache.size >= MAX_PATTERNS || cachedInstructions + size > MAX_CACHED_INSTRUCTIONS) {
      cache.clear();
      cachedInstructions = 0;
    }
    cachedInstructions += size;
    cache.set(pattern, re);
  }
  return re;
}

function compile(pattern: string): void {
  try {
    new Re2(pattern);
  } catch (err) {
    throw new MatcherError((err as Error).message, "value");
  }
}

/** Whether the pattern matches the whole value; null when the pattern is not valid RE2. */
function regexMatches(pattern: string, value: string): boolean | null {
  const re = compiled(pattern);
  if (!re) return null;
  const key = `${pattern}\u0000${value}`;
  let yes = answers.get(key);
  if (yes === undefined) {
    yes = re.test(value);
    if (answers.size >= MAX_ANSWERS) answers.clear();
    answers.set(key, yes);
  }
  return yes;
}

/**
 * True when the labels satisfy the matcher (an absent label reads as the empty string, as in
 * Alertmanager). A regex matcher whose pattern is not valid RE2 holds for nothing, either way, so a
 * silence or inhibition rule stored before the check mutes no alert.
 */
export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.label] ?? "";
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return regexMatches(m.value, v) === true;
    case "!~":
      return regexMatches(m.value, v) === false;
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
