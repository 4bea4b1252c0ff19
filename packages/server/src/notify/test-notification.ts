/**
 * Test helpers for the channel suites: sample notifications and a local HTTP server that records
 * what it receives. Not a test file itself (no `.test.` in the name), so the runner skips it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { renderAnnotations } from "../core/alerting/annotations.js";
import { validateRule } from "../core/alerting/rule.js";
import type { Notification, NotifiedAlert } from "../core/alerting/types.js";
import type { NotifyLogger } from "./channel.js";

/** A fixed time for samples: 2025-01-15T10:00:00Z. */
export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);

/** A firing HighErrorRate alert for agent `support-bot`, with every annotation a rule may fill. */
export function sampleAlert(over: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    id: "alert-1",
    fingerprint: "f1e2d3c4b5a69788",
    rule: "HighErrorRate",
    severity: "warning",
    status: "firing",
    labels: { alertname: "HighErrorRate", severity: "warning", agent_name: "support-bot", model: "gpt-4o" },
    annotations: {
      summary: "Error rate of support-bot is 12.5% (threshold 5%)",
      description: "More than 5% of runs failed over the last 5 minutes.",
      recommendation: "Check the model provider's status page; consider failing over to the backup model.",
      business_impact: "Customers get failed answers from the support assistant.",
    },
    value: 0.125,
    threshold: 0.05,
    starts_at: T0 - 5 * 60_000,
    ends_at: null,
    acknowledged_by: null,
    ...over,
  };
}

/**
 * A firing alert of an anomaly rule (p95 latency of route `chat` far above its expected band), with
 * the annotations the alert engine writes for it, so that channels see what they see in production.
 */
export function sampleAnomalyAlert(over: Partial<NotifiedAlert> = {}): NotifiedAlert {
  const { rule } = validateRule({ name: "LatencyAnomalyByRoute", metric: "p95_latency_ms", group_by: ["route"], anomaly: { sensitivity: "medium", step: "5m" } }, "/rules/0", "file");
  const labels = { alertname: "LatencyAnomalyByRoute", severity: "warning", route: "chat" };
  return sampleAlert({
    id: "9fbb2ac91b8f355c-mwqeork2",
    fingerprint: "9fbb2ac91b8f355c",
    rule: "LatencyAnomalyByRoute",
    labels,
    annotations: renderAnnotations(rule!, labels, 4200, null, 40, { score: 0.87, expected: 1300, lower: 1100, upper: 1600 }),
    value: 4200,
    threshold: null,
    ...over,
  });
}

/** A firing notification about one alert (override any field, e.g. `alerts`). */
export function sampleNotification(over: Partial<Notification> = {}): Notification {
  const alerts = over.alerts ?? [sampleAlert()];
  return {
    id: "n-0001",
    channel: "test",
    kind: "firing",
    group_key: '{}:{alertname="HighErrorRate"}',
    group_labels: { alertname: "HighErrorRate" },
    severity: "warning",
    alerts,
    created_at: T0,
    external_url: "http://vigil.example:8001",
    ...over,
  };
}

/** The same alerts resolved `afterMs` after T0. */
export function resolvedNotification(n: Notification, afterMs = 60_000): Notification {
  return { ...n, id: `${n.id}-resolved`, kind: "resolved", created_at: T0 + afterMs, alerts: n.alerts.map((a) => ({ ...a, status: "resolved", ends_at: T0 + afterMs })) };
}

/** A logger that keeps its lines. */
export function recordingLogger(): NotifyLogger & { lines: { level: "info" | "warn"; obj: Record<string, unknown>; msg: string }[] } {
  const lines: { level: "info" | "warn"; obj: Record<string, unknown>; msg: string }[] = [];
  return {
    lines,
    info: (obj, msg) => void lines.push({ level: "info", obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => void lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
  };
}

/** A request as the test server received it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
}

/** A local HTTP server that records requests and answers through `respond` (default 200 "ok"). */
export interface TestServer {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how the server answers the next requests. */
  respond: (fn: (req: ReceivedRequest, res: ServerResponse) => void) => void;
  close(): Promise<void>;
}

/** Starts a recording HTTP server on 127.0.0.1 at a free port. */
export async function startTestServer(): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  let handler: (req: ReceivedRequest, res: ServerResponse) => void = (_req, res) => void res.end("ok");
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (fn) => void (handler = fn),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
