import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Batcher, type NextBatch } from "./batcher.js";
import { EventQueue } from "./queue.js";
import { batchBody, scanUtf8Length, serialiseEvent, splitBody } from "./wire.js";

const RUN = 0;

/** A queue of runs whose metadata pads are `sizes` characters of `char`. */
function queueOf(sizes: readonly number[], char = "x"): { queue: EventQueue; ids: string[] } {
  const queue = new EventQueue();
  const ids = sizes.map((size, i) => {
    const id = `ev-${i}`;
    queue.push(RUN, 1_700_000_000_000, id, { agentName: "a", status: "success", durationMs: 1, metadata: { pad: char.repeat(size) } });
    return id;
  });
  return { queue, ids };
}

function drainAll(batcher: Batcher, queue: EventQueue): NextBatch[] {
  const batches: NextBatch[] = [];
  while (queue.size > 0) batches.push(batcher.next());
  return batches;
}

describe("Batcher", () => {
  it("keeps every body within maxBytes, fills each batch as far as the next event allows, and keeps the order", () => {
    const sizes = Array.from({ length: 60 }, (_, i) => 200 + ((i * 397) % 1500));
    const { queue, ids } = queueOf(sizes);
    const maxBytes = 5000;
    const batches = drainAll(new Batcher(queue, 500, maxBytes), queue);
    assert.ok(batches.length > 5, `${batches.length} batches`);
    for (const [i, { batch }] of batches.entries()) {
      const bytes = Buffer.byteLength(batch.body);
      assert.ok(bytes <= maxBytes, `batch ${i}: ${bytes} bytes`);
      const next = batches[i + 1];
      if (next) assert.ok(bytes + 1 + Buffer.byteLength(splitBody(next.batch.body)[0]!) > maxBytes, `batch ${i} had room for the next event`);
    }
    assert.deepEqual(batches.flatMap((b) => b.batch.ids), ids);
    assert.equal(batches.reduce((n, b) => n + b.taken, 0), ids.length);
  });

  it("stops at maxEvents when the bytes allow more", () => {
    const { queue } = queueOf(Array.from({ length: 25 }, () => 10));
    const batches = drainAll(new Batcher(queue, 10, 4 * 1024 * 1024), queue);
    assert.deepEqual(batches.map((b) => b.batch.ids.length), [10, 10, 5]);
  });

  it("serialises each event once, also the one that waits for the next batch", () => {
    const queue = new EventQueue();
    const calls = new Map<number, number>();
    for (let i = 0; i < 30; i++) {
      const metadata = { toJSON: () => (calls.set(i, (calls.get(i) ?? 0) + 1), { pad: "y".repeat(900) }) };
      queue.push(RUN, 0, `ev-${i}`, { agentName: "a", status: "success", durationMs: 1, metadata });
    }
    const batches = drainAll(new Batcher(queue, 500, 4000), queue);
    assert.ok(batches.length >= 7, `${batches.length} batches`);
    assert.deepEqual([...calls.values()], Array.from({ length: 30 }, () => 1));
  });

  it("sets aside an event too large for any body, and sends the events around it", () => {
    const { queue, ids } = queueOf([100, 9000, 100]);
    const { batch, taken, oversized } = new Batcher(queue, 500, 4096).next();
    assert.deepEqual(batch.ids, [ids[0], ids[2]]);
    assert.equal(taken, 3);
    assert.equal(queue.size, 0);
    assert.deepEqual(oversized.map(({ id, type }) => ({ id, type })), [{ id: ids[1], type: "run" }]);
    assert.ok(oversized[0]!.bytes > 9000);
  });

  it("counts bytes in UTF-8, not in string length", () => {
    // 1,000 characters of é are 2,000 bytes: four fit in 4 KiB by length, one by bytes.
    const { queue } = queueOf([1000, 1000, 1000, 1000], "é");
    const batches = drainAll(new Batcher(queue, 500, 4096), queue);
    for (const { batch } of batches) assert.ok(Buffer.byteLength(batch.body) <= 4096);
    assert.deepEqual(batches.map((b) => b.batch.ids.length), [1, 1, 1, 1]);
  });

  it("gives each batch's events as the JSON each event has alone, in one array", () => {
    const { queue } = queueOf([5, 50, 500]);
    const expected = [0, 1, 2].map((k) => serialiseEvent(queue.peek(k, 0) as number, queue.peek(k, 1) as number, queue.peek(k, 2) as string, queue.peek(k, 3) as Record<string, unknown>));
    const { batch, taken } = new Batcher(queue, 500, 4 * 1024 * 1024).next();
    assert.equal(taken, 3);
    assert.equal(batch.body, `{"events":[${expected.join(",")}]}`);
    assert.deepEqual(splitBody(batch.body), expected);
  });

  it("fills batches larger than one serialising pass, serialising each event once", () => {
    const { queue, ids } = queueOf(Array.from({ length: 2500 }, (_, i) => i % 7));
    const expected = ids.map((_, k) => serialiseEvent(queue.peek(k, 0) as number, queue.peek(k, 1) as number, queue.peek(k, 2) as string, queue.peek(k, 3) as Record<string, unknown>));
    const [only] = drainAll(new Batcher(queue, 3000, 4 * 1024 * 1024), queue);
    assert.equal(only!.batch.body, batchBody(expected));

    const big = new EventQueue();
    const calls: number[] = Array.from({ length: 3000 }, () => 0);
    for (let i = 0; i < 3000; i++) {
      const metadata = { toJSON: () => (calls[i]!++, { pad: "z".repeat(100 + (i % 300)) }) };
      big.push(RUN, 0, `ev-${i}`, { agentName: "a", status: "success", durationMs: 1, metadata });
    }
    const batches = drainAll(new Batcher(big, 2500, 64 * 1024), big);
    assert.deepEqual(batches.flatMap((b) => b.batch.ids), Array.from({ length: 3000 }, (_, i) => `ev-${i}`));
    assert.ok(batches.every((b) => Buffer.byteLength(b.batch.body) <= 64 * 1024));
    assert.deepEqual(calls, Array.from({ length: 3000 }, () => 1));
  });

  it("sets aside an event JSON cannot encode and sends the others, in order", () => {
    const queue = new EventQueue();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    queue.push(RUN, 0, "ok-1", { agentName: "a", status: "success", durationMs: 1 });
    queue.push(RUN, 0, "bad", { agentName: "a", status: "success", durationMs: 1, metadata: circular });
    queue.push(RUN, 0, "big", { agentName: "a", status: "success", durationMs: 1, metadata: { n: 10n } });
    queue.push(RUN, 0, "ok-2", { agentName: "a", status: "success", durationMs: 1 });
    const { batch, taken, unserialisable } = new Batcher(queue, 500, 4096).next();
    assert.equal(taken, 4);
    assert.deepEqual(batch.ids, ["ok-1", "ok-2"]);
    assert.deepEqual((JSON.parse(batch.body) as { events: { id: string }[] }).events.map((e) => e.id), ["ok-1", "ok-2"]);
    assert.deepEqual(unserialisable.map((u) => [u.id, u.type, u.error instanceof TypeError]), [["bad", "run", true], ["big", "run", true]]);
  });
});

