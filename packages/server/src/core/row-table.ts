/**
 * Series id → row of a slice: an open-addressing hash table over an Int32Array (linear probing),
 * about 8–16 bytes per row against ~50 for a Map entry. A slice holds a row per series it saw, so
 * at high cardinality this table is one of its larger parts. Rows are only ever added.
 */

/** Smallest table (slots). */
const MIN_SLOTS = 8;

export class RowTable {
  /** Per slot: row + 1, or 0 when empty. */
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private count = 0;

  /** `idOf(row)` gives the id stored at a row (the slice's own ids array, so ids are not kept twice). */
  constructor(private readonly idOf: (row: number) => number) {}

  /** The row of `id`, or -1. */
  get(id: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let h = hash(id) & mask; ; h = (h + 1) & mask) {
      const r = slots[h]!;
      if (r === 0) return -1;
      if (this.idOf(r - 1) === id) return r - 1;
    }
  }

  /** Records that `id` is at `row` (`id` must not be in the table yet). */
  add(id: number, row: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.place(id, row);
    this.count++;
  }

  private place(id: number, row: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let h = hash(id) & mask;
    while (slots[h] !== 0) h = (h + 1) & mask;
    slots[h] = row + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const r of old) if (r !== 0) this.place(this.idOf(r - 1), r - 1);
  }
}

/** Spreads consecutive ids (series ids are small and dense) over the table. */
function hash(id: number): number {
  const h = Math.imul(id ^ (id >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
