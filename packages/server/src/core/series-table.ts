/**
 * The live series by their dimension values: finds the id of an event body's series by hashing
 * its nine values in place, without building the series' key string (a string of the values and
 * separators, flattened to be hashed: several hundred bytes of garbage per event folded). The four
 * later dimensions (query class, component, service, endpoint) are mixed in only when one is
 * present, so traffic without them costs what it did before they existed.
 *
 * An open-addressing table of ids (linear probing) over an Int32Array, about 12 bytes per series
 * with each id's hash. The hash is seeded per process, so colliding names cannot be worked out in
 * advance to slow the lookups down.
 */
import type { Dims } from "./stored-event.js";

/** Smallest table (slots). */
const MIN_SLOTS = 16;

/** A value as a key part: a string, or "" for anything else (absent, or not a string). */
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Mixes the characters of `s`, then a separator, into `h`. */
function mix(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
  return Math.imul(h ^ 0x1f, 0x5bd1e995) ^ (h >>> 15);
}

/** The hash of the nine dimension values (the last four mixed in only when one is not empty). */
function hashOf(seed: number, a: string, m: string, r: string, t: string, o: string, q: string, c: string, v: string, e: string): number {
  let h = mix(mix(mix(mix(mix(seed, a), m), r), t), o);
  if (q || c || v || e) h = mix(mix(mix(mix(h, q), c), v), e);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) | 0;
}

export class SeriesTable {
  /** Per slot: id + 1, or 0 when empty. */
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private count = 0;
  /** Per id in the table: its hash. */
  private hashes = new Int32Array(MIN_SLOTS);

  /** `dimsOf[id]` gives the dimension values of a series in the table (the registry's own array). */
  constructor(
    private readonly dimsOf: readonly (Readonly<Dims> | undefined)[],
    private readonly seed: number = (Math.random() * 0x100000000) >>> 0,
  ) {}

  /** The id of the series whose values an event body carries (a non-string value counts as absent), or -1. */
  find(body: Readonly<Record<string, unknown>>): number {
    const a = str(body.agent_name);
    const m = str(body.model);
    const r = str(body.route);
    const t = str(body.tenant_id);
    const o = str(body.mode);
    const q = str(body.query_class);
    const c = str(body.component);
    const v = str(body.service);
    const e = str(body.endpoint);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hashOf(this.seed, a, m, r, t, o, q, c, v, e) & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      const d = this.dimsOf[s - 1]!;
      if ((d.agent_name ?? "") === a && (d.model ?? "") === m && (d.route ?? "") === r && (d.tenant_id ?? "") === t && (d.mode ?? "") === o && (d.query_class ?? "") === q && (d.component ?? "") === c && (d.service ?? "") === v && (d.endpoint ?? "") === e) return s - 1;
    }
  }

  /** Adds series `id` with values `dims` (no series with the same values may be in the table). */
  add(id: number, dims: Readonly<Dims>): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    if (id >= this.hashes.length) {
      const next = new Int32Array(Math.max(id + 1, this.hashes.length * 2));
      next.set(this.hashes);
      this.hashes = next;
    }
    const h = hashOf(this.seed, str(dims.agent_name), str(dims.model), str(dims.route), str(dims.tenant_id), str(dims.mode), str(dims.query_class), str(dims.component), str(dims.service), str(dims.endpoint));
    this.hashes[id] = h;
    this.place(id, h);
    this.count++;
  }

  /** Removes series `id`, when in the table. */
  remove(id: number): void {
    if (id >= this.hashes.length) return;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hashes[id]! & mask;
    for (; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return;
      if (s === id + 1) break;
    }
    // Backward shift: entries after the hole that may live at or before it move up, so no probe
    // sequence is cut by the hole.
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[slots[j]! - 1]! & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[i] = slots[j]!;
      i = j;
    }
    slots[i] = 0;
    this.count--;
  }

  private place(id: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const s of old) if (s !== 0) this.place(s - 1, this.hashes[s - 1]!);
  }
}
