/**
 * Parser of the RE2 regular-expression syntax that Prometheus and Alertmanager matchers use (Go's
 * `regexp/syntax`): literals and escapes, `.`, classes, groups, alternation, greedy and lazy
 * quantifiers with counts up to 1000, `^ $ \A \z \b \B` and the flags `i m s U`. What RE2 refuses
 * (backreferences, lookaround, atomic groups, possessive quantifiers) is refused here too, with a
 * message that says so, since users often bring patterns written for backtracking engines.
 */
import { complementRanges, MAX_RUNE, normalizeRanges, perlClass, posixClass, unicodeProperty, type CharClass, type UnicodeProperty } from "./re2-classes.js";

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 2048;
/** Largest count in `{n,m}`, as RE2's. */
export const MAX_REPEAT = 1000;
/** Deepest nesting of groups. */
export const MAX_NESTING = 200;

/** Zero-width assertions. */
export type AssertKind = "beginText" | "endText" | "beginLine" | "endLine" | "wordBoundary" | "notWordBoundary";

/** A parsed expression. */
export type Node =
  | { t: "empty" }
  | { t: "class"; cls: CharClass }
  | { t: "assert"; kind: AssertKind }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "rep"; sub: Node; min: number; max: number };

/** A pattern that is not valid RE2 syntax (or too large to run); `message` says what and where (`offset` -1: nowhere in particular). */
export class RegexSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`"${pattern}" is not a valid regular expression (RE2 syntax): ${reason}${offset >= 0 ? ` at offset ${offset}` : ""}`);
    this.name = "RegexSyntaxError";
  }
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const RE2_ONLY = "RE2 syntax, as in Prometheus and Alertmanager, has no";
const UNSUPPORTED_GROUPS: [string, string][] = [
  ["(?=", `lookahead (?=...): ${RE2_ONLY} lookaround`],
  ["(?!", `negative lookahead (?!...): ${RE2_ONLY} lookaround`],
  ["(?<=", `lookbehind (?<=...): ${RE2_ONLY} lookaround`],
  ["(?<!", `negative lookbehind (?<!...): ${RE2_ONLY} lookaround`],
  ["(?>", `atomic group (?>...): ${RE2_ONLY} atomic groups`],
  ["(?P=", `backreference (?P=name): ${RE2_ONLY} backreferences`],
  ["(?P>", `recursion (?P>name): ${RE2_ONLY} recursion`],
  ["(?R", `recursion (?R): ${RE2_ONLY} recursion`],
  ["(?#", `comment (?#...): ${RE2_ONLY} inline comments`],
];

const cls = (ranges: number[], fold = false, negate = false, props: UnicodeProperty[] = []): Node => ({ t: "class", cls: { ranges, props, negate, fold } });

