/**
 * The series the rollups know: each distinct dimension set (agent, model, route, tenant, mode, query
 * class, component, service, endpoint) gets
 * a small integer id, its dimension values once, and a place in a posting list per dimension value.
 * Buckets are keyed by that id, so a filter on one dimension reads the few series carrying that
 * value instead of every key of every time slice, and a grouping reads each series' values
 * without parsing keys.
 *
 * It also puts a ceiling on cardinality: past `valuesPerDimension` distinct values of a dimension,
 * new values are folded into the value `other`; past `series` dimension sets, a new one is folded
 * into an existing set with `other` in place of its most numerous dimensions. The events themselves
 * are stored whole; only their rollups are folded, and every fold is counted.
 */
import { SeriesTable } from "./series-table.js";
import { DIMENSIONS, type Dimension, type Dims } from "./stored-event.js";

/** The value new dimension values are folded into once a dimension has reached its limit. */
export const OVERFLOW_VALUE = "other";
/** Separator of dimension values inside a key; names cannot contain control characters. */
export const SEP = "\u001f";

/** Limits on distinct values and dimension sets (see `docs/operations.md`, Cardinality). */
export interface CardinalityLimits {
  /** Distinct values kept per dimension; further values are folded into `other`. */
  valuesPerDimension: number;
  /** Distinct dimension sets kept; further ones are folded into sets with `other` values. */
  series: number;
}

/** Defaults: room for 50,000 agents (or tenants, ...) and 100,000 dimension sets. */
export const DEFAULT_LIMITS: CardinalityLimits = { valuesPerDimension: 50_000, series: 100_000 };

/** Events whose rollups were folded into `other`, per cause, since the process started. */
export type OverflowCounts = Record<Dimension | "series", number>;

/**
 * The order in which dimensions give way to `other` when the series limit is reached: the ones
 * that usually have the most values first (tenants, agents, endpoints, which often carry ids or
 * paths), then those with a few dozen (route, service, component, mode). Query classes and models
 * give way last: a service class and its SLOs select by query class, and failover judges models,
 * so their figures stay exact the longest.
 */
const YIELD_ORDER: readonly Dimension[] = ["tenant_id", "agent_name", "endpoint", "route", "service", "component", "mode", "query_class", "model"];
/** The dimensions a dimension set past the series limit gives up first (the ones that usually explode). */
const FIRST_TO_YIELD: readonly Dimension[] = ["tenant_id", "agent_name", "endpoint"];

/** Dimension sets past the limit that may still be created to hold folded ones (a tenth of the limit). */
export function reserveOf(limit: number): number {
  return Math.max(1, Math.ceil(limit / 10));
}

/**
 * Builds the key of a dimension set (a Dims object or an event body: non-string values count as
 * absent). A set without query class, component, service and endpoint has the five-part key it had
 * before those dimensions existed, so rollups persisted then load into the same series as new events.
 */
export function dimsKey(d: Readonly<Record<string, unknown>>): string {
  const base = str(d.agent_name) + SEP + str(d.model) + SEP + str(d.route) + SEP + str(d.tenant_id) + SEP + str(d.mode);
  const q = str(d.query_class);
  const c = str(d.component);
  const s = str(d.service);
  const e = str(d.endpoint);
  return q || c || s || e ? base + SEP + q + SEP + c + SEP + s + SEP + e : base;
}

