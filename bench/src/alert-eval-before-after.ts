/**
 * alert-eval against an earlier build (`BENCH_PEER_VIGIL`): ours and the earlier build each evaluate
 * the same rules over the same events in a child process of their own (`alert-eval-side.ts`), one
 * cycle at a time in turn, which one goes first alternating by cycle, so background load on the
 * machine hits both alike. Figures: wall clock and process CPU per cycle, and the ratio ours / peer.
 */
import { forkSide, type CycleFigures, type Side, type SideOptions, type SideSummary } from "./alert-eval-side.js";
import { SERIES } from "./alert-eval-workload.js";
import { emit, human, log, printTable, quantile, round, type PeerVigil } from "./common.js";
import { withSignalCleanup } from "./prom-common.js";

/** What the bench process knows of the run. */
export interface BeforeAfterSettings {
  warmup: number;
  cycles: number;
  keyed: number;
  keyedRules: number;
  groupsPerCycle: number;
}

const sorted = (v: readonly number[]) => Float64Array.from(v).sort();
const med = (v: readonly number[]) => quantile(sorted(v), 0.5);
const p95 = (v: readonly number[]) => quantile(sorted(v), 0.95);

/** Runs both builds in turn and prints the table and BENCH line. */
export async function alertEvalBeforeAfter(o: SideOptions, before: PeerVigil, s: BeforeAfterSettings): Promise<void> {
  await withSignalCleanup(async () => {
    const sides: Side[] = [];
    try {
      log(`alert-eval: ours — folding the history in a child process`);
      const ours = await forkSide(o);
      sides.push(ours);
      log(`alert-eval: peer ${before.commit} (${before.root}) — folding the same history in a child process`);
      const peer = await forkSide({ ...o, root: before.root });
      sides.push(peer);
      const figures: { ours: CycleFigures[]; peer: CycleFigures[] } = { ours: [], peer: [] };
      for (let c = 0; c < s.warmup + s.cycles; c++) {
        const order: ["ours" | "peer", Side][] = c % 2 === 0 ? [["ours", ours], ["peer", peer]] : [["peer", peer], ["ours", ours]];
        for (const [name, side] of order) {
          const f = await side.cycle();
          if (c >= s.warmup) figures[name].push(f);
        }
        if (c >= s.warmup && (c - s.warmup) % 10 === 9) log(`alert-eval: ${c - s.warmup + 1} of ${s.cycles} cycle pairs; median so far ${round(med(figures.ours.map((f) => f.ms)), 1)} against ${round(med(figures.peer.map((f) => f.ms)), 1)} ms`);
      }
      report(o, before, s, figures, await ours.summary(), await peer.summary());
    } finally {
      for (const side of sides) await side.close();
    }
  });
}

function report(o: SideOptions, before: PeerVigil, s: BeforeAfterSettings, f: { ours: CycleFigures[]; peer: CycleFigures[] }, ours: SideSummary, peer: SideSummary): void {
  const wall = { ours: f.ours.map((x) => x.ms), peer: f.peer.map((x) => x.ms) };
  const cpu = { ours: f.ours.map((x) => x.cpuMs), peer: f.peer.map((x) => x.cpuMs) };
  // Cycle c of ours against cycle c of the peer: the same simulated time and traffic.
  const pairWall = wall.ours.map((v, i) => v / wall.peer[i]!);
  const pairCpu = cpu.ours.map((v, i) => v / cpu.peer[i]!);
  const ms = (v: number) => `${round(v, v < 10 ? 2 : 1)} ms`;
  const r = (v: number) => round(v, 3).toString();
  const open = (x: SideSummary) => `${x.firing + x.pending} (${x.firing} + ${x.pending})`;
  printTable(`alert-eval before and after — one evaluation cycle of ${ours.rules} rules (${s.keyedRules} with threshold_key) over ${SERIES} active dimension sets, ${s.cycles} cycles of each build in turn after ${s.warmup} warm-up (peer: Vigil at ${before.commit})`, [
    { figure: "ms per cycle, median", ours: ms(med(wall.ours)), peer: ms(med(wall.peer)), ratio: r(med(wall.ours) / med(wall.peer)), goal: "<= 1.05", met: med(wall.ours) / med(wall.peer) <= 1.05 },
    { figure: "ms per cycle, p95", ours: ms(p95(wall.ours)), peer: ms(p95(wall.peer)), ratio: r(p95(wall.ours) / p95(wall.peer)), goal: "(context)" },
    { figure: "median of per-cycle ratios (wall)", ours: "", peer: "", ratio: r(med(pairWall)), goal: "<= 1.05", met: med(pairWall) <= 1.05 },
    { figure: "process CPU per cycle, median", ours: ms(med(cpu.ours)), peer: ms(med(cpu.peer)), ratio: r(med(cpu.ours) / med(cpu.peer)), goal: "<= 1.05", met: med(cpu.ours) / med(cpu.peer) <= 1.05 },
    { figure: "median of per-cycle ratios (CPU)", ours: "", peer: "", ratio: r(med(pairCpu)), goal: "(context)" },
    { figure: "alerts open (firing + pending)", ours: open(ours), peer: open(peer), ratio: "", goal: "(context)" },
    { figure: "rule × group evaluations per cycle", ours: human(s.groupsPerCycle), peer: "", ratio: "", goal: "(context)" },
    { figure: "heap after folding 32 min (after GC)", ours: `${round(ours.heapMB, 0)} MB`, peer: `${round(peer.heapMB, 0)} MB`, ratio: "", goal: "(context)" },
  ]);
  console.log(`Each build in a child process of its own (node --expose-gc), AlertStore an in-memory stub, notification sink a no-op; the same ${human(ours.folded)} events folded and the same simulated clock on both. Pairs: cycle c of ours against cycle c of the peer; which one runs first alternates by cycle.`);
  const side = (x: SideSummary, w: number[], c: number[]) => ({ median_ms: round(med(w), 3), p95_ms: round(p95(w), 3), cpu_median_ms: round(med(c), 3), firing: x.firing, pending: x.pending, heap_mb: round(x.heapMB, 1), fold_s: round(x.foldMs / 1000, 2) });
  emit("alert-eval", {
    mode: "before-after",
    rules: ours.rules,
    keyed_rules: s.keyedRules,
    keyed_percent: s.keyed,
    thresholds_scoped: o.thresholds !== null,
    series: SERIES,
    cycles: s.cycles,
    events_folded: ours.folded,
    ours: side(ours, wall.ours, cpu.ours),
    peer: { commit: before.commit, ...side(peer, wall.peer, cpu.peer) },
    ratio: round(med(wall.ours) / med(wall.peer), 4),
    ratio_pairs: round(med(pairWall), 4),
    ratio_cpu: round(med(cpu.ours) / med(cpu.peer), 4),
    ratio_cpu_pairs: round(med(pairCpu), 4),
    goal_ratio: 1.05,
  });
}
