import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createConsoleChannel } from "./console.js";
import { recordingLogger, resolvedNotification, sampleNotification } from "../test-notification.js";

describe("console channel", () => {
  it("logs a firing notification as one warn line with the alert's fields", async () => {
    const log = recordingLogger();
    const ch = createConsoleChannel("console", {}, { log });
    const r = await ch.send(sampleNotification());
    assert.deepEqual(r, { ok: true });
    assert.equal(log.lines.length, 1);
    const line = log.lines[0]!;
    assert.equal(line.level, "warn");
    assert.equal(line.msg, "[FIRING:1] HighErrorRate (warning)");
    assert.equal(line.obj.channel, "console");
    assert.equal(line.obj.notification_id, "n-0001");
    assert.equal(line.obj.kind, "firing");
    assert.deepEqual(line.obj.alerts, [
      {
        id: "alert-1",
        fingerprint: "f1e2d3c4b5a69788",
        rule: "HighErrorRate",
        severity: "warning",
        status: "firing",
        summary: "Error rate of support-bot is 12.5% (threshold 5%)",
        value: 0.125,
        threshold: 0.05,
        labels: { alertname: "HighErrorRate", severity: "warning", agent_name: "support-bot", model: "gpt-4o" },
        starts_at: "2025-01-15T09:55:00.000Z",
        ends_at: null,
        acknowledged_by: null,
      },
    ]);
  });

  it("logs resolved notifications at info", async () => {
    const log = recordingLogger();
    await createConsoleChannel("ops-log", {}, { log }).send(resolvedNotification(sampleNotification()));
    assert.equal(log.lines[0]!.level, "info");
    assert.equal(log.lines[0]!.msg, "[RESOLVED] HighErrorRate (warning)");
    assert.equal(log.lines[0]!.obj.channel, "ops-log");
  });

  it("describes itself without settings", () => {
    assert.deepEqual(createConsoleChannel("console", {}, { log: recordingLogger() }).describe(), { name: "console", type: "console" });
  });
});
