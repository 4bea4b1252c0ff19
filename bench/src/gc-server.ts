/**
 * Child-process entry of the memory bench: runs a Vigil server (the same `startServer` as
 * `vigil serve`) in a process started with --expose-gc, and on request collects garbage and
 * reports its memory, so RSS is read after a full GC of the server's own heap.
 */
import { loadConfig } from "@vigil/server/config";
import { startServer } from "@vigil/server/main";

const dataDir = process.argv[2]!;
const gc = (globalThis as { gc?: () => void }).gc;

const server = await startServer(loadConfig({ dataDir, port: 0, host: "127.0.0.1" }, {}), false);
process.send!({ kind: "ready", url: server.url });
process.on("message", (m: { cmd: "measure" } | { cmd: "stop" }) => {
  if (m.cmd === "measure") {
    // Twice: the first pass may leave finalisers whose memory only the second frees.
    for (let i = 0; i < 2; i++) gc?.();
    const mem = process.memoryUsage();
    process.send!({ kind: "memory", gc: gc !== undefined, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, arrayBuffers: mem.arrayBuffers, buckets: server.rollups.status().buckets });
  } else {
    void server.close().then(() => process.exit(0));
  }
});
