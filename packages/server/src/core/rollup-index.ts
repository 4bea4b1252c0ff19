/**
 * The in-memory rollups: per-minute and per-hour buckets for every dimension set
 * (agent, model, route, tenant, mode) plus a total per slice. Folding an event touches four
 * buckets; answering a window merges at most ~140 time slices whatever the number of events.
 *
 * Windows are resolved to whole minutes: a window includes the whole minute in which it starts
 * and the current minute. Spans older than the minute horizon are answered from hour buckets,
 * so a window reaching back further than the minute horizon is resolved to whole hours at its start.
 */
import { Bucket, F, FIELD_COUNT, IS_MAX_FIELD } from "./bucket.js";
import { sketchKey } from "./ddsketch.js";
import { DIMENSIONS, type Dimension, type Dims, type StoredEvent } from "./stored-event.js";

/** One minute in milliseconds. */
export const MINUTE = 60_000;
/** One hour in milliseconds. */
export const HOUR = 3_600_000;
/** Separator of dimension values inside a key; names cannot contain control characters. */
const SEP = "\u001f";
/** Key of the all-dimensions total bucket of a time slice. */
export const TOTAL_KEY = "\u0000total";

/** Time tier of a bucket. */
export type Tier = "m" | "h";

/** A bucket with its address, as persisted. */
export interface BucketRecord {
  tier: Tier;
  start: number;
  key: string;
  bucket: Bucket;
}

/** How long each tier is kept in memory. */
export interface RollupHorizons {
  minuteMs: number;
  hourMs: number;
}

/** Filter on dimensions: every given dimension must equal its value. */
export type DimFilter = Partial<Record<Dimension, string>>;

/** Builds the key of a dimension set. */
export function dimsKey(d: Dims): string {
  return (d.agent_name ?? "") + SEP + (d.model ?? "") + SEP + (d.route ?? "") + SEP + (d.tenant_id ?? "") + SEP + (d.mode ?? "");
}

/** Splits a key back into its dimensions (empty values become undefined). */
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
const NUM = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * What one event adds to a bucket, computed once per event and then applied to each of the four
 * buckets it lands in (minute and hour, per dimension set and in total).
 */
export class EventDelta {
  readonly f = new Float64Array(FIELD_COUNT);
  /** Indices of `f` this event sets. */
  readonly touched: number[] = [];
  runLatency = -1;
  runKey = 0;
  llmLatency = -1;
  llmKey = 0;
  errorType: string | null = null;
  agentType: string | null = null;
  ts = 0;

  private set(i: number, v: number): void {
    this.f[i] = v;
    this.touched.push(i);
  }

  private sumN(sum: number, n: number, v: number | undefined): void {
    if (v === undefined) return;
    this.set(sum, v);
    this.set(n, 1);
  }

