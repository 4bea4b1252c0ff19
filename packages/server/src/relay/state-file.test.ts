import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routeView } from "./fakes.test-support.js";
import { StateFile, type RelayState } from "./state-file.js";

const root = mkdtempSync(join(tmpdir(), "vigil-relay-state-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("relay state file", () => {
  it("writes the registry and views atomically and reads them back", async () => {
    const dir = join(root, "a", "nested");
    let state: RelayState = { models: [{ id: "m", provider: "p", upstream: { base_url: "http://x/v1", api_key_env: null, model: null } }], routes: [routeView({ revision: 1 })] };
    const errors: unknown[] = [];
    const file = new StateFile(dir, () => state, (e) => errors.push(e));
    assert.equal(await file.load(), null);
    file.changed();
    state = { ...state, routes: [routeView({ revision: 2, active_model: "model-b" })] };
    file.changed();
    await file.flush();
    assert.deepEqual(readdirSync(dir), ["relay-state.json"]);
    const loaded = await new StateFile(dir, () => state, (e) => errors.push(e)).load();
    assert.deepEqual(loaded, state);
    assert.deepEqual(errors, []);
  });

  it("ignores a corrupt file, reporting it", async () => {
    const dir = join(root, "b");
    const errors: unknown[] = [];
    const file = new StateFile(dir, () => ({ models: [], routes: [] }), (e) => errors.push(e));
    file.changed();
    await file.flush();
    writeFileSync(file.path, "{not json");
    assert.equal(await file.load(), null);
    assert.equal(errors.length, 1);
  });
});
