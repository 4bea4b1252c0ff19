import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Silence, SilenceStore } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";
import { parseSilence, SilenceService } from "./silence-service.js";

const NOW = Date.UTC(2026, 11, 7, 12);
const HOUR = 3_600_000;

/** Silences kept in a map, as the stores keep them by id. */
function memoryStore(): SilenceStore & { rows: Map<string, Silence> } {
  const rows = new Map<string, Silence>();
  return {
    rows,
    async listSilences() {
      return [...rows.values()];
    },
    async putSilence(s) {
      rows.set(s.id, s);
    },
    async deleteSilence(id) {
      return rows.delete(id);
    },
  };
}

/** The error `parseSilence` throws for this body: its code and the one detail's path. */
function refusal(body: unknown): { code: string; path: string; message: string } {
  try {
    parseSilence(body, NOW, "sil_1");
  } catch (err) {
    assert.ok(err instanceof VigilError, String(err));
    const d = err.details as { path: string; message: string }[];
    assert.equal(d.length, 1);
    return { code: err.code, path: d[0]!.path, message: err.message };
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

const ok = { matchers: ["alertname=HighLatency"], duration: "2h", created_by: "dana" };

describe("silence validation", () => {
  it("names the field at fault by its path", () => {
    const cases: [unknown, string][] = [
      [[ok], "/"],
      ["silence", "/"],
      [{ ...ok, until: "tomorrow" }, "/until"],
      [{ ...ok, matchers: [] }, "/matchers"],
      [{ ...ok, matchers: "alertname=X" }, "/matchers"],
      [{ ...ok, matchers: ["alertname=X", "no operator"] }, "/matchers/1"],
      [{ ...ok, matchers: ["alertname=X", 'agent_name=~"(a)\\1"'] }, "/matchers/1"],
      [{ ...ok, matchers: [{ label: "alertname", op: "~", value: "X" }] }, "/matchers/0/op"],
      [{ ...ok, matchers: [{ label: "9lives", op: "=", value: "X" }] }, "/matchers/0/label"],
      [{ ...ok, matchers: [{ label: "model", op: "=~", value: "(?=x)" }] }, "/matchers/0/value"],
      [{ ...ok, matchers: [42] }, "/matchers/0"],
      [{ ...ok, duration: "2 weeks" }, "/duration"],
      [{ ...ok, duration: 7200 }, "/duration"],
      [{ ...ok, duration: "100000000d" }, "/duration"],
      [{ matchers: ok.matchers, created_by: "dana" }, "/ends_at"],
      [{ ...ok, duration: undefined, ends_at: "soon" }, "/ends_at"],
      [{ ...ok, duration: undefined, ends_at: "+010000-01-01T00:00:00Z" }, "/ends_at"],
      [{ ...ok, duration: undefined, starts_at: "2026-12-07T13:00:00Z", ends_at: "2026-12-07T12:30:00Z" }, "/ends_at"],
      [{ ...ok, starts_at: 1765108800000 }, "/starts_at"],
      [{ ...ok, created_by: "  " }, "/created_by"],
      [{ ...ok, created_by: undefined }, "/created_by"],
      [{ ...ok, comment: 3 }, "/comment"],
    ];
    for (const [body, path] of cases) {
      const r = refusal(body);
      assert.equal(r.code, "VALIDATION_FAILED", JSON.stringify(body));
      assert.equal(r.path, path, `${JSON.stringify(body)}: ${r.message}`);
    }
  });

  it("takes matchers as text or objects, a duration from starts_at, and trims who creates it", () => {
    const s = parseSilence({ matchers: ['agent_name=~"support-.*"', { label: "model", op: "!=", value: "gpt-4o" }], starts_at: "2026-12-07T13:00:00Z", duration: "30m", created_by: " dana ", comment: "provider incident" }, NOW, "sil_1");
    assert.deepEqual(s, {
      id: "sil_1",
      matchers: [
        { label: "agent_name", op: "=~", value: "support-.*" },
        { label: "model", op: "!=", value: "gpt-4o" },
      ],
      starts_at: NOW + HOUR,
      ends_at: NOW + HOUR + 30 * 60_000,
      created_by: "dana",
      comment: "provider incident",
      created_at: NOW,
    });
    assert.equal(parseSilence({ ...ok, duration: "1d" }, NOW, "x").ends_at, NOW + 24 * HOUR);
    assert.equal(parseSilence({ ...ok, duration: undefined, ends_at: "2026-12-07T15:00:00Z" }, NOW, "x").ends_at, NOW + 3 * HOUR);
  });
});

describe("silence lifecycle", () => {
  it("creates, lists with the state at the time of asking, and expires without deleting", async () => {
    let now = NOW;
    let n = 0;
    const store = memoryStore();
    const service = new SilenceService({ store, now: () => now, newId: () => `sil_${++n}` });

    const active = await service.create(ok);
    assert.deepEqual(active, { id: "sil_1", matchers: [{ label: "alertname", op: "=", value: "HighLatency" }], starts_at: "2026-12-07T12:00:00.000Z", ends_at: "2026-12-07T14:00:00.000Z", created_by: "dana", comment: "", created_at: "2026-12-07T12:00:00.000Z", state: "active" });
    const later = await service.create({ ...ok, starts_at: "2026-12-07T18:00:00Z" });
    assert.equal(later.state, "pending");
    assert.deepEqual((await service.list()).map((s) => [s.id, s.state]), [["sil_1", "active"], ["sil_2", "pending"]]);

    now = NOW + 30 * 60_000;
    const expired = await service.expire("sil_1");
    assert.equal(expired.state, "expired");
    assert.equal(expired.ends_at, "2026-12-07T12:30:00.000Z");
    assert.equal(store.rows.get("sil_1")?.ends_at, now);

    // An expired silence keeps its end when expired again; time passing ends the others.
    now = NOW + 7 * HOUR;
    assert.equal((await service.expire("sil_1")).ends_at, "2026-12-07T12:30:00.000Z");
    assert.deepEqual((await service.list()).map((s) => [s.id, s.state]), [["sil_1", "expired"], ["sil_2", "active"]]);
    now = NOW + 9 * HOUR;
    assert.equal((await service.list())[1]!.state, "expired");
  });

  it("expires a silence that has not started yet: it starts and ends now instead of staying pending", async () => {
    const store = memoryStore();
    const service = new SilenceService({ store, now: () => NOW, newId: () => "sil_1" });
    const pending = await service.create({ ...ok, starts_at: "2026-12-08T00:00:00Z" });
    assert.equal(pending.state, "pending");
    const expired = await service.expire("sil_1");
    assert.equal(expired.state, "expired");
    assert.equal(expired.starts_at, "2026-12-07T12:00:00.000Z");
    assert.equal(expired.ends_at, "2026-12-07T12:00:00.000Z");
    assert.equal((await service.list())[0]!.state, "expired");
  });

  it("refuses a body that is not valid without storing anything, and an unknown id with NOT_FOUND", async () => {
    const store = memoryStore();
    const service = new SilenceService({ store, now: () => NOW, newId: () => "sil_x" });
    await assert.rejects(service.create({ ...ok, duration: "forever" }), (err: VigilError) => err.code === "VALIDATION_FAILED");
    assert.equal(store.rows.size, 0);
    await assert.rejects(service.expire("sil_nope"), (err: VigilError) => err.code === "NOT_FOUND" && /sil_nope/.test(err.message));
  });
});