  /** Computes the delta of a stored event (custom metrics add nothing). */
  prepare(ev: StoredEvent): this {
    for (const i of this.touched) this.f[i] = 0;
    this.touched.length = 0;
    this.runLatency = -1;
    this.llmLatency = -1;
    this.errorType = null;
    this.agentType = null;
    this.ts = ev.ts;
    const body = ev.body;
    this.set(F.lastSeen, ev.ts);
    switch (ev.type) {
      case "run": {
        this.set(F.runs, 1);
        const status = body.status;
        if (status === "success") this.set(F.success, 1);
        else if (status === "failure") this.set(F.failure, 1);
        else if (status === "partial") this.set(F.partial, 1);
        else if (status === "timeout") this.set(F.timeout, 1);
        const d = NUM(body.duration_ms) ?? 0;
        this.set(F.durSum, d);
        this.set(F.durSumSq, d * d);
        this.runLatency = d;
        this.runKey = sketchKey(d);
        const input = NUM(body.input_tokens);
        const output = NUM(body.output_tokens);
        // tokens_used defaults to input + output when either is reported.
        this.sumN(F.tokSum, F.tokN, NUM(body.tokens_used) ?? (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined));
        this.sumN(F.inSum, F.inN, input);
        this.sumN(F.outSum, F.outN, output);
        this.sumN(F.costSum, F.costN, nano(NUM(body.cost)));
        this.sumN(F.qualSum, F.qualN, NUM(body.quality_score));
        this.sumN(F.confSum, F.confN, NUM(body.confidence));
        const mem = NUM(body.memory_mb);
        if (mem !== undefined) {
          this.sumN(F.memSum, F.memN, mem);
          this.set(F.memMax, mem);
        }
        this.sumN(F.cpuSum, F.cpuN, NUM(body.cpu_ms));
        if (typeof body.cache_hit === "boolean") {
          this.set(F.cacheN, 1);
          if (body.cache_hit) this.set(F.cacheHit, 1);
        }
        const retries = NUM(body.retries);
        if (retries) this.set(F.retries, retries);
        this.set(F.lastRun, ev.ts);
        if (typeof body.agent_type === "string") this.agentType = body.agent_type;
        if (status === "failure" || status === "timeout") this.errorType = typeof body.error_type === "string" ? body.error_type : status;
        break;
      }
      case "llm_call": {
        this.set(F.llm, 1);
        if (body.status === "failure") this.set(F.llmFail, 1);
        const lat = NUM(body.latency_ms) ?? 0;
        this.set(F.llmLatSum, lat);
        this.llmLatency = lat;
        this.llmKey = sketchKey(lat);
        this.sumN(F.ttftSum, F.ttftN, NUM(body.ttft_ms));
        this.sumN(F.llmInSum, F.llmInN, NUM(body.input_tokens));
        this.sumN(F.llmOutSum, F.llmOutN, NUM(body.output_tokens));
        this.sumN(F.llmCachedInSum, F.llmCachedInN, NUM(body.cached_input_tokens));
        this.sumN(F.llmCostSum, F.llmCostN, nano(NUM(body.cost)));
        this.sumN(F.savedSum, F.savedN, nano(NUM(body.cost_saved)));
        if (typeof body.cached === "boolean") {
          this.set(F.llmCachedN, 1);
          if (body.cached) this.set(F.llmCached, 1);
        }
        break;
      }
      case "outcome":
        this.sumN(F.accSum, F.accN, NUM(body.accuracy));
        break;
      case "feedback":
        this.sumN(F.satSum, F.satN, NUM(body.satisfaction));
        this.sumN(F.ratingSum, F.ratingN, NUM(body.rating));
        break;
      case "metric":
        break;
    }
    return this;
  }

  /** Adds the delta into a bucket. */
  applyTo(b: Bucket): void {
    const f = b.f;
    const d = this.f;
    const newest = this.ts > f[F.lastRun]!;
    for (const i of this.touched) {
      if (IS_MAX_FIELD[i] === 1) {
        if (d[i]! > f[i]!) f[i] = d[i]!;
      } else f[i]! += d[i]!;
    }
    if (this.runLatency >= 0) b.runLatency.addWithKey(this.runLatency, this.runKey);
    if (this.llmLatency >= 0) b.llmLatency.addWithKey(this.llmLatency, this.llmKey);
    if (this.errorType !== null) b.addErrorType(this.errorType);
    if (this.agentType !== null && (newest || b.agentType === null)) b.agentType = this.agentType;
  }
}

/** Adds one stored event into a bucket. */
export function foldInto(b: Bucket, ev: StoredEvent): void {
  new EventDelta().prepare(ev).applyTo(b);
}

/** Costs are summed as whole nano-dollars: integer sums are exact and independent of merge order. */
export const NANO = 1e9;
function nano(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v * NANO);
}

/** Dimensions of a stored event (custom metrics have none: they are rolled up apart). */
export function dimsOf(ev: StoredEvent): Dims {
  const b = ev.body;
  const d: Dims = {};
  for (const name of DIMENSIONS) {
    const v = b[name];
    if (typeof v === "string") d[name] = v;
  }
  return d;
}

