/**
 * Preloaded into a `vigil serve` child (`node --expose-gc --import <this file>`), of this build or
 * of an earlier one: on SIGUSR2 it collects garbage twice and writes `process.memoryUsage()` as JSON
 * to the file named by `BENCH_GC_FILE`, so a bench can read the server's RSS after a full GC without
 * changing the server.
 */
import { renameSync, writeFileSync } from "node:fs";

const file = process.env.BENCH_GC_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file) {
  process.on("SIGUSR2", () => {
    // Twice: the first pass may leave finalisers whose memory only the second frees.
    gc?.();
    gc?.();
    writeFileSync(`${file}.tmp`, JSON.stringify({ gc: gc !== undefined, ...process.memoryUsage() }));
    renameSync(`${file}.tmp`, file);
  });
}
