/**
 * `vigil dashboards export --out DIR`: writes seed 004's four Grafana dashboards (Performance
 * Overview, Cache Performance, Cost Optimization, System Health) as JSON files over the `/metrics`
 * families, ready for Grafana's file provisioning or its import page.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildDashboards } from "../../prometheus/dashboards/index.js";

/** Options of `vigil dashboards export`. */
export interface DashboardsExportOptions {
  /** Directory to write the files into; created (with its parents) when missing. */
  out: string;
  /** Output streams (tests capture them). */
  io?: { stdout(text: string): void; stderr(text: string): void };
}

const processIo = { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };

/** Writes the dashboards, one line per file on stdout; resolves the exit code (0 written, 1 on a file system error). */
export async function dashboardsExportCommand(opts: DashboardsExportOptions): Promise<number> {
  const io = opts.io ?? processIo;
  if (!opts.out) {
    io.stderr("vigil dashboards export: --out <dir> is required\n");
    return 1;
  }
  try {
    await mkdir(opts.out, { recursive: true });
    for (const { file, dashboard } of buildDashboards()) {
      const path = join(opts.out, file);
      await writeFile(path, `${JSON.stringify(dashboard, null, 2)}\n`);
      io.stdout(`wrote ${path} (${dashboard.title}, ${dashboard.panels.length} panels)\n`);
    }
  } catch (err) {
    io.stderr(`vigil dashboards export: cannot write to ${opts.out}: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}
