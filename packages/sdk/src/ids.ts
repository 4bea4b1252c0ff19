/**
 * Client-side event ids: `<random prefix><time><counter>`, all base36 and fixed width, so that the ids of one
 * client sort in the order they were made (they append to the server's index instead of scattering) and a
 * retried batch carries the same ids (the server stores each id once).
 */

/** Offsets that make `toString(36)` fixed-width: 36^9 ms reaches past the year 5000, 36^4 ids per millisecond. */
const TIME_OFFSET = 36 ** 9;
const SEQ_START = 36 ** 4;
const SEQ_END = 2 * SEQ_START;

/** Eight base36 characters of randomness, from `crypto.getRandomValues` where the runtime has it. */
function randomPrefix(): string {
  const words = new Uint32Array(2);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(words);
  else for (let i = 0; i < words.length; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  // 36^4 = 1,679,616 values per half: 41 bits of randomness in all.
  return (SEQ_START + ((words[0] ?? 0) % SEQ_START)).toString(36).slice(1) + (SEQ_START + ((words[1] ?? 0) % SEQ_START)).toString(36).slice(1);
}

/** Makes ids that are unique and strictly increasing (as strings) for one client, even if the clock steps back. */
export class IdGenerator {
  /** The per-instance random part that leads every id. */
  readonly prefix: string;
  private ms = -1;
  private base = "";
  private seq = SEQ_END;

  /** Draws the random prefix; `prefix` may be given for tests. */
  constructor(prefix: string = randomPrefix()) {
    this.prefix = prefix;
  }

  /** The next id; `now` is the caller's `Date.now()` (passed in because the caller needs it anyway). */
  next(now: number): string {
    let seq = ++this.seq;
    if (now > this.ms || seq >= SEQ_END) {
      // A new millisecond, or (after 1.6 million ids in one) a logical one, keeps the ids increasing.
      this.ms = now > this.ms ? now : this.ms + 1;
      this.base = this.prefix + (TIME_OFFSET + this.ms).toString(36);
      seq = this.seq = SEQ_START;
    }
    return this.base + seq.toString(36);
  }
}
