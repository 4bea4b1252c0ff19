/**
 * Metric families that share one label set (a "group"), stored flat for a cheap hot path: each
 * admitted label combination holds one Float64Array with a slot range per family, so recording an
 * event costs one guarded map lookup and a few additions. Rendering writes the text format 0.0.4
 * lines of every family, with the guard's folding applied.
 */
import { type GuardStats, SeriesGuard } from "./series-guard.js";
import { formatValue, labelPairs, writeHeader } from "./text-format.js";

/** Kinds of family a group can hold. */
export type FamilyType = "counter" | "gauge" | "histogram" | "summary";

/** A family as declared: name, help, type, an optional label with a fixed set of values, buckets. */
export interface FamilySpec {
  name: string;
  help: string;
  type: FamilyType;
  /** A label whose values are known in advance (status, direction...): one child per value. */
  enumLabel?: { name: string; values: readonly string[] };
  /** Several such labels at once: one child per combination, each given as its label values by name. */
  enumLabels?: readonly Readonly<Record<string, string>>[];
  /** Upper bounds of a histogram's buckets, ascending, without +Inf. */
  buckets?: readonly number[];
}

/** A declared family with its place in the series array. */
export interface Family extends FamilySpec {
  /** Index of the family in its group (its bit in the touched mask). */
  readonly index: number;
  /** First slot of the family in a series' array. */
  readonly offset: number;
  /** Slots per enum value (1, or buckets + sum + count for histograms, 2 for summaries). */
  readonly stride: number;
  /** The enum children's label pairs, rendered (`[""]` without an enum label). */
  readonly pairs: readonly string[];
}

/** One label combination of a group: its rendered labels and every family's values. */
export interface GroupSeries {
  readonly values: readonly string[];
  /** `a="x",b="y"` (absent labels left out), ready to write. */
  readonly labels: string;
  readonly v: Float64Array;
  /** Bit i set when family i has been recorded for this combination. */
  touched: number;
}

/** A group of families over one label set, behind one cardinality guard. */
export class FamilyGroup {
  readonly families: Family[] = [];
  private size = 0;
  private guard: SeriesGuard<GroupSeries> | null = null;

  constructor(
    readonly name: string,
    readonly labelNames: readonly string[],
  ) {}

  /** Declares a family; all families are declared before `seal`. */
  add(spec: FamilySpec): Family {
    if (this.guard) throw new Error(`group ${this.name} is sealed`);
    if (this.families.length >= 31) throw new Error(`group ${this.name} has too many families`);
    const per = spec.type === "histogram" ? spec.buckets!.length + 2 : spec.type === "summary" ? 2 : 1;
    const pairs = spec.enumLabels
      ? spec.enumLabels.map((l) => labelPairs(Object.keys(l), Object.values(l)))
      : spec.enumLabel
        ? spec.enumLabel.values.map((v) => labelPairs([spec.enumLabel!.name], [v]))
        : [""];
    const f: Family = { ...spec, index: this.families.length, offset: this.size, stride: per, pairs };
    this.size += per * pairs.length;
    this.families.push(f);
    return f;
  }

  /** Fixes the layout and sets the group's series limit. */
  seal(limit: number): this {
    const width = this.size;
    const names = this.labelNames;
    this.guard = new SeriesGuard<GroupSeries>(this.name, names, limit, (values) => {
      const v = new Float64Array(width);
      // Gauges start unset (NaN) so a gauge nobody reported is not written as 0.
      for (const f of this.families) if (f.type === "gauge") v.fill(NaN, f.offset, f.offset + f.stride * f.pairs.length);
      return { values, labels: labelPairs(names, values), v, touched: 0 };
    });
    return this;
  }

  /** The series for these label values (in `labelNames` order; "" = absent), folded when over the limit. */
  series(values: readonly string[]): GroupSeries {
    return this.guard!.get(values);
  }

  /** Adds `by` to a counter (at enum value index `e`). */
  inc(s: GroupSeries, f: Family, by = 1, e = 0): void {
    s.v[f.offset + e * f.stride]! += by;
    s.touched |= 1 << f.index;
  }

  /** Records one observation in a histogram or summary (at enum value index `e`). */
  observe(s: GroupSeries, f: Family, value: number, e = 0): void {
    const v = s.v;
    const base = f.offset + e * f.stride;
    const b = f.buckets;
    if (b) {
      let i = 0;
      while (i < b.length && value > b[i]!) i++;
      if (i < b.length) v[base + i]! += 1;
      v[base + b.length]! += value;
      v[base + b.length + 1]! += 1;
    } else {
      v[base]! += value;
      v[base + 1]! += 1;
    }
    s.touched |= 1 << f.index;
  }

  /** Sets a gauge (at enum value index `e`). */
  set(s: GroupSeries, f: Family, value: number, e = 0): void {
    s.v[f.offset + e * f.stride] = value;
    s.touched |= 1 << f.index;
  }

  /** Label combinations, limit and folded observations of the group. */
  stats(): GuardStats {
    return this.guard!.stats();
  }

  /** Appends every family's text to `out`. */
  render(out: string[]): void {
    for (const f of this.families) {
      writeHeader(out, f.name, f.help, f.type);
      const bit = 1 << f.index;
      for (const s of this.guard!.all()) if (s.touched & bit) writeFamily(out, f, s);
    }
  }
}

const join = (a: string, b: string): string => (a && b ? `${a},${b}` : a || b);

function writeFamily(out: string[], f: Family, s: GroupSeries): void {
  for (let e = 0; e < f.pairs.length; e++) {
    const labels = join(s.labels, f.pairs[e]!);
    const base = f.offset + e * f.stride;
    const v = s.v;
    switch (f.type) {
      case "counter":
        // Every value of a counter's enum label is written once the family is touched, zeros
        // included, so a ratio such as errors / all is 0 rather than absent before the first error.
        out.push(`${f.name}${labels ? `{${labels}}` : ""} ${formatValue(v[base]!)}`);
        break;
      case "gauge":
        if (!Number.isNaN(v[base]!)) out.push(`${f.name}${labels ? `{${labels}}` : ""} ${formatValue(v[base]!)}`);
        break;
      case "summary":
        if (v[base + 1]! === 0) break;
        out.push(`${f.name}_sum${labels ? `{${labels}}` : ""} ${formatValue(v[base]!)}`, `${f.name}_count${labels ? `{${labels}}` : ""} ${formatValue(v[base + 1]!)}`);
        break;
      case "histogram": {
        const b = f.buckets!;
        const count = v[base + b.length + 1]!;
        if (count === 0) break;
        let cum = 0;
        for (let i = 0; i < b.length; i++) {
          cum += v[base + i]!;
          out.push(`${f.name}_bucket{${join(labels, `le="${formatValue(b[i]!)}"`)}} ${formatValue(cum)}`);
        }
        out.push(`${f.name}_bucket{${join(labels, 'le="+Inf"')}} ${formatValue(count)}`);
        out.push(`${f.name}_sum${labels ? `{${labels}}` : ""} ${formatValue(v[base + b.length]!)}`, `${f.name}_count${labels ? `{${labels}}` : ""} ${formatValue(count)}`);
        break;
      }
    }
  }
}