/** Parses a pattern into its syntax tree; throws `RegexSyntaxError`. */
export function parseRe2(pattern: string): Node {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexSyntaxError(pattern.slice(0, 40) + "…", `the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`, MAX_PATTERN_LENGTH);
  return new Parser(pattern).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** Set when the last atom was a \Q...\E run of literals. */
  private quoted = false;
  private flags: Flags = { i: false, m: false, s: false };

  constructor(private readonly src: string) {}

  parse(): Node {
    const n = this.alternation();
    if (this.pos < this.src.length) this.fail("unexpected ) without a matching (");
    return n;
  }

  private fail(reason: string, at = this.pos): never {
    throw new RegexSyntaxError(this.src, reason, at);
  }

  private peek(k = 0): string {
    return this.src[this.pos + k] ?? "";
  }

  private alternation(): Node {
    const items = [this.concatenation()];
    while (this.peek() === "|") {
      this.pos++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? items[0]! : { t: "alt", items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.peek() !== "|" && this.peek() !== ")") {
      const c = this.peek();
      if (c === "*" || c === "+" || c === "?" || (c === "{" && this.repeatCount() !== null)) this.fail(`missing argument to repetition operator ${c}`);
      this.quoted = false;
      const atom = this.atom();
      if (atom === null) continue;
      if (this.quoted && atom.t === "cat") {
        // As in RE2, a quantifier after \Q...\E repeats the last quoted character only.
        items.push(...atom.items.slice(0, -1));
        items.push(this.quantified(atom.items[atom.items.length - 1]!));
      } else items.push(this.quantified(atom));
    }
    return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0]! : { t: "cat", items };
  }

  /** `{n}`, `{n,}` or `{n,m}` at the cursor (without consuming it), or null when `{` is a literal. */
  private repeatCount(): { min: number; max: number; len: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    return { min, max, len: m[0].length };
  }

  private quantified(atom: Node): Node {
    const q = this.quantifier();
    if (!q) return atom;
    if (this.peek() === "?") this.pos++;
    const c = this.peek();
    const again = c === "{" ? this.repeatCount() : null;
    if (c === "*" || c === "+" || c === "?" || again) {
      this.fail(`invalid nested repetition operator ${this.src.slice(q.at, this.pos + (again?.len ?? 1))}: possessive quantifiers and repeated quantifiers are not RE2 syntax (group the expression first)`, q.at);
    }
    return { t: "rep", sub: atom, min: q.min, max: q.max };
  }

  private quantifier(): { min: number; max: number; at: number } | null {
    const at = this.pos;
    const c = this.peek();
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      return { min: c === "+" ? 1 : 0, max: c === "?" ? 1 : -1, at };
    }
    if (c !== "{") return null;
    const r = this.repeatCount();
    if (!r) return null;
    if (r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max !== -1 && r.max < r.min)) this.fail(`invalid repeat count ${this.src.slice(at, at + r.len)} (counts go up to ${MAX_REPEAT}, and the maximum may not be below the minimum)`);
    this.pos += r.len;
    return { min: r.min, max: r.max, at };
  }

  /** One atom, or null for a flag group such as `(?i)` that only changes flags. */
  private atom(): Node | null {
    const c = this.peek();
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return this.charClass();
      case ".":
        this.pos++;
        return cls(this.flags.s ? [0, MAX_RUNE] : [0, 9, 11, MAX_RUNE]);
      case "^":
        this.pos++;
        return { t: "assert", kind: this.flags.m ? "beginLine" : "beginText" };
      case "$":
        this.pos++;
        return { t: "assert", kind: this.flags.m ? "endLine" : "endText" };
      case "\\":
        return this.escape();
      default:
        return this.literal(this.char());
    }
  }

  private char(): number {
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private literal(cp: number): Node {
    return cls([cp, cp], this.flags.i);
  }

  private group(): Node | null {
    const open = this.pos;
    for (const [prefix, what] of UNSUPPORTED_GROUPS) if (this.src.startsWith(prefix, open)) this.fail(what);
    this.pos++;
    const saved = { ...this.flags };
    if (this.peek() === "?") {
      const named = /^\?P?<([A-Za-z0-9_]+)>/.exec(this.src.slice(this.pos, this.pos + 80));
      if (named) this.pos += named[0].length;
      else if (this.peek(1) === "P" || this.peek(1) === "<") this.fail("invalid named capture: names are letters, digits and _ as in (?P<name>...)");
      else {
        const m = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(this.src.slice(this.pos, this.pos + 16));
        if (!m || (m[2] !== undefined && m[2] === "") || (m[1] === "" && m[2] === undefined && m[3] === ")")) this.fail("invalid or unsupported Perl syntax (RE2 groups are (...), (?:...), (?P<name>...) and flags (?i), (?i:...))");
        this.pos += m[0].length;
        for (const f of m[1]!) if (f !== "U") this.flags[f as keyof Flags] = true;
        for (const f of m[2] ?? "") if (f !== "U") this.flags[f as keyof Flags] = false;
        // `(?i)` changes the flags until the end of the enclosing group; `(?i:...)` only inside it.
        if (m[3] === ")") return null;
      }
    }
    if (++this.depth > MAX_NESTING) this.fail(`groups nest more than ${MAX_NESTING} deep`);
    const body = this.alternation();
    this.depth--;
    if (this.peek() !== ")") this.fail("missing closing ) for the ( here", open);
    this.pos++;
    this.flags = saved;
    return body;
  }

  private escape(): Node {
    const at = this.pos;
    const c = this.peek(1);
    switch (c) {
      case "A":
        this.pos += 2;
        return { t: "assert", kind: "beginText" };
      case "z":
        this.pos += 2;
        return { t: "assert", kind: "endText" };
      case "b":
        this.pos += 2;
        return { t: "assert", kind: "wordBoundary" };
      case "B":
        this.pos += 2;
        return { t: "assert", kind: "notWordBoundary" };
      case "Q": {
        const end = this.src.indexOf("\\E", at + 2);
        const text = this.src.slice(at + 2, end === -1 ? this.src.length : end);
        this.pos = end === -1 ? this.src.length : end + 2;
        const items = Array.from(text, (ch) => this.literal(ch.codePointAt(0)!));
        this.quoted = true;
        return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0]! : { t: "cat", items };
      }
    }
    const item = this.classEscape();
    // Perl classes are closed under case already (RE2 keeps (?i)\W from matching k through the Kelvin sign).
    const single = item.ranges.length === 2 && item.ranges[0] === item.ranges[1];
    return item.prop ? cls([], this.flags.i, false, [item.prop]) : cls(item.ranges, this.flags.i && single);
  }

  /** An escape valid both inside and outside brackets: a character, a Perl class or a Unicode property. */
  private classEscape(): { ranges: number[]; prop?: UnicodeProperty } {
    const at = this.pos;
    this.pos++;
    if (this.pos >= this.src.length) this.fail("trailing backslash at end of expression", at);
    const c = this.peek();
    const perl = /[dDsSwW]/.test(c) ? perlClass(c) : null;
    if (perl) {
      this.pos++;
      return { ranges: perl };
    }
    if (c === "p" || c === "P") {
      this.pos++;
      let name = this.peek();
      if (name === "{") {
        const end = this.src.indexOf("}", this.pos);
        if (end === -1) this.fail("missing closing } in a Unicode class", at);
        name = this.src.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else this.pos++;
      const negate = (c === "P") !== name.startsWith("^");
      const prop = unicodeProperty(name.replace(/^\^/, ""));
      if (!prop) this.fail(`unknown Unicode class \\${c}{${name}} (use a category such as L or Nd, or a script such as Greek)`, at);
      return { ranges: [], prop: { re: prop, negate } };
    }
    const cp = this.escapedChar(at);
    return { ranges: [cp, cp] };
  }

  private escapedChar(at: number): number {
    const c = this.peek();
    if (/[1-9]/.test(c) && !(/[1-7]/.test(c) && /[0-7]/.test(this.peek(1)))) this.fail(`backreference \\${c}: ${RE2_ONLY} backreferences`, at);
    if (/[0-7]/.test(c)) {
      const m = /^[0-7]{1,3}/.exec(this.src.slice(this.pos, this.pos + 3))![0];
      this.pos += m.length;
      return parseInt(m, 8);
    }
    if (c === "x") {
      this.pos++;
      const m = this.peek() === "{" ? /^\{([0-9A-Fa-f]{1,8})\}/.exec(this.src.slice(this.pos, this.pos + 10)) : /^([0-9A-Fa-f]{2})/.exec(this.src.slice(this.pos, this.pos + 2));
      const cp = m ? parseInt(m[1]!, 16) : NaN;
      if (!m || cp > MAX_RUNE) this.fail("invalid escape sequence: write \\x41 or \\x{1F600}", at);
      this.pos += m[0].length;
      return cp;
    }
    const controls: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (controls[c] !== undefined) {
      this.pos++;
      return controls[c]!;
    }
    if (c === "k" || c === "g") this.fail(`backreference \\${c}: ${RE2_ONLY} backreferences`, at);
    if (c === "u") this.fail("invalid escape sequence \\u: RE2 writes a code point as \\x{263A}", at);
    const cp = this.char();
    if (cp < 0x80 && !/[A-Za-z0-9]/.test(String.fromCharCode(cp))) return cp;
    this.fail(`invalid escape sequence \\${String.fromCodePoint(cp)}`, at);
  }

  private charClass(): Node {
    const open = this.pos;
    this.pos++;
    const negate = this.peek() === "^";
    if (negate) this.pos++;
    const pairs: number[] = [];
    const props: UnicodeProperty[] = [];
    let first = true;
    while (first || this.peek() !== "]") {
      if (this.pos >= this.src.length) this.fail("missing closing ] for the [ here", open);
      first = false;
      if (this.peek() === "[" && this.peek(1) === ":") {
        const end = this.src.indexOf(":]", this.pos + 2);
        const ranges = end === -1 ? null : posixClass(this.src.slice(this.pos + 2, end));
        if (ranges) {
          pairs.push(...ranges);
          this.pos = end + 2;
          continue;
        }
        if (end !== -1 && /^\^?[a-z]+$/.test(this.src.slice(this.pos + 2, end))) this.fail(`unknown POSIX class ${this.src.slice(this.pos, end + 2)}`);
      }
      const itemAt = this.pos;
      const lo = this.classItem();
      if (lo.prop || lo.ranges.length !== 2 || lo.ranges[0] !== lo.ranges[1] || this.peek() !== "-" || this.peek(1) === "]" || this.peek(1) === "") {
        pairs.push(...lo.ranges);
        if (lo.prop) props.push(lo.prop);
        continue;
      }
      this.pos++;
      const hi = this.classItem();
      if (hi.prop || hi.ranges.length !== 2 || hi.ranges[0] !== hi.ranges[1]) this.fail("invalid character class range: a range ends in a single character", itemAt);
      if (hi.ranges[0]! < lo.ranges[0]!) this.fail(`invalid character class range ${this.src.slice(itemAt, this.pos)}: the end comes before the start`, itemAt);
      pairs.push(lo.ranges[0]!, hi.ranges[0]!);
    }
    this.pos++;
    const ranges = normalizeRanges(pairs);
    // Without properties the negation can be folded into the ranges; with them it is applied when matching.
    if (negate && props.length === 0 && !this.flags.i) return cls(complementRanges(ranges));
    return cls(ranges, this.flags.i, negate, props);
  }

  private classItem(): { ranges: number[]; prop?: UnicodeProperty } {
    if (this.peek() === "\\") return this.classEscape();
    const cp = this.char();
    return { ranges: [cp, cp] };
  }
}
