import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { StoredEvent } from "../../core/stored-event.js";
import { GroupCommit } from "./pg-group-commit.js";

const ev = (id: string): StoredEvent => ({ id, type: "run", ts: 1, receivedAt: 1, body: {} });
const batch = (...ids: string[]) => ids.map(ev);

/** A store whose transactions finish when told to; an id starting with "bad" is refused, "down" makes it unavailable. */
function store() {
  const calls: string[][] = [];
  const open: (() => void)[] = [];
  const stored = new Set<string>();
  const write = (evs: readonly StoredEvent[]) =>
    new Promise<boolean[]>((resolve, reject) => {
      calls.push(evs.map((e) => e.id));
      open.push(() => {
        if (evs.some((e) => e.id.startsWith("down"))) return reject(Object.assign(new Error("terminating connection"), { code: "57P01" }));
        if (evs.some((e) => e.id.startsWith("bad"))) return reject(new Error(`refused ${evs.find((e) => e.id.startsWith("bad"))!.id}`));
        resolve(evs.map((e) => !stored.has(e.id) && Boolean(stored.add(e.id))));
      });
    });
  /** Finishes the transactions in flight, and those they start, until none is left. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      while (open.length) open.shift()!();
    }
  };
  return { calls, write, settle };
}

describe("group commit", () => {
  it("writes the batches that arrive while a transaction is in flight together, and tells each batch about its own events", async () => {
    const s = store();
    const g = new GroupCommit(s.write, { maxInFlight: 1, maxEvents: 100 });
    const a = g.add(batch("a1", "a2"));
    const b = g.add(batch("b1", "a1"));
    const c = g.add(batch("c1", "b1", "c2"));
    await s.settle();
    assert.deepEqual(s.calls, [["a1", "a2"], ["b1", "a1", "c1", "b1", "c2"]]);
    assert.deepEqual(await a, [true, true]);
    // The earlier batch of a group keeps a repeated id, as if appended one after the other.
    assert.deepEqual(await b, [true, false]);
    assert.deepEqual(await c, [true, false, true]);
  });

  it("starts a transaction at once while fewer than the limit are in flight, and keeps groups within the event limit", async () => {
    const s = store();
    const g = new GroupCommit(s.write, { maxInFlight: 2, maxEvents: 3 });
    const all = [g.add(batch("a")), g.add(batch("b")), g.add(batch("c1", "c2")), g.add(batch("d")), g.add(batch("e1", "e2", "e3", "e4"))];
    assert.deepEqual(s.calls, [["a"], ["b"]]);
    await s.settle();
    assert.deepEqual(s.calls, [["a"], ["b"], ["c1", "c2", "d"], ["e1", "e2", "e3", "e4"]]);
    assert.equal((await Promise.all(all)).flat().length, 9);
  });

  it("writes a refused group again batch by batch, so only the batch the database refuses fails", async () => {
    const s = store();
    const g = new GroupCommit(s.write, { maxInFlight: 1, maxEvents: 100 });
    const first = g.add(batch("x"));
    const good = g.add(batch("g1"));
    const bad = assert.rejects(g.add(batch("bad1", "g2")), /refused bad1/);
    await s.settle();
    assert.deepEqual(await first, [true]);
    assert.deepEqual(await good, [true]);
    await bad;
    assert.deepEqual(s.calls, [["x"], ["g1", "bad1", "g2"], ["g1"], ["bad1", "g2"]]);
  });

  it("fails a whole group at once when the database is unavailable, without writing each batch again", async () => {
    const s = store();
    const g = new GroupCommit(s.write, { maxInFlight: 1, maxEvents: 100 });
    const first = g.add(batch("x"));
    const one = assert.rejects(g.add(batch("down")), /terminating connection/);
    const two = assert.rejects(g.add(batch("y")), /terminating connection/);
    await s.settle();
    assert.deepEqual(await first, [true]);
    await one;
    await two;
    assert.deepEqual(s.calls, [["x"], ["down", "y"]]);
  });
});
