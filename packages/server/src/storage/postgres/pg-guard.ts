/**
 * The one place a PostgreSQL store's failures are classified: every method of every store is
 * wrapped, so a method added later cannot forget it and answer 500 for an outage.
 */

/** Runs a store operation, mapping "database unavailable" to STORAGE_UNAVAILABLE. */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

/** `store` with every method run through `guard`; async generators have each step guarded. */
export function guardAll<T extends object>(store: T, guard: Guard): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    out[name] = fn.constructor.name === "AsyncGeneratorFunction"
      ? async function* (...args: unknown[]) {
          const it = fn.apply(store, args) as AsyncGenerator<unknown, unknown, undefined>;
          try {
            for (;;) {
              const step = await guard(() => it.next());
              if (step.done) return step.value;
              yield step.value;
            }
          } finally {
            // A consumer that stops early closes the generator, which releases what it holds.
            await it.return(undefined).catch(() => undefined);
          }
        }
      : (...args: unknown[]) => guard(async () => fn.apply(store, args));
  }
  return out as T;
}
