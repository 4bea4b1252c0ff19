/**
 * Shapes of compact buckets: which fields a stored bucket holds, and where. A bucket that saw one
 * run holds about 16 of the 78 fields before the per-bin counts (which it keeps beside its shape); a compact bucket keeps just those, in a plain array, and
 * its shape (shared by every bucket that saw the same fields in the same order) says which field
 * each entry is. Shapes are interned: adding a field moves a bucket to the shape one field
 * longer, found in a transition table, as JavaScript engines do with object layouts.
 */

/** Most shapes kept; past it, buckets needing a new one are stored in full (hostile mixes of fields cannot grow the table without bound). */
export const MAX_SHAPES = 4096;
/** A compact bucket with more fields than this is stored in full (a full bucket is then smaller). */
export const MAX_COMPACT_FIELDS = 48;

/** A set of fields in the order a bucket received them. */
export class Shape {
  /** Field index per entry. */
  readonly fields: readonly number[];
  /** Entry per field index (-1: not held). */
  readonly pos: Int8Array;
  private readonly next = new Map<number, Shape>();

  private constructor(fields: readonly number[], fieldCount: number) {
    this.fields = fields;
    this.pos = new Int8Array(fieldCount).fill(-1);
    fields.forEach((f, k) => (this.pos[f] = k));
  }

  /** The shape with no fields. */
  static empty(fieldCount: number): Shape {
    return new Shape([], fieldCount);
  }

  /** This shape plus field `i` (at the end), or null when no more shapes may be made. */
  with(i: number, table: ShapeTable): Shape | null {
    const known = this.next.get(i);
    if (known) return known;
    if (table.count >= MAX_SHAPES || this.fields.length >= MAX_COMPACT_FIELDS) return null;
    table.count++;
    const s = new Shape([...this.fields, i], this.pos.length);
    this.next.set(i, s);
    return s;
  }
}

/** Counts the shapes made from one root. */
export interface ShapeTable {
  count: number;
}
