/**
 * Cuts the queue into request bodies bounded by event count and by bytes, so that a batch of large events (runs
 * with 15 KB of metadata, say) never outgrows the server's body limit (5 MiB by default).
 *
 * A batch is serialised in one JSON.stringify call over its events' wire forms, which costs about half of
 * serialising each event apart and joining the texts, and gives the body as one flat string. Only when
 * that text is over the byte bound is it cut back into events (by scanning, not serialising again) and filled
 * event by event; the events that did not fit keep their JSON for the next batches, so nothing is serialised
 * twice. Measuring at record time instead would put JSON.stringify on the caller's path, which is kept to a copy
 * and a push.
 */
import type { EventType, WireEvent } from "@vigil/contract";
import type { EventQueue } from "./queue.js";
import {
  BODY_ENVELOPE_BYTES, TYPE_CODES, batchBody, serialiseBody, serialiseEvent, splitBody, toWireEvent, utf8Length, type SerialisedBatch, type UnserialisableEvent,
} from "./wire.js";

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

/**
 * Most events serialised in one JSON.stringify call: the default batch (500) is one call, and events serialised
 * beyond a byte bound (kept until their batch) hold at most this many events' JSON in memory.
 */
const GROUP = 1000;

/** A queued event serialised ahead of its batch: its JSON, or what JSON.stringify threw. */
type Serialised = { part: string; error?: undefined } | { part?: undefined; error: unknown };

/** Takes batches from the front of a queue, each at most `maxEvents` events and `maxBytes` bytes of body. */
export class Batcher {
  /** The serialised events at the head of the queue, in order, kept when they did not fit the previous batch. */
  private carried: Serialised[] = [];

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
   * 4 MiB) never pay for a count.
   */
  next(): NextBatch {
    const n = Math.min(this.queue.size, this.maxEvents);
    const serialised = this.carried;
    this.carried = [];
    if (serialised.length === 0 && n <= GROUP) {
      const body = this.stringify(0, n);
      if (body !== undefined && this.fits(body)) return this.take(n, { body, ids: this.ids(n), types: this.types(n) });
      serialised.push(...(body !== undefined ? splitBody(body).map((part) => ({ part })) : this.serialiseEach(0, n)));
    }
    return this.fill(serialised, n);
  }

  /** Events `from` to `to` of the queue, cut from one body, or each on its own when that body fails. */
  private serialiseSplit(from: number, to: number): Serialised[] {
    const body = this.stringify(from, to);
    return body !== undefined ? splitBody(body).map((part) => ({ part })) : this.serialiseEach(from, to);
  }

  /** The body of events `from` to `to` of the queue, or undefined when JSON.stringify throws on one of them. */
  private stringify(from: number, to: number): string | undefined {
    const { queue } = this;
    const wire: WireEvent[] = new Array<WireEvent>(to - from);
    try {
      for (let k = from; k < to; k++) {
        wire[k - from] = toWireEvent(queue.peek(k, 0) as number, queue.peek(k, 1) as number, queue.peek(k, 2) as string, queue.peek(k, 3) as Record<string, unknown>);
      }
      return serialiseBody(wire);
    } catch {
      return undefined;
    }
  }

  /** Events `from` to `to` of the queue serialised one by one, so that those JSON cannot encode are told apart. */
  private serialiseEach(from: number, to: number): Serialised[] {
    const { queue } = this;
    const out: Serialised[] = [];
    for (let k = from; k < to; k++) {
      try {
        out.push({ part: serialiseEvent(queue.peek(k, 0) as number, queue.peek(k, 1) as number, queue.peek(k, 2) as string, queue.peek(k, 3) as Record<string, unknown>) });
      } catch (error) {
        out.push({ error });
      }
    }
    return out;
  }

  /** Whether a body is within the byte bound. */
  private fits(body: string): boolean {
    return 3 * body.length <= this.maxBytes || utf8Length(body) <= this.maxBytes;
  }

  private ids(n: number): string[] {
    const ids = new Array<string>(n);
    for (let k = 0; k < n; k++) ids[k] = this.queue.peek(k, 2) as string;
    return ids;
  }

  private types(n: number): EventType[] {
    const types = new Array<EventType>(n);
    for (let k = 0; k < n; k++) types[k] = TYPE_CODES[this.queue.peek(k, 0) as number] as EventType;
    return types;
  }

  private take(taken: number, batch: SerialisedBatch, unserialisable: UnserialisableEvent[] = [], oversized: OversizedEvent[] = []): NextBatch {
    this.queue.remove(taken);
    return { batch, taken, unserialisable, oversized };
  }

  /**
   * Fills a batch event by event from the serialised head of the queue (`serialised[k]` is event k, and more are
   * serialised, {@link GROUP} at a time, as the batch needs them), up to `n` events and the byte bound; the rest of
   * `serialised` is carried to the next batch. Each event's UTF-8 size is counted once, when the body gets near the
   * bound.
   */
  private fill(serialised: Serialised[], n: number): NextBatch {
    const { queue, maxBytes } = this;
    const parts: string[] = [];
    const ids: string[] = [];
    const types: EventType[] = [];
    const unserialisable: UnserialisableEvent[] = [];
    const oversized: OversizedEvent[] = [];
    /** String length of the body so far, envelope and commas included. */
    let units = BODY_ENVELOPE_BYTES;
    /** UTF-8 size of the body so far, once counting began (-1 before). */
    let bytes = -1;
    let k = 0;
    for (; k < n; k++) {
      if (k === serialised.length) serialised.push(...this.serialiseSplit(k, Math.min(n, k + GROUP)));
      const id = queue.peek(k, 2) as string;
      const type = TYPE_CODES[queue.peek(k, 0) as number] as EventType;
      const { part, error } = serialised[k]!;
      if (part === undefined) {
        unserialisable.push({ id, type, error });
        continue;
      }
      const comma = parts.length === 0 ? 0 : 1;
      if (bytes < 0 && 3 * (units + comma + part.length) <= maxBytes) {
        units += comma + part.length;
      } else {
        const size = utf8Length(part);
        if (BODY_ENVELOPE_BYTES + size > maxBytes) {
          oversized.push({ id, type, bytes: size });
          continue;
        }
        if (bytes < 0) bytes = BODY_ENVELOPE_BYTES + parts.reduce((sum, p, i) => sum + utf8Length(p) + (i === 0 ? 0 : 1), 0);
        // Stays queued, first in line for the next batch, with its JSON.
        if (bytes + comma + size > maxBytes) break;
        bytes += comma + size;
      }
      parts.push(part);
      ids.push(id);
      types.push(type);
    }
    this.carried = serialised.slice(k);
    return this.take(k, { body: batchBody(parts), ids, types }, unserialisable, oversized);
  }
}
