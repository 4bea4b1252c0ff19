/**
 * A linear-time regular-expression matcher for label matchers, with RE2 semantics: the pattern is
 * compiled to a Thompson NFA program and run as a Pike VM, which carries the set of live states
 * along the input one code point at a time, so a match costs at most program size × input
 * length, whatever the pattern. JavaScript's backtracking `RegExp` can take exponential time
 * (`(a+)+$` against `aaa…a!`): a silence or route must never be able to stall the server.
 */
import { classHolds, type CharClass } from "./re2-classes.js";
import { parseRe2, RegexSyntaxError, type AssertKind, type Node } from "./re2-syntax.js";

export { MAX_NESTING, MAX_PATTERN_LENGTH, MAX_REPEAT, RegexSyntaxError } from "./re2-syntax.js";

/** Most instructions a compiled pattern may have (`x{1000}` counts x a thousand times). */
export const MAX_PROGRAM_SIZE = 10_000;

const CLASS = 0;
const ASSERT = 1;
const SPLIT = 2;
const JMP = 3;
const MATCH = 4;

interface Inst {
  op: number;
  /** Jump target (JMP, SPLIT first branch). */
  x: number;
  /** SPLIT second branch. */
  y: number;
  cls: CharClass | null;
  /** Precomputed answers of `cls` for ASCII code points. */
  ascii: Uint8Array | null;
  kind: AssertKind | null;
}

const asciiTables = new WeakMap<CharClass, Uint8Array>();

function asciiTable(cls: CharClass): Uint8Array {
  let t = asciiTables.get(cls);
  if (!t) {
    t = new Uint8Array(128);
    for (let c = 0; c < 128; c++) t[c] = classHolds(cls, c) ? 1 : 0;
    asciiTables.set(cls, t);
  }
  return t;
}

class Compiler {
  readonly prog: Inst[] = [];

  constructor(private readonly pattern: string) {}

  emit(op: number, cls: CharClass | null = null, kind: AssertKind | null = null): number {
    if (this.prog.length >= MAX_PROGRAM_SIZE) {
      throw new RegexSyntaxError(this.pattern, `the expression is too large: it compiles to more than ${MAX_PROGRAM_SIZE} instructions (lower the repetition counts)`, -1);
    }
    this.prog.push({ op, x: -1, y: -1, cls, ascii: cls ? asciiTable(cls) : null, kind });
    return this.prog.length - 1;
  }

  gen(n: Node): void {
    const prog = this.prog;
    switch (n.t) {
      case "empty":
        return;
      case "class":
        this.emit(CLASS, n.cls);
        return;
      case "assert":
        this.emit(ASSERT, null, n.kind);
        return;
      case "cat":
        for (const item of n.items) this.gen(item);
        return;
      case "alt": {
        const exits: number[] = [];
        for (let i = 0; i < n.items.length - 1; i++) {
          const split = this.emit(SPLIT);
          prog[split]!.x = split + 1;
          this.gen(n.items[i]!);
          exits.push(this.emit(JMP));
          prog[split]!.y = prog.length;
        }
        this.gen(n.items[n.items.length - 1]!);
        for (const j of exits) prog[j]!.x = prog.length;
        return;
      }
      case "rep": {
        const { sub, min, max } = n;
        const fixed = max === -1 && min > 0 ? min - 1 : min;
        for (let i = 0; i < fixed; i++) this.gen(sub);
        if (max === -1 && min > 0) {
          // x+ : x, then loop back or go on.
          const start = prog.length;
          this.gen(sub);
          const split = this.emit(SPLIT);
          prog[split]!.x = start;
          prog[split]!.y = split + 1;
        } else if (max === -1) {
          const split = this.emit(SPLIT);
          prog[split]!.x = split + 1;
          this.gen(sub);
          prog[this.emit(JMP)]!.x = split;
          prog[split]!.y = prog.length;
        } else {
          // x{0,k} as (x(x(x)?)?)?: each optional copy may leave for the end.
          const splits: number[] = [];
          for (let i = min; i < max; i++) {
            const split = this.emit(SPLIT);
            prog[split]!.x = split + 1;
            splits.push(split);
            this.gen(sub);
          }
          for (const s of splits) prog[s]!.y = prog.length;
        }
        return;
      }
    }
  }
}