/** Splits a key (five or nine parts) back into its dimensions (empty or missing values become undefined). */
export function parseDimsKey(key: string): Dims {
  const parts = key.split(SEP);
  const d: Dims = {};
  DIMENSIONS.forEach((name, i) => {
    const v = parts[i];
    if (v) d[name] = v;
  });
  return d;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * A frozen copy of a dimension set, built field by field in dimension order: such copies share
 * their hidden class, where freezing a spread copy gives each its own (~300 bytes per series).
 */
function frozenCopy(dims: Readonly<Dims>): Readonly<Dims> {
  const d: Dims = {};
  for (const name of DIMENSIONS) {
    const v = dims[name];
    if (v !== undefined) d[name] = v;
  }
  return Object.freeze(d);
}

/** Ids, dimension values and posting lists of the known series. */
export class SeriesRegistry {
  private readonly byKey = new Map<string, number>();
  /** Per id: its key (undefined once released). */
  private readonly keys: (string | undefined)[] = [];
  /** Per id: its dimension values (frozen: queries hand them out). */
  private readonly dimsOf: (Readonly<Dims> | undefined)[] = [];
  /** Per id: how many buckets hold it; at zero the series is released. */
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  /** Ids released since the last `recycle`: not reused yet, so a scan still holding them reads them right. */
  private freed: number[] = [];
  /** Per dimension: value → ids of the series carrying it. */
  private readonly postings = new Map<Dimension, Map<string, Set<number>>>(DIMENSIONS.map((d) => [d, new Map()]));
  /** Per dimension: value → a small number naming it, its names by number, and numbers to reuse. */
  private readonly valueIds = new Map<Dimension, { ids: Map<string, number>; names: (string | undefined)[]; free: number[]; freed: number[] }>(DIMENSIONS.map((d) => [d, { ids: new Map(), names: [], free: [], freed: [] }]));
  /** Per dimension, per series id: the number of its value (-1: none). Flat, so ranking reads it fast. */
  private readonly vids = new Map<Dimension, Int32Array>(DIMENSIONS.map((d) => [d, new Int32Array(64).fill(-1)]));
  /** The live series whose key is the key of their values, found by those values without building a key. */
  private readonly table = new SeriesTable(this.dimsOf);
  private live = 0;
  readonly overflow: OverflowCounts = { ...(Object.fromEntries(DIMENSIONS.map((d) => [d, 0])) as Record<Dimension, number>), series: 0 };

  constructor(private readonly limits: CardinalityLimits = DEFAULT_LIMITS) {}

  /**
   * The id of an event body's series, applying the limits: a value a full dimension does not know
   * becomes `other`, and a new series past the series limit is folded into a coarser one.
   */
  idForEvent(body: Readonly<Record<string, unknown>>): number {
    const found = this.table.find(body);
    if (found >= 0) return found;
    const key = dimsKey(body);
    const id = this.byKey.get(key);
    if (id !== undefined) return id;
    const dims = parseDimsKey(key);
    let folded = false;
    for (const d of DIMENSIONS) {
      const v = dims[d];
      if (v === undefined || v === OVERFLOW_VALUE) continue;
      const values = this.postings.get(d)!;
      if (!values.has(v) && values.size >= this.limits.valuesPerDimension) {
        dims[d] = OVERFLOW_VALUE;
        this.overflow[d]++;
        folded = true;
      }
    }
    const foldedKey = folded ? dimsKey(dims) : key;
    const existing = folded ? this.byKey.get(foldedKey) : undefined;
    if (existing !== undefined) return existing;
    if (this.live >= this.limits.series) return this.coarser(dims);
    return this.idFor(foldedKey, dims);
  }

  /**
   * Folds a new series past the series limit. First into the set with `other` for its tenant,
   * agent and endpoint (the dimensions that usually explode), created if needed within a reserve of
   * a tenth of the limit; once the reserve is used, into the first existing set with `other` in place
   * of more dimensions (YIELD_ORDER), and last into the set with `other` everywhere. So the
   * ceiling is the limit plus the reserve plus one.
   */
  private coarser(dims: Dims): number {
    this.overflow.series++;
    const d: Dims = { ...dims };
    for (const y of FIRST_TO_YIELD) if (d[y] !== undefined) d[y] = OVERFLOW_VALUE;
    let key = dimsKey(d);
    const first = this.byKey.get(key);
    if (first !== undefined) return first;
    if (this.live < this.limits.series + reserveOf(this.limits.series)) return this.idFor(key, d);
    for (const y of YIELD_ORDER) {
      if (d[y] === undefined || d[y] === OVERFLOW_VALUE) continue;
      d[y] = OVERFLOW_VALUE;
      key = dimsKey(d);
      const id = this.byKey.get(key);
      if (id !== undefined) return id;
    }
    return this.idFor(key, d);
  }

  /** The id of a series by key (restored buckets: no limits apply to what was already folded). */
  idFor(key: string, dims: Dims = parseDimsKey(key)): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const id = this.free.pop() ?? this.keys.length;
    this.byKey.set(key, id);
    this.keys[id] = key;
    this.refs[id] = 0;
    this.live++;
    // The series' values are the registry's own string of each value, shared by every series
    // carrying it: finding a series compares them, and shared strings stay in cache.
    const shared: Dims = {};
    for (const d of DIMENSIONS) {
      let arr = this.vids.get(d)!;
      if (id >= arr.length) {
        const next = new Int32Array(Math.max(id + 1, arr.length * 2)).fill(-1);
        next.set(arr);
        this.vids.set(d, (arr = next));
      }
      const v = dims[d];
      if (v === undefined) {
        arr[id] = -1;
        continue;
      }
      const values = this.postings.get(d)!;
      let ids = values.get(v);
      const names = this.valueIds.get(d)!;
      if (!ids) {
        values.set(v, (ids = new Set()));
        const vid = names.free.pop() ?? names.names.length;
        names.ids.set(v, vid);
        names.names[vid] = v;
      }
      ids.add(id);
      const vid = names.ids.get(v)!;
      arr[id] = vid;
      shared[d] = names.names[vid]!;
    }
    const frozen = frozenCopy(shared);
    this.dimsOf[id] = frozen;
    // A key of another form (persisted by an older version) is found by key only, as before.
    if (key === dimsKey(frozen)) this.table.add(id, frozen);
    return id;
  }

  /** One more bucket holds series `id`. */
  retain(id: number): void {
    this.refs[id]!++;
  }

  /**
   * One bucket fewer holds series `id`; the last one releases it: new events of its dimension set
   * get a new id. Its id and dimension values stay readable until the next `recycle`.
   */
  release(id: number): void {
    if (--this.refs[id]! > 0) return;
    const key = this.keys[id]!;
    const dims = this.dimsOf[id]!;
    this.byKey.delete(key);
    this.table.remove(id);
    this.live--;
    for (const d of DIMENSIONS) {
      const v = dims[d];
      if (v === undefined) continue;
      const values = this.postings.get(d)!;
      const ids = values.get(v)!;
      ids.delete(id);
      if (ids.size === 0) {
        values.delete(v);
        const names = this.valueIds.get(d)!;
        names.freed.push(names.ids.get(v)!);
        names.ids.delete(v);
      }
    }
    this.freed.push(id);
  }

  /**
   * Makes the ids released before this call reusable (called before pruning, so that a scan that
   * started before one prune never sees an id reused by the next).
   */
  recycle(): void {
    for (const id of this.freed) {
      this.keys[id] = undefined;
      this.dimsOf[id] = undefined;
      for (const d of DIMENSIONS) this.vids.get(d)![id] = -1;
      this.free.push(id);
    }
    this.freed = [];
    for (const names of this.valueIds.values()) {
      for (const vid of names.freed) {
        names.names[vid] = undefined;
        names.free.push(vid);
      }
      names.freed = [];
    }
  }

  /** The key of a live series. */
  keyOf(id: number): string {
    return this.keys[id]!;
  }

  /** The dimension values of a live series (shared: read, never change). */
  dims(id: number): Readonly<Dims> {
    return this.dimsOf[id]!;
  }

  /** Per series id, the number of its value of `d` (-1: none); read it, never change it. */
  valueNumbers(d: Dimension): Int32Array {
    return this.vids.get(d)!;
  }

  /** The number of a value of `d` (-1: no live series carries it). */
  valueNumber(d: Dimension, value: string): number {
    return this.postings.get(d)!.has(value) ? this.valueIds.get(d)!.ids.get(value)! : -1;
  }

  /** The value a number of `valueNumbers(d)` names. */
  valueName(d: Dimension, vid: number): string {
    return this.valueIds.get(d)!.names[vid]!;
  }

  /** One more than the largest value number of `d` in use. */
  valueNumberBound(d: Dimension): number {
    return this.valueIds.get(d)!.names.length;
  }

  /** Live series. */
  size(): number {
    return this.live;
  }

  /** Distinct values of a dimension among the live series. */
  valueCount(d: Dimension): number {
    return this.postings.get(d)!.size;
  }

  /** The limits in force. */
  cardinalityLimits(): CardinalityLimits {
    return this.limits;
  }

  /**
   * How many series at most `matching(filter, only)` returns (the shortest posting list, or
   * the union of `only`'s), without building the list.
   */
  estimate(filter: Partial<Record<Dimension, string>>, only?: { dim: Dimension; values: ReadonlySet<string> }): number {
    let n = Infinity;
    for (const d of DIMENSIONS) {
      const v = filter[d];
      if (v !== undefined) n = Math.min(n, this.postings.get(d)!.get(v)?.size ?? 0);
    }
    if (only) {
      const values = this.postings.get(only.dim)!;
      let u = 0;
      for (const v of only.values) u += values.get(v)?.size ?? 0;
      n = Math.min(n, u);
    }
    return n === Infinity ? this.live : n;
  }

  /**
   * Ids of the series matching every value of `filter` and, when given, carrying one of `values`
   * of `only.dim` — read from the shortest posting list. An empty array when nothing matches.
   */
  matching(filter: Partial<Record<Dimension, string>>, only?: { dim: Dimension; values: ReadonlySet<string> }): number[] {
    let shortest: Iterable<number> | null = null;
    let shortestSize = Infinity;
    for (const d of DIMENSIONS) {
      const v = filter[d];
      if (v === undefined) continue;
      const ids = this.postings.get(d)!.get(v);
      if (!ids) return [];
      if (ids.size < shortestSize) {
        shortest = ids;
        shortestSize = ids.size;
      }
    }
    if (only) {
      const values = this.postings.get(only.dim)!;
      let n = 0;
      for (const v of only.values) n += values.get(v)?.size ?? 0;
      if (n < shortestSize) {
        const union: number[] = [];
        for (const v of only.values) {
          const ids = values.get(v);
          if (ids) for (const id of ids) union.push(id);
        }
        shortest = union;
        shortestSize = n;
      }
    }
    const out: number[] = [];
    if (shortest === null) {
      // No filter at all: every live series.
      for (const id of this.byKey.values()) out.push(id);
      return out;
    }
    for (const id of shortest) {
      const dims = this.dimsOf[id]!;
      if (!matchesFilter(dims, filter)) continue;
      if (only && !only.values.has(dims[only.dim] as string)) continue;
      out.push(id);
    }
    return out;
  }
}

/** True when every dimension given in `f` has that value in `d`. */
export function matchesFilter(d: Readonly<Dims>, f: Partial<Record<Dimension, string>>): boolean {
  for (const k in f) {
    const want = f[k as Dimension];
    if (want !== undefined && d[k as Dimension] !== want) return false;
  }
  return true;
}
