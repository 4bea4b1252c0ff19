/** The `vigil` command line: `serve`, `relay`, `demo`, `rules export`, `dashboards export` and `anomaly score`. */
import { Command, InvalidArgumentError } from "commander";
import { demoEnv, serve } from "../main.js";
import { DETECTOR_THRESHOLD } from "../core/anomaly/detector.js";
import { anomalyScoreCommand } from "./commands/anomaly-score.js";
import { runDemo } from "./commands/demo.js";
import { dashboardsExportCommand } from "./commands/dashboards-export.js";
import { registerRelayCommand } from "./commands/relay.js";
import { rulesExportCommand } from "./commands/rules-export.js";

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number");
  return n;
};
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
};

const nonNegative = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a number >= 0");
  return n;
};

const program = new Command("vigil").description("Vigil: a self-hosted performance monitor for AI models and agents").showHelpAfterError();

program
  .command("serve")
  .description("run the monitor (defaults: http://127.0.0.1:8001, SQLite under ./data)")
  .option("--port <port>", "port to listen on (env VIGIL_PORT; default 8001)", port)
  .option("--host <host>", "address to listen on (env VIGIL_HOST; default 127.0.0.1)")
  .option("--data-dir <dir>", "directory of the embedded store (env VIGIL_DATA_DIR; default ./data)")
  .option("--database-url <url>", "postgres:// URL to use PostgreSQL instead (env VIGIL_DATABASE_URL)")
  .option("--config <file>", "YAML config file (env VIGIL_CONFIG)")
  .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (env VIGIL_LOG_LEVEL; default info)")
  .option("--rules <file>", "YAML alert rules file, added to the default rule pack (env VIGIL_RULES); SIGHUP reloads it")
  .action(async (opts: { port?: number; host?: string; dataDir?: string; databaseUrl?: string; config?: string; logLevel?: string; rules?: string }) => {
    await serve(opts);
  });

registerRelayCommand(program);

program
  .command("demo")
  .description("send realistic synthetic traffic (several agents and models, then a degradation) to a running server")
  .option("--target <url>", "server to send to", "http://localhost:8001")
  .option("--duration <seconds>", "how long to run; 0 runs until interrupted", nonNegative, 120)
  .option("--rate <events/s>", "runs per second to send", positive, 20)
  .option("--api-key <key>", "API key with the ingest scope (env VIGIL_API_KEY)")
  .action(async (opts: { target: string; duration: number; rate: number; apiKey?: string }) => {
    const code = await runDemo({ ...opts, apiKey: opts.apiKey ?? demoEnv().apiKey });
    process.exit(code);
  });

const collectThreshold = (v: string, acc: Record<string, number>) => {
  const m = /^([a-z0-9_]+)=(.+)$/.exec(v);
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(n)) throw new InvalidArgumentError("must be key=number, e.g. error_rate_max=0.1");
  return { ...acc, [m[1]!]: n };
};

program
  .command("rules")
  .description("alert rules")
  .command("export")
  .description("write the alert rules in force (shipped pack, then the --rules file) for another system")
  .requiredOption("--format <format>", "output format: prometheus")
  .option("--rules <file>", "YAML rules file, as given to vigil serve --rules")
  .option("--out <file>", "write the export here instead of stdout")
  .option("--thresholds <file>", "YAML or JSON thresholds shaped as the body of PUT /api/v1/thresholds (global values are exported)")
  .option("--threshold <key=value>", "threshold for rules with threshold_key; repeatable", collectThreshold, {} as Record<string, number>)
  .option("--baselines <file>", "YAML or JSON baselines for rules with baseline: the config file or the answer of GET /api/v1/baselines (exported as factor × the value)")
  .option("--slos <file>", "Vigil config file whose service_classes and slos are exported as recording and burn-rate alerting rules")
  .option("--no-defaults", "leave out the shipped rule pack")
  .action(async (opts: { format: string; rules?: string; out?: string; thresholds?: string; threshold: Record<string, number>; baselines?: string; slos?: string; defaults: boolean }) => {
    process.exit(await rulesExportCommand({ format: opts.format, rulesFile: opts.rules, out: opts.out, thresholdsFile: opts.thresholds, thresholds: opts.threshold, baselinesFile: opts.baselines, slosFile: opts.slos, noDefaults: !opts.defaults }));
  });

program
  .command("dashboards")
  .description("Grafana dashboards")
  .command("export")
  .description("write the four Grafana dashboards (Performance Overview, Cache Performance, Cost Optimization, System Health) as JSON files")
  .requiredOption("--out <dir>", "directory to write the JSON files into (created if missing)")
  .action(async (opts: { out: string }) => {
    process.exit(await dashboardsExportCommand({ out: opts.out }));
  });

const unitScore = (v: string) => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
};

program
  .command("anomaly")
  .description("anomaly detection")
  .command("score")
  .description("score a CSV time series (timestamp,value) with Vigil's streaming anomaly detector; writes timestamp,value,anomaly_score,label")
  .requiredOption("--input <file>", "CSV with a header naming timestamp and value columns (others are ignored); - for stdin")
  .requiredOption("--output <file>", "CSV to write; - for stdout")
  .option("--threshold <score>", `anomaly score at or above which a row is labelled 1 (default ${DETECTOR_THRESHOLD}, the detector's own)`, unitScore)
  .action(async (opts: { input: string; output: string; threshold?: number }) => {
    process.exit(await anomalyScoreCommand(opts));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
