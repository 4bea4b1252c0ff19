import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_NESTING, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, Re2, RegexSyntaxError } from "./re2.js";

/** JavaScript's answer for a whole-string match (the `u` flag reads code points, as RE2 does). */
const js = (pattern: string, input: string, flags = "u") => new RegExp(`^(?:${pattern})$`, flags).test(input);

const PATTERNS = [
  "",
  "abc",
  "a|b|c",
  "warning|info",
  "support-.*",
  ".*-bot",
  "a*",
  "a+b?",
  "(ab)+",
  "(?:ab|cd)*e",
  "a{3}",
  "a{2,}",
  "a{1,3}b",
  "a{0,2}",
  "[a-c]+",
  "[^a-c]+",
  "[a-]",
  "[-a]",
  "\\d+",
  "\\D\\w\\W",
  "\\w+@\\w+\\.com",
  "[\\d_]+",
  "x\\.y",
  "\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\",
  "\\t\\n",
  "\\x41\\x42",
  "sup(port)|(?<other>bill)ing",
  "a.c",
  "^abc$",
  "a^b",
  "a$b",
  "(a|ab)(c|bcd)(d*)",
  "(a*)*",
  "(a*)+b",
  "(|a)+",
  "a*?b+?c??",
  "\\bword\\b.*",
  "\\Bx",
  "é+",
  "[à-ÿ]+",
  ".",
  "..",
  "😀+",
  "[😀-😂]",
  "café|caffè",
];

const INPUTS = ["", "a", "b", "c", "ab", "abc", "abcd", "aaa", "aaaa", "aab", "abab", "ababe", "cde", "e", "]", "-", "x.y", "xzy", "123", "1_2", "a1!", "joe@acme.com", "()[]{}*+?|^$\\", "\t\n", "AB", "support-bot", "sales-bot", "warning", "info", "word here", "wordy", "éé", "àÿ", "😀", "😀😀", "😁", "é", "ab😀", "café", "caffè", "cafe", "{", "a{,2}", "a{x}", "axc", "ba", "ac", "bcd", "abcdd", "word", "ax", "support", "billing"];