type Tiers = Record<Tier, Map<number, Map<string, Bucket>>>;

/** The rollups of every dimension set in the minute and hour tiers. */
export class RollupIndex {
  private readonly tiers: Tiers = { m: new Map(), h: new Map() };
  private readonly dirty: BucketRecord[] = [];
  private readonly parsed = new Map<string, Dims>();
  private readonly delta = new EventDelta();
  /** Highest stored-event sequence folded in (persisted with the buckets). */
  watermark = 0;

  constructor(private readonly horizons: RollupHorizons) {}

  /** Folds one event into its minute and hour buckets, per dimension set and in total. */
  fold(ev: StoredEvent): void {
    if (ev.type === "metric") return;
    const b = ev.body;
    const key = str(b.agent_name) + SEP + str(b.model) + SEP + str(b.route) + SEP + str(b.tenant_id) + SEP + str(b.mode);
    const m = ev.ts - (ev.ts % MINUTE);
    const h = ev.ts - (ev.ts % HOUR);
    const d = this.delta.prepare(ev);
    d.applyTo(this.bucket("m", m, key));
    d.applyTo(this.bucket("m", m, TOTAL_KEY));
    d.applyTo(this.bucket("h", h, key));
    d.applyTo(this.bucket("h", h, TOTAL_KEY));
  }

  private bucket(tier: Tier, start: number, key: string): Bucket {
    const t = this.tiers[tier];
    let slice = t.get(start);
    if (!slice) t.set(start, (slice = new Map()));
    let b = slice.get(key);
    if (!b) slice.set(key, (b = new Bucket()));
    if (!b.dirty) {
      b.dirty = true;
      this.dirty.push({ tier, start, key, bucket: b });
    }
    return b;
  }

  /** Puts a persisted bucket back (on start-up); it is not marked dirty. */
  restore(rec: BucketRecord): void {
    const t = this.tiers[rec.tier];
    let slice = t.get(rec.start);
    if (!slice) t.set(rec.start, (slice = new Map()));
    slice.set(rec.key, rec.bucket);
  }

  /** Hands over the buckets changed since the last call and marks them clean. */
  takeDirty(): BucketRecord[] {
    const out = this.dirty.splice(0, this.dirty.length);
    for (const r of out) r.bucket.dirty = false;
    return out;
  }

  /** Puts records back on the dirty list after a failed persist, so nothing is lost. */
  returnDirty(recs: BucketRecord[]): void {
    for (const r of recs) {
      if (!r.bucket.dirty) {
        r.bucket.dirty = true;
        this.dirty.push(r);
      }
    }
  }

  /** Drops the buckets of [from, to) in both tiers (before a rebuild of that span). */
  clearSpan(from: number, to: number): void {
    for (const [tier, size] of [["m", MINUTE], ["h", HOUR]] as const) {
      for (const start of [...this.tiers[tier].keys()]) {
        if (start >= from - (from % size) && start < to) this.tiers[tier].delete(start);
      }
    }
  }

  /** Marks every bucket of [from, to) dirty, so a rebuilt span is persisted whole. */
  markSpanDirty(from: number, to: number): void {
    for (const tier of ["m", "h"] as const) {
      for (const [start, slice] of this.tiers[tier]) {
        if (start < from - (from % HOUR) || start >= to) continue;
        for (const [key, bucket] of slice) {
          if (!bucket.dirty) {
            bucket.dirty = true;
            this.dirty.push({ tier, start, key, bucket });
          }
        }
      }
    }
  }

  /** Forgets buckets older than the horizons. */
  prune(now: number): void {
    const mCut = now - this.horizons.minuteMs;
    const hCut = now - this.horizons.hourMs;
    for (const start of this.tiers.m.keys()) if (start + MINUTE <= mCut) this.tiers.m.delete(start);
    for (const start of this.tiers.h.keys()) if (start + HOUR <= hCut) this.tiers.h.delete(start);
  }

  /** Earliest minute start the minute tier still holds data for (given `now`). */
  minuteFloor(now: number): number {
    const cut = now - this.horizons.minuteMs;
    return cut - (cut % MINUTE) + MINUTE;
  }

