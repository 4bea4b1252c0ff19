/** Events of the verdict-agreement scenarios: runs, LLM calls and scored outcomes, timestamped a moment ago. */

/** Whether the `i`-th of `n` items is one of `k` spread evenly. */
const spread = (i: number, n: number, k: number) => Math.floor(((i + 1) * k) / n) > Math.floor((i * k) / n);

/** `n` runs of `agent`, `failures` of them failed (spread evenly), each `durationMs` long. */
export function runs(agent: string, n: number, failures: number, opts: { durationMs?: number; model?: string } = {}): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    type: "run",
    timestamp: now - (n - i) * 50,
    body: { agent_name: agent, status: spread(i, n, failures) ? "failure" : "success", duration_ms: opts.durationMs ?? 100, ...(opts.model ? { model: opts.model } : {}) },
  }));
}

/** `n` successful runs of `agent` on `model` predicting `predicted`, each followed by its outcome `actual`. */
export function scored(agent: string, model: string, n: number, predicted: number, actual: number): unknown[] {
  const now = Date.now();
  const ids = Array.from({ length: n }, (_, i) => `${agent}-${now}-${i}`);
  return [
    ...ids.map((run_id, i) => ({ type: "run", timestamp: now - (n - i) * 50, body: { agent_name: agent, model, run_id, status: "success", duration_ms: 100, metadata: { prediction: predicted } } })),
    ...ids.map((run_id) => ({ type: "outcome", timestamp: now, body: { run_id, actual_outcome: actual } })),
  ];
}

/** `n` LLM calls to `model` (on `route` when given), `failures` of them failed. */
export function calls(model: string, route: string | null, n: number, failures: number): unknown[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    type: "llm_call",
    timestamp: now - (n - i) * 20,
    body: { model, ...(route ? { route } : {}), latency_ms: 200, status: spread(i, n, failures) ? "failure" : "success" },
  }));
}
