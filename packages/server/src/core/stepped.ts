/**
 * Stepped work: long computations over many series are written as generators that yield between
 * small steps, so the caller decides whether to run them at once (`drain`) or spread them over turns
 * of the event loop (services' `CooperativeRunner`), keeping the server answering meanwhile.
 */

/** A computation that yields between steps and returns a T. */
export type Stepped<T> = Generator<void, T, void>;

/** Runs stepped work to the end at once and returns its result. */
export function drain<T>(work: Stepped<T>): T {
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
  }
}

/** Yields once every `every` calls of the returned counter: `if (tick()) yield;` inside a loop. */
export function ticker(every: number): () => boolean {
  let n = 0;
  return () => ++n % every === 0;
}
