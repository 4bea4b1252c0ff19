/**
 * `vigil serve --rules FILE` re-reads the rules file on SIGHUP: a valid file replaces the file's
 * rules, one that does not validate is refused (logged) and the rules in force stay; SIGTERM then
 * stops the server cleanly.
 */
import { after, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { childServer, getJson, tempDir, type ChildServer } from "./helpers.js";
import { until } from "./alert-receiver.js";

const tmp = tempDir("vigil-reload-");
let server: ChildServer | null = null;
after(() => {
  server?.proc.kill("SIGKILL");
  tmp.cleanup();
});

const rule = (name: string, threshold: number) => `  - { name: ${name}, metric: error_rate, comparator: ">", threshold: ${threshold}, window: 5m, severity: warning }\n`;
const fileRules = async (url: string) => ((await getJson(`${url}/api/v1/alert-rules`)).body.rules as { name: string; source: string; threshold: number }[]).filter((r) => r.source === "file").map((r) => `${r.name}>${r.threshold}`);

it("reloads the rules file on SIGHUP, keeps the rules in force when the new file is invalid, and stops on SIGTERM", async () => {
  const rules = join(tmp.dir, "rules.yml");
  writeFileSync(rules, `rules:\n${rule("First", 0.1)}`);
  server = await childServer(join(tmp.dir, "data"), ["--rules", rules, "--log-level", "info"]);
  const url = server.url;
  assert.deepEqual(await fileRules(url), ["First>0.1"]);

  writeFileSync(rules, `rules:\n${rule("First", 0.2)}${rule("Second", 0.3)}`);
  server.proc.kill("SIGHUP");
  await until(async () => (await fileRules(url)).length === 2, 10_000, "the reloaded rules");
  assert.deepEqual(await fileRules(url), ["First>0.2", "Second>0.3"]);

  writeFileSync(rules, "rules:\n  - { name: Broken, metric: error_rate, comparator: '>', threshold: 0.1, for: 5 minutes }\n");
  server.proc.kill("SIGHUP");
  await until(async () => /rules file refused; the previous rules stay in force/.test(server!.output()), 10_000, "the refusal in the log");
  assert.match(server.output(), /rule \\"Broken\\", field \\"for\\": must be a duration/);
  assert.deepEqual(await fileRules(url), ["First>0.2", "Second>0.3"]);

  const exited = new Promise<number | null>((r) => server!.proc.once("exit", (code) => r(code)));
  server.proc.kill("SIGTERM");
  assert.equal(await exited, 0);
  server = null;
});
