/**
 * Entry of the benchmarks: `node bench/dist/run-all.js [name ...]` runs the named benches (all of
 * them when none is named) one after the other. Each prints its table and one `BENCH {...}` line.
 */
import { comparePlacements, ingest } from "./ingest.js";

/** The benches, in the order `run-all` runs them. */
const BENCHES: Record<string, () => Promise<void>> = {
  ingest,
  "ingest-compare": comparePlacements,
};

const DEFAULT = ["ingest"];

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const chosen = names.length ? names : DEFAULT;
  for (const n of chosen) {
    if (!BENCHES[n]) {
      console.error(`unknown bench "${n}"; known: ${Object.keys(BENCHES).join(", ")}`);
      process.exit(2);
    }
  }
  for (const n of chosen) {
    const t0 = performance.now();
    await BENCHES[n]!();
    console.error(`[${n}] took ${Math.round((performance.now() - t0) / 1000)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