describe("Re2 agrees with JavaScript's RegExp on ordinary patterns", () => {
  it("for every pattern and input of the table (whole-string match, code points)", () => {
    let checked = 0;
    for (const p of PATTERNS) {
      const re = new Re2(p);
      for (const s of INPUTS) {
        assert.equal(re.test(s), js(p, s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`);
        checked++;
      }
    }
    assert.ok(checked > 2000);
  });

  it("with (?i) as JavaScript's i flag, including outside ASCII", () => {
    for (const [p, inputs] of [
      ["critical|warning", ["CRITICAL", "Warning", "info"]],
      ["[a-f]+x", ["ABCx", "abcX", "ghx"]],
      ["[^a]", ["A", "a", "b", "B"]],
      ["straße", ["STRAßE", "Straße", "STRASSE"]],
      ["é", ["É", "é", "e"]],
      ["σ+", ["Σσ", "σ"]],
    ] as [string, string[]][]) {
      const re = new Re2(`(?i)${p}`);
      for (const s of inputs) assert.equal(re.test(s), js(p, s, "iu"), `(?i)${p} on ${s}`);
    }
  });
});

describe("Re2 follows RE2 where JavaScript differs", () => {
  it("scopes flags to their group and supports (?s) and (?m)", () => {
    assert.equal(new Re2("a(?i:b)c").test("aBc"), true);
    assert.equal(new Re2("a(?i:b)c").test("aBC"), false);
    assert.equal(new Re2("(a(?i)b)c").test("aBc"), true);
    assert.equal(new Re2("(a(?i)b)c").test("aBC"), false);
    assert.equal(new Re2("(?i)a(?-i)b").test("Ab"), true);
    assert.equal(new Re2("(?i)a(?-i)b").test("AB"), false);
    assert.equal(new Re2("a.b").test("a\nb"), false);
    assert.equal(new Re2("(?s)a.b").test("a\nb"), true);
    assert.equal(new Re2("a$\\n^b").test("a\nb"), false);
    assert.equal(new Re2("(?m)a$\\n^b").test("a\nb"), true);
  });

  it("keeps \\s, \\w and \\d to ASCII and supports POSIX and Unicode classes", () => {
    assert.equal(new Re2("\\s").test("\v"), false, "RE2's \\s is [\\t\\n\\f\\r ]");
    assert.equal(new Re2("\\s").test("\u00a0"), false);
    assert.equal(new Re2("\\w").test("é"), false);
    assert.equal(new Re2("\\d").test("٣"), false);
    assert.equal(new Re2("[[:alpha:]]+[[:digit:]]").test("abc1"), true);
    assert.equal(new Re2("[[:^space:]]+").test("a b"), false);
    assert.equal(new Re2("\\pL+").test("héllo"), true);
    assert.equal(new Re2("\\p{Greek}+").test("αβγ"), true);
    assert.equal(new Re2("\\p{Greek}+").test("abc"), false);
    assert.equal(new Re2("\\PL").test("1"), true);
    assert.equal(new Re2("[^\\p{Lu}]+").test("abc"), true);
    assert.equal(new Re2("[^\\p{Lu}]+").test("aBc"), false);
    assert.equal(new Re2("\\Qa.b*\\E+").test("a.b**"), true, "\\Q...\\E is literal text");
    assert.equal(new Re2("\\101\\0").test("A\u0000"), true, "octal escapes");
  });

  it("reads braces that are not a repeat count, and a leading ], as literals", () => {
    for (const [p, s] of [["{", "{"], ["a{,2}", "a{,2}"], ["a{x}", "a{x}"], ["[]a]+", "]a]"], ["x{1", "x{1"]]) assert.equal(new Re2(p!).test(s!), true, p);
    assert.equal(new Re2("\\x{1F600}\\x{41}").test("😀A"), true);
    assert.equal(new Re2("(?P<agent>sup)port").test("support"), true, "Go's named groups");
  });

  it("reads lone surrogates and astral characters as one code point each", () => {
    assert.equal(new Re2(".").test("\ud83d"), true);
    assert.equal(new Re2("..").test("😀"), false);
    assert.equal(new Re2("a.c").test("a😀c"), true);
  });
});

describe("Re2 runs in linear time", () => {
  const timed = (pattern: string, input: string): { matched: boolean; ms: number } => {
    const re = new Re2(pattern);
    const t0 = performance.now();
    const matched = re.test(input);
    return { matched, ms: performance.now() - t0 };
  };

  it("on patterns that take a backtracking engine exponential time, against 10,000 characters", () => {
    const as = "a".repeat(10_000);
    for (const [pattern, input, expected] of [
      ["(a+)+$", as + "!", false],
      ["(a+)+$", as, true],
      ["(a|aa)*b", as, false],
      ["(a|aa)*b", as + "b", true],
      ["(.*a){20}", as, true],
      ["(.*a){20}", as.slice(0, 19), false],
      ["(a*)*b", as, false],
      ["(\\w+\\s?)*$", "word ".repeat(2000) + "!", false],
    ] as [string, string, boolean][]) {
      const r = timed(pattern, input);
      assert.equal(r.matched, expected, pattern);
      // A sanity bound only (shared CI machines): backtracking takes years here, not milliseconds.
      assert.ok(r.ms < 200, `${pattern} took ${r.ms.toFixed(1)} ms on ${input.length} characters`);
    }
  });

  it("on the finding: a silence pattern (a+)+$ and agent aaa…a! (31 a's)", () => {
    const r = timed("(a+)+$", "a".repeat(31) + "!");
    assert.equal(r.matched, false);
    assert.ok(r.ms < 50, `took ${r.ms.toFixed(1)} ms`);
  });
});

describe("Re2 refuses what RE2 refuses", () => {
  const refused = (pattern: string, message: RegExp) => {
    assert.throws(
      () => new Re2(pattern),
      (err: unknown) => {
        assert.ok(err instanceof RegexSyntaxError, `${pattern}: ${String(err)}`);
        assert.match(err.message, /RE2 syntax/);
        assert.match(err.message, message, pattern);
        return true;
      },
    );
  };

  it("backreferences, lookaround, atomic groups and possessive quantifiers, saying RE2 has none", () => {
    refused("(a)\\1", /backreference \\1: .*no backreferences/);
    refused("(?P<x>a)(?P=x)", /backreference \(\?P=name\)/);
    refused("(?<x>a)\\k<x>", /backreference \\k/);
    refused("(?=a)a", /lookahead .*no lookaround/);
    refused("a(?!b)", /negative lookahead/);
    refused("(?<=a)b", /lookbehind/);
    refused("(?<!a)b", /negative lookbehind/);
    refused("(?>a+)b", /atomic group/);
    refused("a*+", /invalid nested repetition operator \*\+/);
    refused("a++", /invalid nested repetition operator \+\+/);
    refused("a{2}{3}", /invalid nested repetition operator \{2\}\{3\}/);
  });

  it("malformed patterns, naming the problem and where it is", () => {
    refused("(ab", /missing closing \) .* at offset 0/);
    refused("ab)", /unexpected \) .* at offset 2/);
    refused("[ab", /missing closing \]/);
    refused("*a", /missing argument to repetition operator \*/);
    refused("a|+", /missing argument/);
    refused("[z-a]", /invalid character class range z-a/);
    refused("a{1001}", /invalid repeat count \{1001\}/);
    refused("a{3,2}", /invalid repeat count/);
    refused("\\", /trailing backslash/);
    refused("\\e", /invalid escape sequence \\e/);
    refused("\\u0041", /\\x\{263A\}/);
    refused("\\p{Nope}", /unknown Unicode class/);
    refused("[[:nope:]]", /unknown POSIX class/);
    refused("(?x)a", /unsupported Perl syntax/);
  });

  it("patterns over the size limits", () => {
    refused("a".repeat(MAX_PATTERN_LENGTH + 1), new RegExp(`at most ${MAX_PATTERN_LENGTH}`));
    refused("((a{1000}){1000})", new RegExp(`more than ${MAX_PROGRAM_SIZE} instructions`));
    refused("(".repeat(MAX_NESTING + 1) + ")".repeat(MAX_NESTING + 1), /nest more than/);
    assert.ok(new Re2("\\d{1,1000}").size <= 2001, "one instruction per copy and one per optional copy");
  });
});