  /**
   * Merges the buckets of the window [from, to) that match `filter`, grouped by `groupBy`
   * (no grouping: one group with key ""). Returns group key → merged bucket.
   */
  query(from: number, to: number, now: number, filter: DimFilter = {}, groupBy: readonly Dimension[] = []): Map<string, { dims: Dims; bucket: Bucket }> {
    const out = new Map<string, { dims: Dims; bucket: Bucket }>();
    const useTotal = groupBy.length === 0 && isEmptyFilter(filter);
    for (const [tier, start] of this.plan(from, to, now)) {
      const slice = this.tiers[tier].get(start);
      if (!slice) continue;
      if (useTotal) {
        const b = slice.get(TOTAL_KEY);
        if (b) addTo(out, "", {}, b);
        continue;
      }
      for (const [key, b] of slice) {
        if (key === TOTAL_KEY) continue;
        const dims = this.dimsFor(key);
        if (!matches(dims, filter)) continue;
        let gk = "";
        let gd: Dims = {};
        if (groupBy.length) {
          gd = {};
          for (const g of groupBy) if (dims[g] !== undefined) gd[g] = dims[g];
          gk = groupBy.map((g) => dims[g] ?? "").join(SEP);
        }
        addTo(out, gk, gd, b);
      }
    }
    return out;
  }

  /** Dimension values seen in the window for one dimension (for listing agents, models...). */
  private dimsFor(key: string): Dims {
    let d = this.parsed.get(key);
    if (!d) {
      d = parseDimsKey(key);
      if (this.parsed.size > 100_000) this.parsed.clear();
      this.parsed.set(key, d);
    }
    return d;
  }

  /** The time slices that cover [from, to): minutes at the edges, whole hours between. */
  plan(from: number, to: number, now: number): [Tier, number][] {
    const s = from - (from % MINUTE);
    const e = to % MINUTE === 0 ? to : to - (to % MINUTE) + MINUTE;
    const out: [Tier, number][] = [];
    const mFloor = this.minuteFloor(now);
    const minutes = (a: number, b: number) => {
      if (a >= b) return;
      if (a < mFloor) {
        // Older than the minute tier: answer from the hour that contains the span.
        const h0 = a - (a % HOUR);
        for (let h = h0; h < b; h += HOUR) out.push(["h", h]);
        return;
      }
      for (let m = a; m < b; m += MINUTE) out.push(["m", m]);
    };
    const h0 = Math.ceil(s / HOUR) * HOUR;
    const h1 = Math.floor(e / HOUR) * HOUR;
    if (h0 >= h1) {
      minutes(s, e);
    } else {
      minutes(s, h0);
      for (let h = h0; h < h1; h += HOUR) out.push(["h", h]);
      minutes(h1, e);
    }
    // A coarse edge may name an hour twice (start edge and first whole hour); merge each once.
    const seen = new Set<string>();
    return out.filter(([t, st]) => {
      const k = t + st;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** Number of buckets held, per tier (for health/detailed and memory accounting). */
  size(): { minute: number; hour: number } {
    let minute = 0;
    let hour = 0;
    for (const s of this.tiers.m.values()) minute += s.size;
    for (const s of this.tiers.h.values()) hour += s.size;
    return { minute, hour };
  }
}

function isEmptyFilter(f: DimFilter): boolean {
  for (const k in f) if (f[k as Dimension] !== undefined) return false;
  return true;
}

function matches(d: Dims, f: DimFilter): boolean {
  for (const k in f) {
    const want = f[k as Dimension];
    if (want !== undefined && d[k as Dimension] !== want) return false;
  }
  return true;
}

function addTo(out: Map<string, { dims: Dims; bucket: Bucket }>, key: string, dims: Dims, b: Bucket): void {
  let g = out.get(key);
  if (!g) out.set(key, (g = { dims, bucket: new Bucket() }));
  g.bucket.merge(b);
}
