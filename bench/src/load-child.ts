/**
 * Child-process entry of the ingest load generator (forked by the ingest bench with an IPC channel):
 * `start` builds the bodies and starts the loops, `stats` reports, `stop` reports and exits.
 */
import { batchBodies } from "./common.js";
import { startLoad, type ClientKind, type Load } from "./load.js";

/** A message from the parent. */
type Command = { cmd: "start"; url: string; concurrency: number; client: ClientKind; batches: number; batchSize: number } | { cmd: "stats" } | { cmd: "stop" };

let load: Load | null = null;
process.on("message", (m: Command) => {
  if (m.cmd === "start") {
    const { bodies } = batchBodies(m.batches, m.batchSize);
    load = startLoad({ url: m.url, bodies, concurrency: m.concurrency, client: m.client });
    process.send!({ kind: "started" });
  } else if (m.cmd === "stats") {
    process.send!({ kind: "stats", stats: load!.stats() });
  } else if (m.cmd === "stop") {
    void load!.stop().then((stats) => {
      process.send!({ kind: "stats", stats }, () => process.exit(0));
    });
  }
});
