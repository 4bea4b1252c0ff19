/**
 * Character classes of the RE2 dialect: sorted code point ranges, the Perl (`\d \w \s`) and POSIX
 * (`[:alpha:]`) classes, Unicode properties (`\p{L}`, `\p{Greek}`) and simple case folding for
 * `(?i)`. RE2's Perl and POSIX classes are ASCII-only, unlike JavaScript's `\s`.
 */

/** Largest Unicode code point. */
export const MAX_RUNE = 0x10ffff;

/** A Unicode property test (`\p{..}` or `\P{..}`), run on one code point at a time. */
export interface UnicodeProperty {
  re: RegExp;
  negate: boolean;
}

/** A set of code points: merged ranges `[lo0, hi0, lo1, hi1, …]`, plus Unicode properties. */
export interface CharClass {
  ranges: number[];
  props: UnicodeProperty[];
  negate: boolean;
  /** Case-insensitive: a code point matches when any of its case variants does. */
  fold: boolean;
}

/** Sorts and merges `[lo, hi, …]` pairs. */
export function normalizeRanges(pairs: number[]): number[] {
  const items: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) items.push([pairs[i]!, pairs[i + 1]!]);
  items.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of items) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The code points not in the (normalized) ranges. */
export function complementRanges(ranges: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i]! > next) out.push(next, ranges[i]! - 1);
    next = ranges[i + 1]! + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

const PERL: Record<string, number[]> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

/** Ranges of a Perl class letter (`d s w`, upper case negated), or null for another letter. */
export function perlClass(letter: string): number[] | null {
  const r = PERL[letter.toLowerCase()];
  if (!r) return null;
  return letter === letter.toLowerCase() ? r : complementRanges(r);
}

const POSIX: Record<string, number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

/** Ranges of a POSIX class name (`alpha`, or `^alpha` negated), or null for an unknown name. */
export function posixClass(name: string): number[] | null {
  const neg = name.startsWith("^");
  const r = POSIX[neg ? name.slice(1) : name];
  if (!r) return null;
  return neg ? complementRanges(r) : r;
}

const propCache = new Map<string, RegExp | null>();

/**
 * The test for a Unicode property name as RE2 writes it: a general category (`L`, `Lu`, `Nd`), a
 * script (`Greek`, `Han`) or `Any`; null when JavaScript knows no such property.
 */
export function unicodeProperty(name: string): RegExp | null {
  if (!/^[A-Za-z_]{1,40}$/.test(name)) return null;
  let re = propCache.get(name);
  if (re === undefined) {
    re = null;
    for (const src of name === "Any" ? ["[\\s\\S]"] : [`\\p{${name}}`, `\\p{Script=${name}}`]) {
      try {
        re = new RegExp(`^${src}$`, "u");
        break;
      } catch {
        /* not this kind of property name: try the next */
      }
    }
    propCache.set(name, re);
  }
  return re;
}

const variantCache = new Map<number, number[]>();

/** The other case forms of a code point (simple, one-to-one mappings only), for `(?i)`. */
export function caseVariants(c: number): number[] {
  if (c < 0x80) {
    if (c >= 0x61 && c <= 0x7a) return c === 0x6b ? [0x4b, 0x212a] : c === 0x73 ? [0x53, 0x17f] : [c - 32];
    if (c >= 0x41 && c <= 0x5a) return c === 0x4b ? [0x6b, 0x212a] : c === 0x53 ? [0x73, 0x17f] : [c + 32];
    return [];
  }
  let v = variantCache.get(c);
  if (!v) {
    const found = new Set<number>();
    const add = (s: string) => {
      const cp = s.codePointAt(0)!;
      if (s.length === (cp > 0xffff ? 2 : 1) && cp !== c) found.add(cp);
    };
    const ch = String.fromCodePoint(c);
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    add(lower);
    add(upper);
    add(lower.toUpperCase());
    add(upper.toLowerCase());
    v = [...found];
    if (variantCache.size > 4096) variantCache.clear();
    variantCache.set(c, v);
  }
  return v;
}

function inRanges(ranges: number[], c: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < ranges[2 * mid]!) hi = mid - 1;
    else if (c > ranges[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function holdsExactly(cls: CharClass, c: number): boolean {
  if (inRanges(cls.ranges, c)) return true;
  if (cls.props.length) {
    const ch = String.fromCodePoint(c);
    for (const p of cls.props) if (p.re.test(ch) !== p.negate) return true;
  }
  return false;
}

/** Whether the class holds code point `c` (negation and case folding applied). */
export function classHolds(cls: CharClass, c: number): boolean {
  let yes = holdsExactly(cls, c);
  if (!yes && cls.fold) for (const v of caseVariants(c)) if ((yes = holdsExactly(cls, v))) break;
  return yes !== cls.negate;
}