const isWord = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a);

function assertHolds(kind: AssertKind, prev: number, next: number): boolean {
  switch (kind) {
    case "beginText":
      return prev === -1;
    case "endText":
      return next === -1;
    case "beginLine":
      return prev === -1 || prev === 0x0a;
    case "endLine":
      return next === -1 || next === 0x0a;
    case "wordBoundary":
      return isWord(prev) !== isWord(next);
    case "notWordBoundary":
      return isWord(prev) === isWord(next);
  }
}

/** A set of program counters with O(1) insert, membership and clear (a generation-stamped sparse set). */
class StateSet {
  readonly dense: Int32Array;
  size = 0;
  private readonly stamp: Uint32Array;
  private gen = 1;

  constructor(n: number) {
    this.dense = new Int32Array(n);
    this.stamp = new Uint32Array(n);
  }

  clear(): void {
    this.size = 0;
    if (++this.gen === 0xffffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  has(pc: number): boolean {
    return this.stamp[pc] === this.gen;
  }

  add(pc: number): void {
    this.stamp[pc] = this.gen;
    this.dense[this.size++] = pc;
  }
}

/** A compiled pattern that tests whole strings (anchored at both ends, as Prometheus and Alertmanager do). */
export class Re2 {
  private readonly op: Uint8Array;
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly insts: Inst[];
  // Working memory, reused by every call (a test never runs while another is under way).
  private clist: StateSet;
  private nlist: StateSet;
  private readonly stack: Int32Array;

  /** Compiles `pattern`; throws `RegexSyntaxError` naming the problem. */
  constructor(readonly pattern: string) {
    const c = new Compiler(pattern);
    c.gen(parseRe2(pattern));
    c.emit(MATCH);
    const n = c.prog.length;
    this.insts = c.prog;
    this.op = Uint8Array.from(c.prog, (i) => i.op);
    this.x = Int32Array.from(c.prog, (i) => i.x);
    this.y = Int32Array.from(c.prog, (i) => i.y);
    this.clist = new StateSet(n);
    this.nlist = new StateSet(n);
    // Each instruction enters a set once and pushes at most two successors.
    this.stack = new Int32Array(2 * n + 1);
  }

  /** Number of instructions of the compiled program (a match costs at most this × input length steps). */
  get size(): number {
    return this.op.length;
  }

  /** True when the whole of `input` matches. Time O(size × input length), memory O(size). */
  test(input: string): boolean {
    const len = input.length;
    let pos = 0;
    let cur = len > 0 ? input.codePointAt(0)! : -1;
    let clist = this.clist;
    let nlist = this.nlist;
    clist.clear();
    this.closure(clist, 0, -1, cur);
    while (pos < len) {
      if (clist.size === 0) return false;
      const c = cur;
      pos += c > 0xffff ? 2 : 1;
      const next = pos < len ? input.codePointAt(pos)! : -1;
      nlist.clear();
      for (let i = 0; i < clist.size; i++) {
        const pc = clist.dense[i]!;
        if (this.op[pc] !== CLASS) continue;
        const inst = this.insts[pc]!;
        if (c < 128 ? inst.ascii![c] === 1 : classHolds(inst.cls!, c)) this.closure(nlist, pc + 1, c, next);
      }
      const t = clist;
      clist = nlist;
      nlist = t;
      cur = next;
    }
    return clist.has(this.op.length - 1);
  }

  /** Adds `start` and every state reachable from it without reading input (at a place between `prev` and `next`). */
  private closure(set: StateSet, start: number, prev: number, next: number): void {
    const { op, x, y, stack } = this;
    let sp = 0;
    stack[sp++] = start;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (set.has(pc)) continue;
      set.add(pc);
      switch (op[pc]) {
        case JMP:
          stack[sp++] = x[pc]!;
          break;
        case SPLIT:
          stack[sp++] = y[pc]!;
          stack[sp++] = x[pc]!;
          break;
        case ASSERT:
          if (assertHolds(this.insts[pc]!.kind!, prev, next)) stack[sp++] = pc + 1;
          break;
      }
    }
  }
}

/** Throws `RegexSyntaxError` unless `pattern` is valid RE2 syntax within the size limits. */
export function checkRe2(pattern: string): void {
  new Re2(pattern);
}
