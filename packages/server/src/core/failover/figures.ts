/**
 * The figures a route's health is judged on, read from the rollup bucket of one (route, model)
 * over the window. LLM calls are what a gateway or `vigil relay` reports, so their figures are used
 * when the window has any; otherwise the runs' figures stand in (agents that report runs only).
 * Accuracy comes from outcomes and quality from runs either way.
 */
import { type Bucket, F } from "../bucket.js";
import { NANO } from "../event-delta.js";
import type { RouteFigures } from "./health.js";

/** The figures of one (route, model) bucket over a window of `windowMinutes`; `slowCallMs` counts slower calls as failures. */
export function routeFigures(b: Bucket, windowMinutes: number, slowCallMs: number | null): RouteFigures {
  const f = b.f;
  const llm = f[F.llm]!;
  const runs = f[F.runs]!;
  const useLlm = llm > 0;
  const calls = useLlm ? llm : runs;
  const sketch = useLlm ? b.llmLatency : b.runLatency;
  let failures = useLlm ? f[F.llmFail]! : f[F.failure]! + f[F.timeout]!;
  // A slow call that also failed counts once: slow successes are added in proportion.
  if (slowCallMs !== null && calls > 0) failures += sketch.countAbove(slowCallMs) * (1 - failures / calls);
  const div = (a: number, n: number) => (n > 0 ? a / n : null);
  const p95 = sketch.quantile(0.95);
  const costSum = useLlm ? f[F.llmCostSum]! : f[F.costSum]!;
  const costN = useLlm ? f[F.llmCostN]! : f[F.costN]!;
  return {
    calls,
    error_rate: { value: div(failures, calls), samples: calls },
    p95_latency_ms: { value: p95, samples: calls },
    ttft_ms: { value: div(f[F.ttftSum]!, f[F.ttftN]!), samples: f[F.ttftN]! },
    cost_per_call: { value: div(costSum / NANO, costN), samples: costN },
    accuracy: { value: div(f[F.accSum]!, f[F.accN]!), samples: f[F.accN]! },
    quality: { value: div(f[F.qualSum]!, f[F.qualN]!), samples: f[F.qualN]! },
    // Throughput is judged only with a full window behind it, and "samples" is the call count.
    throughput_per_min: { value: windowMinutes > 0 ? calls / windowMinutes : null, samples: calls },
  };
}
