/**
 * The cardinality guard of the exposition: each group of families (the runs by agent, model, route
 * and mode; the tenants; the tools...) keeps at most `limit` label combinations. Past 90% of the
 * limit a new combination folds its most varied labels, one at a time, into the value `other`
 * (so a tenant explosion folds tenants, not agents); at the limit everything folds into one
 * all-`other` combination, whose slot is reserved. Folded observations are counted, never dropped:
 * sums over a family stay exact.
 */

/** The label value folded combinations carry. */
export const OTHER = "other";
/** The smallest limit a group accepts (room for the folded combination and some real ones). */
export const MIN_SERIES_LIMIT = 10;
/** Folded keys remembered so a repeat costs one lookup; past this, folding is recomputed. */
const FOLD_CACHE = 10_000;
const SEP = "\u0001";

/** One admitted label combination. */
export interface GuardedSeries {
  /** The label values (possibly folded), in the group's label order; "" is an absent label. */
  readonly values: readonly string[];
}

interface Leaf<S> {
  series: S;
  folded: boolean;
}

/** What the guard reports about a group. */
export interface GuardStats {
  group: string;
  series: number;
  limit: number;
  /** Observations that landed on a folded combination since the start. */
  folded: number;
}

/** Admits label combinations of one group up to its limit, folding the rest. */
export class SeriesGuard<S extends GuardedSeries> {
  private readonly series = new Map<string, S>();
  /** Label value → next label's map → ... → leaf, for every admitted or remembered folded combination. */
  private readonly tree = new Map<string, unknown>();
  private foldsKept = 0;
  private readonly distinct: Set<string>[];
  private readonly normalCap: number;
  private foldedCount = 0;

  constructor(
    readonly group: string,
    readonly labels: readonly string[],
    readonly limit: number,
    private readonly create: (values: readonly string[]) => S,
  ) {
    if (!Number.isInteger(limit) || limit < MIN_SERIES_LIMIT) throw new RangeError(`series limit of "${group}" must be an integer >= ${MIN_SERIES_LIMIT}`);
    this.distinct = labels.map(() => new Set<string>());
    // One slot is reserved for the all-`other` combination, and with several labels a tenth for
    // partly folded ones, so the group never exceeds its limit.
    this.normalCap = limit - 1 - (labels.length > 1 ? Math.floor(limit / 10) : 0);
  }

  /**
   * The series for `values` (label values in the group's order), admitting or folding it. The
   * array may be reused by the caller: it is copied when kept. Known combinations are found
   * through one map per label (no key string is built on the hot path).
   */
  get(values: readonly string[]): S {
    let node: Map<string, unknown> = this.tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) return this.miss(values);
      node = next;
    }
    const hit = node.get(values[last]!) as Leaf<S> | undefined;
    if (hit === undefined) return this.miss(values);
    if (hit.folded) this.foldedCount++;
    return hit.series;
  }

  /** A combination not seen before (or folded past the cache): admit, or fold and remember. */
  private miss(input: readonly string[]): S {
    const values = [...input];
    const key = values.length === 1 ? values[0]! : values.join(SEP);
    const known = this.series.get(key);
    if (known !== undefined) return known;
    this.noteDistinct(values);
    if (this.series.size < this.normalCap) {
      const s = this.admit(key, values);
      this.remember(values, { series: s, folded: false });
      return s;
    }
    const folded = this.fold(values);
    if (this.foldsKept < FOLD_CACHE) {
      this.foldsKept++;
      this.remember(values, { series: folded, folded: true });
    }
    this.foldedCount++;
    return folded;
  }

  private remember(values: readonly string[], leaf: Leaf<S>): void {
    let node = this.tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) node.set(values[i]!, (next = new Map()));
      node = next;
    }
    node.set(values[last]!, leaf);
  }

  /** Every admitted series, in admission order. */
  all(): IterableIterator<S> {
    return this.series.values();
  }

  /** Admitted combinations, the limit and the folded observations. */
  stats(): GuardStats {
    return { group: this.group, series: this.series.size, limit: this.limit, folded: this.foldedCount };
  }

  private admit(key: string, values: readonly string[]): S {
    const s = this.create(values);
    this.series.set(key, s);
    return s;
  }

  private noteDistinct(values: readonly string[]): void {
    for (let i = 0; i < values.length; i++) {
      const d = this.distinct[i]!;
      if (d.size < this.limit) d.add(values[i]!);
    }
  }

  /**
   * Folds the most varied labels first until the combination exists or fits. The last step folds
   * every label, absent ones included, so there is exactly one fully folded combination and the
   * reserved slot always suffices.
   */
  private fold(values: readonly string[]): S {
    const order = values.map((_, i) => i);
    order.sort((a, b) => this.distinct[b]!.size - this.distinct[a]!.size || a - b);
    const out = [...values];
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (out[i] === OTHER && k < order.length - 1) continue;
      out[i] = OTHER;
      const key = out.length === 1 ? out[0]! : out.join(SEP);
      const s = this.series.get(key);
      if (s !== undefined) return s;
      if (this.series.size < this.limit - 1 || k === order.length - 1) return this.admit(key, out);
    }
    throw new Error("unreachable: a group has at least one label");
  }
}
