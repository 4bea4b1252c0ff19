import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { VigilError } from "../core/errors.js";
import { MAX_SLOS, parseSloSection } from "../core/slo-definitions.js";
import { SloBook } from "./slo-book.js";

const DAY = 86_400_000;
const HORIZON = { minuteMs: 2 * DAY, hourMs: 35 * DAY };

/** A settings store two books share, as two instances share PostgreSQL's. */
function sharedStore() {
  const settings = new Map<string, unknown>();
  return {
    getSetting: async (k: string) => (settings.has(k) ? structuredClone(settings.get(k)) : null),
    putSetting: async (k: string, v: unknown) => void settings.set(k, structuredClone(v)),
  };
}

const FILE = parseSloSection({ simple: { match: { query_class: "simple" } } }, [{ name: "file_slo", class: "simple", sli: { kind: "availability" }, target: 0.99 }], HORIZON);

describe("SLO book", () => {
  it("shows another instance's changes after a refresh, as the periodic job does on a shared store", async () => {
    const store = sharedStore();
    const a = new SloBook({ store, file: FILE, horizon: HORIZON });
    const b = new SloBook({ store, file: FILE, horizon: HORIZON });
    await a.refresh();
    await b.refresh();
    await a.putClass("complex", { match: { query_class: "complex" } });
    await a.put({ name: "api_slo", class: "complex", sli: { kind: "latency", threshold_ms: 3000 }, target: 0.9, period: "7d" });
    assert.equal(b.get("api_slo"), null);
    await b.refresh();
    assert.equal(b.get("api_slo")?.source, "api");
    assert.deepEqual(b.get("api_slo")?.spec.filter, { query_class: "complex" });
    assert.deepEqual(b.slos().map((s) => s.spec.name), ["file_slo", "api_slo"]);
  });

  it("refuses a change whole and keeps what was in force, here and in the store", async () => {
    const store = sharedStore();
    let changes = 0;
    const book = new SloBook({ store, file: FILE, horizon: HORIZON, onChange: () => changes++ });
    await book.refresh();
    const before = changes;
    await assert.rejects(book.put({ name: "x", class: "simple", sli: { kind: "availability" }, target: 1.5 }), (e: VigilError) => e.code === "VALIDATION_FAILED" && (e.details as { path: string }[])[0]!.path === "/target");
    await assert.rejects(book.put({ name: "file_slo", class: "simple", sli: { kind: "availability" }, target: 0.9 }), (e: VigilError) => e.code === "CONFLICT");
    await assert.rejects(book.deleteClass("simple"), (e: VigilError) => e.code === "CONFLICT");
    assert.equal(changes, before);
    assert.deepEqual(book.slos().map((s) => s.spec.name), ["file_slo"]);
    assert.equal(await store.getSetting("slos"), null);
  });

  it("leaves out a stored SLO this server cannot use and keeps the rest", async () => {
    const store = sharedStore();
    await store.putSetting("service_classes", {});
    await store.putSetting("slos", [
      { name: "ok", class: "simple", sli: { kind: "availability" }, target: 0.99 },
      { name: "gone", class: "deleted_class", sli: { kind: "availability" }, target: 0.99 },
    ]);
    const warned: object[] = [];
    const book = new SloBook({ store, file: FILE, horizon: HORIZON, warn: (o) => warned.push(o) });
    await book.refresh();
    assert.deepEqual(book.slos().map((s) => s.spec.name), ["file_slo", "ok"]);
    assert.equal(warned.length, 1);
  });

  it("refuses an SLO past MAX_SLOS in force, counting the config file's", async () => {
    const full = parseSloSection({ simple: { match: { query_class: "simple" } } }, Array.from({ length: MAX_SLOS }, (_, i) => ({ name: `file_${i}`, class: "simple", sli: { kind: "availability" }, target: 0.99 })), HORIZON);
    const store = sharedStore();
    const book = new SloBook({ store, file: full, horizon: HORIZON });
    await book.refresh();
    await assert.rejects(book.put({ name: "one_more", class: "simple", sli: { kind: "availability" }, target: 0.9 }), (e: VigilError) => e.code === "VALIDATION_FAILED" && (e.details as { path: string }[])[0]!.path === "/slos");
    assert.equal(book.slos().length, MAX_SLOS);
    assert.equal(await store.getSetting("slos"), null, "nothing was stored");
  });
});
