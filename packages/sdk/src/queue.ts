/**
 * The FIFO of recorded events. Each event takes four consecutive slots of one flat array (type code, record
 * time, id, input copy) so that recording allocates nothing beyond the input's shallow copy; events are read in
 * place, and removing them advances a head index and compacts the array now and then, so both ends are amortised O(1).
 */

/** Slots per event: type code, record time, id, input copy. */
export const STRIDE = 4;
/** Below this many spent slots the array is not worth compacting. */
const COMPACT_MIN = 4096;

/** A first-in first-out queue of recorded events stored flat. */
export class EventQueue {
  /** Number of events queued. */
  size = 0;
  private slots: unknown[] = [];
  private head = 0;

  /** Appends one event. */
  push(typeCode: number, recordedAt: number, id: string, input: object): void {
    this.slots.push(typeCode, recordedAt, id, input);
    this.size++;
  }

  /** Slot `field` (0 type code, 1 record time, 2 id, 3 input copy) of the `index`-th oldest event, which stays queued. */
  peek(index: number, field: number): unknown {
    return this.slots[this.head + index * STRIDE + field];
  }

  /** Removes the oldest `count` events (at most `size`). */
  remove(count: number): void {
    const n = Math.min(count, this.size);
    const end = this.head + n * STRIDE;
    this.size -= n;
    if (this.size === 0) {
      this.slots = [];
      this.head = 0;
    } else if (end >= COMPACT_MIN && end * 2 >= this.slots.length) {
      this.slots = this.slots.slice(end);
      this.head = 0;
    } else {
      this.head = end;
    }
  }
}
