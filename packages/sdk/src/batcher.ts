/**
 * Cuts the queue into request bodies bounded by event count and by bytes, so that a batch of large events (runs
 * with 15 KB of metadata, say) never outgrows the server's body limit (5 MiB by default).
 *
 * Each event is serialised once, when it is first considered for a batch, and its size is known from its JSON.
 * Measuring at record time instead would put JSON.stringify on the caller's path, which is kept to a copy and a
 * push. An event that does not fit the batch being built keeps its JSON (and size) for the next batch, so nothing is
 * serialised or counted twice.
 */
import type { EventType } from "@vigil/contract";
import type { EventQueue } from "./queue.js";
import { BODY_ENVELOPE_BYTES, TYPE_CODES, serialiseEvent, utf8Length, type SerialisedBatch, type UnserialisableEvent } from "./wire.js";

/** An event whose JSON alone makes a body over the byte bound: no server with that limit would take it. */
export interface OversizedEvent {
  /** The event's id. */
  id: string;
  /** The event's type. */
  type: EventType;
  /** Size of the event's JSON, in bytes. */
  bytes: number;
}

/** What {@link Batcher.next} took from the queue. */
export interface NextBatch {
  /** The events to send (possibly none, when every event taken was set aside). */
  batch: SerialisedBatch;
  /** Events removed from the queue: those of `batch`, `unserialisable` and `oversized`. */
  taken: number;
  /** Events JSON could not encode. */
  unserialisable: UnserialisableEvent[];
  /** Events too large to send on their own. */
  oversized: OversizedEvent[];
}

/** An event serialised and measured, kept for the next batch. */
interface Measured {
  part: string;
  bytes: number;
}

/** Takes batches from the front of a queue, each at most `maxEvents` events and `maxBytes` bytes of body. */
export class Batcher {
  /** The JSON of the event at the head of the queue, kept when it did not fit the previous batch. */
  private carried: Measured | undefined;

  /** Reads from `queue`, which nothing else may take events from. */
  constructor(
    private readonly queue: EventQueue,
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /**
   * Removes the next batch's events from the queue; it never throws, and takes at least one event from a non-empty
   * queue.
   *
   * A UTF-16 unit of JSON takes at most three UTF-8 bytes, so while three times the body's string length is within
   * `maxBytes` the body fits without counting its bytes: batches of small events (500 of 250 bytes is 125 KB against
   * 4 MiB) never pay for a count. Past that, each event's UTF-8 size is counted once.
   */
  next(): NextBatch {
    const { queue, maxEvents, maxBytes } = this;
    const batch: SerialisedBatch = { parts: [], ids: [], types: [] };
    const unserialisable: UnserialisableEvent[] = [];
    const oversized: OversizedEvent[] = [];
    /** String length of the body so far, envelope and commas included. */
    let units = BODY_ENVELOPE_BYTES;
    /** UTF-8 size of the body so far, once counting began (-1 before). */
    let bytes = -1;
    let k = 0;
    for (; k < queue.size && k < maxEvents; k++) {
      const typeCode = queue.peek(k, 0) as number;
      const id = queue.peek(k, 2) as string;
      const type = TYPE_CODES[typeCode] as EventType;
      let part: string;
      let size = -1;
      if (k === 0 && this.carried !== undefined) {
        ({ part, bytes: size } = this.carried);
        this.carried = undefined;
      } else {
        try {
          part = serialiseEvent(typeCode, queue.peek(k, 1) as number, id, queue.peek(k, 3) as Record<string, unknown>);
        } catch (error) {
          unserialisable.push({ id, type, error });
          continue;
        }
      }
      const comma = batch.parts.length === 0 ? 0 : 1;
      if (bytes < 0 && 3 * (units + comma + part.length) <= maxBytes) {
        units += comma + part.length;
      } else {
        if (size < 0) size = utf8Length(part);
        if (BODY_ENVELOPE_BYTES + size > maxBytes) {
          oversized.push({ id, type, bytes: size });
          continue;
        }
        if (bytes < 0) bytes = BODY_ENVELOPE_BYTES + batch.parts.reduce((sum, p, i) => sum + utf8Length(p) + (i === 0 ? 0 : 1), 0);
        if (bytes + comma + size > maxBytes) {
          // Stays queued, first in line for the next batch, with its JSON.
          this.carried = { part, bytes: size };
          break;
        }
        bytes += comma + size;
      }
      batch.parts.push(part);
      batch.ids.push(id);
      batch.types.push(type);
    }
    queue.remove(k);
    return { batch, taken: k, unserialisable, oversized };
  }
}
