/**
 * Delivery of one serialised batch (SPEC §5): posted until it is stored, refused or out of retries, with
 * backoff (or the server's Retry-After) between attempts; a 413 splits the batch in halves. Each outcome is
 * counted and reported through the client's error handler.
 */
import type { IngestError } from "@vigil/contract";
import { VigilSdkError } from "./errors.js";
import { backoffDelay, postBatch, type PostResult, type PostTarget } from "./transport.js";
import { batchBody, encodeBody, splitBody, type SerialisedBatch } from "./wire.js";

/** What became of the events the client took: the counters its stats() reads. */
export interface SendCounts {
  sent: number;
  dropped: number;
  rejected: number;
  failedBatches: number;
}

/** How a batch is delivered. */
export interface DeliveryOptions {
  target: PostTarget;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Hands an error to the client's handler (never throws). */
  report: (err: VigilSdkError) => void;
  /** True once the client gave up waiting (shutdown with a timeout): no more retries. */
  abandoned: () => boolean;
}

/** Sends batches and settles their events into the counts. */
export class Delivery {
  constructor(
    private readonly o: DeliveryOptions,
    private readonly counts: SendCounts,
  ) {}

  /** Sends one batch until it is stored, refused, or out of retries; a 413 splits it in halves. */
  async deliver(batch: SerialisedBatch): Promise<void> {
    const { target, maxRetries, retryBaseMs, retryMaxMs } = this.o;
    // Node's client is given bytes, encoded once for every attempt.
    const bytes = target.post ? encodeBody(batch.body) : undefined;
    for (let retry = 0; ; retry++) {
      const result = await postBatch(target, batch.body, bytes);
      if (result.kind === "stored") return this.settleStored(batch, result.errors);
      if (result.kind === "refused") {
        const n = batch.ids.length;
        if (result.status === 413 && n > 1) {
          const parts = splitBody(batch.body);
          const half = Math.ceil(n / 2);
          await this.deliver(sliceBatch(batch, parts, 0, half));
          return this.deliver(sliceBatch(batch, parts, half, n));
        }
        return this.settleFailed("BATCH_REJECTED", batch, result, retry + 1);
      }
      if (retry >= maxRetries || this.o.abandoned()) return this.settleFailed("BATCH_DROPPED", batch, result, retry + 1);
      const wait = result.retryAfterMs ?? backoffDelay(retry, retryBaseMs, retryMaxMs);
      await sleep(Math.min(wait, retryMaxMs));
    }
  }

  private settleStored(batch: SerialisedBatch, errors: IngestError[] | null): void {
    const n = batch.ids.length;
    const refused = new Set<number>();
    for (const e of errors ?? []) {
      if (typeof e !== "object" || e === null || !Number.isInteger(e.index) || e.index < 0 || e.index >= n || refused.has(e.index)) continue;
      refused.add(e.index);
      const id = batch.ids[e.index] as string;
      const type = batch.types[e.index] as string;
      this.o.report(
        new VigilSdkError("REJECTED_EVENT", `Vigil rejected ${type} event ${id} at ${e.path}: ${e.message}`, {
          count: 1, status: e.status, id, type, index: e.index, path: e.path, serverCode: e.code,
          ...(e.details ? { problems: e.details } : {}),
        }),
      );
    }
    this.counts.rejected += refused.size;
    this.counts.sent += n - refused.size;
  }

  private settleFailed(code: "BATCH_REJECTED" | "BATCH_DROPPED", batch: SerialisedBatch, result: Exclude<PostResult, { kind: "stored" }>, attempts: number): void {
    const count = batch.ids.length;
    this.counts.failedBatches++;
    if (code === "BATCH_REJECTED") this.counts.rejected += count;
    else this.counts.dropped += count;
    const what = code === "BATCH_REJECTED" ? "rejected a batch of" : `was not reached after ${attempts} attempts; dropped`;
    const details = {
      count, status: result.status, attempts, ...(result.kind === "refused" && result.serverCode ? { serverCode: result.serverCode } : {}),
      // A single event (what a 413 is split down to) is named, so that its caller can find it.
      ...(count === 1 ? { id: batch.ids[0], type: batch.types[0] } : {}),
    };
    this.o.report(new VigilSdkError(code, `Vigil ${what} ${count} events (${result.message})`, details, result.kind === "retry" && result.cause !== undefined ? { cause: result.cause } : undefined));
  }
}

/** Events `start` to `end` of a batch whose events' JSON texts are `parts`. */
function sliceBatch(batch: SerialisedBatch, parts: readonly string[], start: number, end: number): SerialisedBatch {
  return { body: batchBody(parts.slice(start, end)), ids: batch.ids.slice(start, end), types: batch.types.slice(start, end) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
