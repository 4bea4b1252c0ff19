/**
 * Entry of the benchmarks: `node bench/dist/run-all.js [name ...]` runs the named benches (all of
 * them when none is named) one after the other. Each prints its table and one `BENCH {...}` line;
 * progress goes to stderr.
 */
import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { alertDetection } from "./alert-detection.js";
import { anomaly } from "./anomaly.js";
import { anomalyCost } from "./anomaly-cost.js";
import { anomalyEval } from "./anomaly-eval.js";
import { alertEval } from "./alert-eval.js";
import { cardinality } from "./cardinality.js";
import { cardinalityStall } from "./cardinality-stall.js";
import { collector } from "./collector.js";
import { customMetrics } from "./custom-metrics.js";
import { dashboard } from "./dashboard.js";
import { exposition } from "./exposition.js";
import { failoverTime, relay } from "./relay.js";
import { comparePlacements, ingest } from "./ingest.js";
import { memory } from "./memory.js";
import { otlpIngest } from "./otlp-ingest.js";
import { pgIngest } from "./pg-ingest.js";
import { pgQuery } from "./pg-query.js";
import { query } from "./query.js";
import { sdk } from "./sdk.js";
import { sloStatus } from "./slo-status.js";
import { sloEval } from "./slo-eval.js";

/** The benches, by name. */
const BENCHES: Record<string, () => Promise<void>> = {
  ingest,
  query,
  sdk,
  memory,
  "ingest-compare": comparePlacements,
  "pg-ingest": pgIngest,
  "pg-query": pgQuery,
  "alert-eval": alertEval,
  "alert-detection": alertDetection,
  exposition,
  relay,
  "failover-time": failoverTime,
  dashboard,
  cardinality,
  "cardinality-stall": cardinalityStall,
  collector,
  "slo-status": sloStatus,
  "slo-eval": sloEval,
  "custom-metrics": customMetrics,
  anomaly,
  "anomaly-cost": anomalyCost,
  "anomaly-eval": anomalyEval,
  "otlp-ingest": otlpIngest,
};

/**
 * What runs when no name is given (`ingest-compare` is a one-off experiment, the `pg-*` benches
 * need a PostgreSQL server, the `alert-*` benches run real Prometheus and Alertmanager
 * processes for minutes, and `cardinality` and `cardinality-stall` take minutes and measure against
 * an earlier build named by `BENCH_PEER_VIGIL`, and `anomaly` needs the NAB corpus, so those run by
 * name).
 */
const DEFAULT = ["ingest", "query", "sdk", "memory", "exposition", "relay", "dashboard"];

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const chosen = names.length ? names : DEFAULT;
  for (const n of chosen) {
    if (!BENCHES[n]) {
      console.error(`unknown bench "${n}"; known: ${Object.keys(BENCHES).join(", ")}`);
      process.exit(2);
    }
  }
  const c = cpus();
  console.log(`# vigil benchmarks — ${new Date().toISOString()} — commit ${commit()} — node ${process.version} — ${c.length} × ${c[0]?.model.trim() ?? "cpu"} — ${Math.round(totalmem() / 2 ** 30)} GiB`);
  const started = performance.now();
  for (const n of chosen) {
    const t0 = performance.now();
    await BENCHES[n]!();
    console.error(`[${n}] took ${Math.round((performance.now() - t0) / 1000)} s`);
  }
  console.error(`all benches took ${Math.round((performance.now() - started) / 1000)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
