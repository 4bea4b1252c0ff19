/**
 * The sparse form of a DDSketch store: a plain array of numbers, `key·2³² + count` per non-empty
 * bin, sorted by key, of which the first `n` are in use. A plain array of numbers costs 48 bytes
 * plus 8 per element; a typed array would cost about 200 bytes before its first element, more
 * than a minute of one series needs in all.
 */
import { entryKey, KEY_UNIT } from "./ddsketch-codec.js";

export function newEntries(n: number): number[] {
  return new Array<number>(n);
}

/** Room for `n` entries with some slack (a quarter), so that most insertions do not reallocate. */
export function entryCapacity(n: number): number {
  return n + 2 + (n >> 2);
}

/** Index of the first of the `n` entries whose key is at least `key`. */
export function lowerBound(sp: number[], n: number, key: number): number {
  const lo = key * KEY_UNIT;
  let a = 0;
  let b = n;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (sp[m]! < lo) a = m + 1;
    else b = m;
  }
  return a;
}

/** Inserts `entry` at index `at` of the `n` entries; returns the array holding them (reallocated when full). */
export function insertEntry(sp: number[], n: number, at: number, entry: number): number[] {
  if (n < sp.length) {
    for (let i = n; i > at; i--) sp[i] = sp[i - 1]!;
    sp[at] = entry;
    return sp;
  }
  const next = newEntries(entryCapacity(n + 1));
  for (let i = 0; i < at; i++) next[i] = sp[i]!;
  next[at] = entry;
  for (let i = at; i < n; i++) next[i + 1] = sp[i]!;
  return next;
}

/** Number of distinct keys among two sorted entry lists. */
export function unionSize(a: number[], na: number, b: number[], nb: number): number {
  let i = 0;
  let j = 0;
  let n = na + nb;
  while (i < na && j < nb) {
    const ka = entryKey(a[i]!);
    const kb = entryKey(b[j]!);
    if (ka <= kb) i++;
    if (kb <= ka) j++;
    if (ka === kb) n--;
  }
  return n;
}

/**
 * Merges `b` into `a` (adding the counts of equal keys), giving `n` entries (their `unionSize`).
 * Works from the end, in place when `a` has room: the write position never passes the read one,
 * and once `b` is used up the rest of `a` is already where it belongs. Returns the array used.
 */
export function mergeEntryLists(a: number[], na: number, b: number[], nb: number, n: number): number[] {
  const out = a.length >= n ? a : newEntries(entryCapacity(n));
  let i = na - 1;
  let j = nb - 1;
  let w = n - 1;
  let ka = i >= 0 ? entryKey(a[i]!) : 0;
  let kb = entryKey(b[j]!);
  while (j >= 0) {
    if (i >= 0 && ka >= kb) {
      out[w--] = ka === kb ? a[i]! + (b[j--]! - kb * KEY_UNIT) : a[i]!;
      if (ka === kb && j >= 0) kb = entryKey(b[j]!);
      if (--i >= 0) ka = entryKey(a[i]!);
    } else {
      out[w--] = b[j--]!;
      if (j >= 0) kb = entryKey(b[j]!);
    }
  }
  if (out !== a) for (; i >= 0; i--) out[i] = a[i]!;
  return out;
}
