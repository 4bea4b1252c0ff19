import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDashboards } from "../../prometheus/dashboards/index.js";
import { dashboardsExportCommand } from "./dashboards-export.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-dashboards-export-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(out: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await dashboardsExportCommand({ out, io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) } });
  return { code, stdout, stderr };
}

describe("vigil dashboards export", () => {
  it("writes the four dashboards as pretty JSON into a directory it creates, one line per file", async () => {
    const out = join(dir, "nested", "dashboards");
    const r = await run(out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const expected = buildDashboards();
    assert.deepEqual(readdirSync(out).sort(), expected.map((d) => d.file).sort());
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 4);
    for (const [i, { file, dashboard }] of expected.entries()) {
      assert.ok(lines[i]!.includes(join(out, file)), lines[i]);
      const text = readFileSync(join(out, file), "utf8");
      assert.equal(text, `${JSON.stringify(dashboard, null, 2)}\n`);
      assert.match(text, /^\{\n {2}"id": null,\n/);
      assert.deepEqual(JSON.parse(text), dashboard);
    }
  });

  it("overwrites files from an earlier export", async () => {
    const out = join(dir, "again");
    assert.equal((await run(out)).code, 0);
    writeFileSync(join(out, "vigil-system-health.json"), "stale");
    assert.equal((await run(out)).code, 0);
    assert.equal(JSON.parse(readFileSync(join(out, "vigil-system-health.json"), "utf8")).uid, "vigil-system-health");
  });

  it("fails with exit code 1 and a message naming the directory when it cannot write there", async () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "not a directory");
    const r = await run(join(blocker, "dashboards"));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^vigil dashboards export: cannot write to .*a-file\/dashboards: /);
  });

  it("refuses an empty output directory", async () => {
    const r = await run("");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--out <dir> is required/);
  });
});