describe("splitBody", () => {
  it("cuts a body into its events at the events array's own commas, whatever the strings and nested values hold", () => {
    const events = [
      { id: "a", body: { s: 'commas, "quotes", [brackets] {braces}', t: "ends with a backslash \\" } },
      { id: "b", body: { nested: [{ x: [1, 2, { y: "}]," }] }, {}], empty: "", slash: "\\\"" } },
      { id: "c", body: { unicode: "é😀\u0000\n", n: -0.5e-7 } },
      { id: "d", body: {} },
    ];
    assert.deepEqual(splitBody(JSON.stringify({ events })), events.map((e) => JSON.stringify(e)));
    assert.deepEqual(splitBody(JSON.stringify({ events: [events[0]] })), [JSON.stringify(events[0])]);
    assert.deepEqual(splitBody(batchBody(events.map((e) => JSON.stringify(e)))), events.map((e) => JSON.stringify(e)));
    assert.deepEqual(splitBody('{"events":[]}'), []);
  });
});

describe("scanUtf8Length", () => {
  it("agrees with Buffer.byteLength, for runtimes without Buffer", () => {
    for (const text of ["", "plain ascii", "café", "日本語", "emoji 😀 and 𝄞", "\u007f\u0080\u07ff\u0800\uffff", JSON.stringify({ lone: "\ud800" })]) {
      assert.equal(scanUtf8Length(text), Buffer.byteLength(text, "utf8"), JSON.stringify(text));
    }
  });
});
