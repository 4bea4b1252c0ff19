import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAlertmanagerChannel } from "./alertmanager.js";
import { closedPort, recordingLogger, resolvedNotification, sampleAlert, sampleAnomalyAlert, sampleNotification } from "../test-notification.js";

// Debian's prometheus-alertmanager package; VIGIL_TEST_ALERTMANAGER points elsewhere.
const BINARY = process.env.VIGIL_TEST_ALERTMANAGER ?? "/usr/bin/prometheus-alertmanager";
const present = existsSync(BINARY);
// In CI a missing Alertmanager is a broken environment, so the suite runs and fails; locally it says why it skips.
const skip = !present && process.env.CI !== "true" ? `Alertmanager not found at ${BINARY} (apt-get install prometheus-alertmanager, or set VIGIL_TEST_ALERTMANAGER)` : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined, or fails after `ms`. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("alertmanager channel (real Alertmanager)", { skip }, () => {
  let child: ChildProcess | null = null;
  let dir = "";
  let base = "";
  let output = "";

  before(async () => {
    assert.ok(present, `Alertmanager is needed by this suite and was not found at ${BINARY}: apt-get install prometheus-alertmanager`);
    dir = mkdtempSync(join(tmpdir(), "vigil-am-"));
    writeFileSync(join(dir, "am.yml"), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(BINARY, [`--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    try {
      await eventually("Alertmanager to be ready", async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 20_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; its output:\n${output}`);
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const listAlerts = async (): Promise<any[]> => (await (await fetch(`${base}/api/v2/alerts`)).json()) as any[];
  const find = (alerts: any[], fingerprint: string) => alerts.find((a) => a.labels.vigil_fingerprint === fingerprint);

  it("makes a firing alert active, then ends it when it resolves", async () => {
    const ch = createAlertmanagerChannel("am", { url: base, timeout: "5s" }, { log: recordingLogger() });
    // Fresh times: Alertmanager ignores alerts that ended before it heard of them.
    const now = Date.now();
    const alert = sampleAlert({ fingerprint: "am-it-1", labels: { ...sampleAlert().labels, vigil_fingerprint: "am-it-1" }, starts_at: now - 60_000 });
    const firing = sampleNotification({ alerts: [alert], created_at: now });
    assert.deepEqual(await ch.send(firing), { ok: true, status: 200 });

    const active = await eventually("the alert to be active", async () => {
      const a = find(await listAlerts(), "am-it-1");
      return a?.status.state === "active" ? a : undefined;
    });
    assert.equal(active.labels.alertname, "HighErrorRate");
    assert.equal(active.labels.severity, "warning");
    assert.equal(active.labels.agent_name, "support-bot");
    assert.equal(active.annotations.summary, alert.annotations.summary);
    assert.equal(new Date(active.startsAt).getTime(), now - 60_000);
    assert.equal(active.generatorURL, "http://vigil.example:8001/#/alerts/alert-1");
    assert.ok(new Date(active.endsAt).getTime() > Date.now(), "a firing alert must not have ended");

    const resolved = resolvedNotification(firing, 0);
    resolved.alerts = resolved.alerts.map((a) => ({ ...a, ends_at: Date.now() - 1000 }));
    assert.deepEqual(await ch.send(resolved), { ok: true, status: 200 });
    await eventually("the alert to stop being active", async () => (find(await listAlerts(), "am-it-1") === undefined ? true : undefined));
    const activeOnly = (await (await fetch(`${base}/api/v2/alerts?active=true`)).json()) as any[];
    assert.equal(find(activeOnly, "am-it-1"), undefined);
  });

  it("keeps an anomaly alert's link to the chart around it as its generatorURL", async () => {
    const ch = createAlertmanagerChannel("am", { url: base, timeout: "5s" }, { log: recordingLogger() });
    const now = Date.now();
    const alert = sampleAnomalyAlert({ labels: { ...sampleAnomalyAlert().labels, vigil_fingerprint: "am-it-2" }, starts_at: now - 60_000 });
    assert.deepEqual(await ch.send(sampleNotification({ alerts: [alert], created_at: now })), { ok: true, status: 200 });
    const active = await eventually("the anomaly alert to be active", async () => find(await listAlerts(), "am-it-2"));
    assert.equal(active.generatorURL, "http://vigil.example:8001/#/alerts/9fbb2ac91b8f355c-mwqeork2?view=chart");
    assert.equal(active.annotations.anomaly_score, alert.annotations.anomaly_score);
  });

  it("gets a non-retryable result when Alertmanager rejects an alert", async () => {
    const ch = createAlertmanagerChannel("am", { url: base }, { log: recordingLogger() });
    const now = Date.now();
    // Alertmanager 0.25 refuses label names outside [a-zA-Z_][a-zA-Z0-9_]*.
    const r = await ch.send(sampleNotification({ alerts: [sampleAlert({ labels: { "bad-label": "x" }, starts_at: now })], created_at: now }));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.equal(!r.ok && r.status, 400);
  });
});
