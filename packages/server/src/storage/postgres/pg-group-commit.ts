/**
 * Group commit for the PostgreSQL append: batches that arrive while transactions are in flight
 * are written together in the next one. A busy server commits fewer, larger transactions (each
 * transaction costs PostgreSQL and Vigil about as much as a few hundred rows: the query, its round
 * trips, the commit's WAL flush, the log follower's read) while a quiet one writes each batch at
 * once. Within a group, batches keep their order, so an id repeated across them is stored from the
 * earlier batch, as if they had been appended one after the other.
 */
import type { StoredEvent } from "../../core/stored-event.js";
import { isUnavailable } from "./pg-errors.js";

/** Writes events in one transaction; resolves, per event, whether it was newly stored. */
export type WriteEvents = (evs: readonly StoredEvent[]) => Promise<boolean[]>;

/** Limits of the grouping. */
export interface GroupLimits {
  /** Transactions in flight at most; batches arriving meanwhile wait and are grouped. */
  maxInFlight: number;
  /** Events in one group at most (a larger batch is written alone). */
  maxEvents: number;
}

interface Waiting {
  evs: readonly StoredEvent[];
  resolve(fresh: boolean[]): void;
  reject(err: unknown): void;
}

/** Groups batches into transactions. */
export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: WriteEvents,
    private readonly limits: GroupLimits,
  ) {}

  /** Appends one batch: resolves, per event, whether it was newly stored, once its transaction committed. */
  add(evs: readonly StoredEvent[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ evs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const group = [this.queue.shift()!];
      let n = group[0]!.evs.length;
      while (this.queue.length > 0 && n + this.queue[0]!.evs.length <= this.limits.maxEvents) {
        n += this.queue[0]!.evs.length;
        group.push(this.queue.shift()!);
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Waiting[]): Promise<void> {
    try {
      const fresh = await this.write(group.length === 1 ? group[0]!.evs : group.flatMap((w) => w.evs));
      let k = 0;
      for (const w of group) w.resolve(fresh.slice(k, (k += w.evs.length)));
    } catch (err) {
      // Unavailability fails them all alike. Anything else may be one batch's content that the
      // database refused: each batch is written again on its own, so it fails only its sender.
      if (group.length === 1 || isUnavailable(err)) {
        for (const w of group) w.reject(err);
        return;
      }
      for (const w of group) await this.write(w.evs).then(w.resolve, w.reject);
    }
  }
}
