/** Timing a caller's function for the track* helpers, and what a thrown error tells about itself. */

/** How a timed function ended. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Awaits `fn`, hands its duration (by `clock`) and outcome to `record`, and passes the outcome through. A
 * failing `record` is counted by `onRecordFailed`, never thrown: recording must not change what the caller sees.
 */
export async function timed<T>(clock: () => number, fn: () => Promise<T> | T, record: (durationMs: number, outcome: Outcome<T>) => void, onRecordFailed: () => void): Promise<T> {
  const start = clock();
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  try {
    record(Math.max(0, clock() - start), outcome);
  } catch {
    onRecordFailed();
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** The name of what was thrown (its `name`, else its type). */
export function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : typeof err;
}

/** The HTTP status an error carries (as provider SDKs' errors do in `status`), when it is a valid one. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599 ? (status as number) : undefined;
}
