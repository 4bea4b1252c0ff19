/**
 * Accuracy of a prediction against the real-world outcome (SPEC §2, seed 003 `record_accuracy`),
 * always a finite number in 0..1:
 *
 * - null / undefined: 1 when both are absent, else 0 (JSON has no undefined, so the two mean the same).
 * - numbers: `1 - |p - a| / |a|`, clamped; when a = 0 only an exact 0 scores 1. A number against a
 *   numeric string ("95000" vs 95000) compares numerically, because clients often stringify
 *   amounts; two strings never do, because "02139" vs "02138" are codes, not nearly equal numbers.
 * - strings: word overlap `|P ∩ A| / |A|` on case-insensitive word sets (a word is a run of
 *   letters, marks, digits or underscores); when A has no words, 1 if the trimmed lowercased
 *   strings are equal, else 0. Enums are strings, so they score by equality.
 * - booleans: equality.
 * - arrays: element overlap `|P ∩ A| / |A|` as multisets, elements matching by deep equality; an
 *   empty actual scores 1 against an empty prediction, else 0.
 * - objects: `(key overlap + value similarity) / 2` with key overlap `|keys P ∩ keys A| / |keys A|`
 *   and value similarity the mean score of the shared keys' values, scored recursively (0 when no
 *   key is shared); an empty actual scores 1 against an empty prediction, else 0.
 * - mismatched types: 0; other values of the same type: deep equality.
 *
 * As in the seed, extra predicted words, elements or keys cost nothing: the score measures how
 * much of the outcome the prediction got. Objects nested deeper than MAX_SCORED_DEPTH compare by
 * deep equality, and deep equality is iterative, so hostile nesting cannot overflow the stack.
 */
import { clamp01 } from "./score-math.js";

/** Nesting depth beyond which objects are compared by deep equality rather than scored key by key. */
export const MAX_SCORED_DEPTH = 32;

/** Scores `predicted` against `actual` in 0..1 by the rules of this file's top comment. */
export function scoreAccuracy(predicted: unknown, actual: unknown): number {
  return score(predicted, actual, 0);
}

/** Whether two JSON-like values are deeply equal (object key order ignored), without recursion. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return a === b || canonicalKey(a) === canonicalKey(b);
}

function score(p: unknown, a: unknown, depth: number): number {
  if (a == null || p == null) return a == null && p == null ? 1 : 0;
  if (typeof a === "number" || typeof p === "number") {
    const pn = asNumber(p);
    const an = asNumber(a);
    return pn === null || an === null ? 0 : scoreNumbers(pn, an);
  }
  if (typeof a === "string" && typeof p === "string") return scoreStrings(p, a);
  if (typeof a === "boolean" && typeof p === "boolean") return p === a ? 1 : 0;
  if (Array.isArray(a) || Array.isArray(p)) {
    return Array.isArray(a) && Array.isArray(p) ? scoreArrays(p, a) : 0;
  }
  if (typeof a === "object" && typeof p === "object") {
    if (depth > MAX_SCORED_DEPTH) return deepEqual(p, a) ? 1 : 0;
    return scoreObjects(p as Record<string, unknown>, a as Record<string, unknown>, depth);
  }
  return typeof a === typeof p && deepEqual(p, a) ? 1 : 0;
}

// Plain decimal notation only: Number() would also accept "0x10", "" and "Infinity".
const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function asNumber(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && NUMERIC.test(v)) return Number(v);
  return null;
}

function scoreNumbers(p: number, a: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(p)) return p === a || (Number.isNaN(p) && Number.isNaN(a)) ? 1 : 0;
  if (a === 0) return p === 0 ? 1 : 0;
  return clamp01(1 - Math.abs(p - a) / Math.abs(a));
}

const NON_WORD = /[^\p{L}\p{M}\p{N}_]+/u;

function wordSet(s: string): Set<string> {
  const words = new Set<string>();
  for (const w of s.toLowerCase().split(NON_WORD)) if (w !== "") words.add(w);
  return words;
}

function scoreStrings(p: string, a: string): number {
  const actual = wordSet(a);
  if (actual.size === 0) return p.trim().toLowerCase() === a.trim().toLowerCase() ? 1 : 0;
  const predicted = wordSet(p);
  let shared = 0;
  for (const w of actual) if (predicted.has(w)) shared++;
  return shared / actual.size;
}

function scoreArrays(p: readonly unknown[], a: readonly unknown[]): number {
  if (a.length === 0) return p.length === 0 ? 1 : 0;
  // Canonical keys make the overlap linear in the input size; pairwise deep comparison would be quadratic.
  const available = new Map<string, number>();
  for (const x of p) {
    const k = canonicalKey(x);
    available.set(k, (available.get(k) ?? 0) + 1);
  }
  let shared = 0;
  for (const x of a) {
    const k = canonicalKey(x);
    const n = available.get(k) ?? 0;
    if (n > 0) {
      shared++;
      available.set(k, n - 1);
    }
  }
  return shared / a.length;
}

function scoreObjects(p: Record<string, unknown>, a: Record<string, unknown>, depth: number): number {
  const keys = Object.keys(a);
  if (keys.length === 0) return Object.keys(p).length === 0 ? 1 : 0;
  let shared = 0;
  let valueSum = 0;
  for (const k of keys) {
    if (!Object.hasOwn(p, k)) continue;
    shared++;
    valueSum += score(p[k], a[k], depth + 1);
  }
  const keyOverlap = shared / keys.length;
  const valueSimilarity = shared > 0 ? valueSum / shared : 0;
  return clamp01((keyOverlap + valueSimilarity) / 2);
}

type Job = { emit: string } | { value: unknown } | { leave: object };

/**
 * A string equal for deeply equal values: JSON-like with sorted object keys, built with an
 * explicit stack so that depth costs memory, not call frames; a cycle is written as a marker.
 */
function canonicalKey(root: unknown): string {
  const out: string[] = [];
  const onPath = new Set<object>();
  const stack: Job[] = [{ value: root }];
  while (stack.length > 0) {
    const job = stack.pop()!;
    if ("emit" in job) {
      out.push(job.emit);
      continue;
    }
    if ("leave" in job) {
      onPath.delete(job.leave);
      continue;
    }
    const v = job.value;
    if (typeof v === "string") out.push(JSON.stringify(v));
    else if (typeof v === "number") out.push(Number.isNaN(v) ? "NaN" : String(v));
    else if (typeof v === "bigint") out.push(`${v}n`);
    else if (v === null || typeof v === "boolean" || typeof v === "undefined") out.push(String(v));
    else if (typeof v !== "object") out.push(`<${typeof v}>`);
    else if (onPath.has(v)) out.push("<cycle>");
    else {
      onPath.add(v);
      stack.push({ leave: v });
      if (Array.isArray(v)) {
        out.push("[");
        stack.push({ emit: "]" });
        for (let i = v.length - 1; i >= 0; i--) {
          stack.push({ value: v[i] });
          if (i > 0) stack.push({ emit: "," });
        }
      } else {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o).sort();
        out.push("{");
        stack.push({ emit: "}" });
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i]!;
          stack.push({ value: o[k] });
          stack.push({ emit: `${JSON.stringify(k)}:` });
          if (i > 0) stack.push({ emit: "," });
        }
      }
    }
  }
  return out.join("");
}
