/**
 * What a piece of work leaves running: the async resources (timers, sockets, servers, worker
 * threads, message ports, child processes) created while recording and not destroyed since. Tests
 * use it to show that a start-up that fails, or a server that closes, leaves nothing behind.
 */
import { createHook } from "node:async_hooks";

/** Resources that end by themselves in a moment (requests, callbacks, promises): not holdings. */
const TRANSIENT = new Set(["PROMISE", "TickObject", "Microtask", "FSREQCALLBACK", "FSREQPROMISE", "FILEHANDLECLOSEREQ", "GETADDRINFOREQWRAP", "SHUTDOWNWRAP", "WRITEWRAP", "TCPCONNECTWRAP", "QUERYWRAP", "ZLIB", "RANDOMBYTESREQUEST", "PBKDF2REQUEST", "HTTPINCOMINGMESSAGE", "HTTPCLIENTREQUEST", "Immediate"]);

/** A recording of the resources created since it started; each entry is the kind, then where it was created. */
export interface ResourceTracker {
  /** The kinds of resource alive now. */
  kinds(): string[];
  /** Stops recording, lets the destroy hooks of closed handles run, and returns what is still alive. */
  settle(): Promise<string[]>;
}

/** Starts recording the async resources created from now on. */
export function trackResources(): ResourceTracker {
  const live = new Map<number, string>();
  let recording = true;
  const hook = createHook({
    init(id, type) {
      if (recording && !TRANSIENT.has(type)) live.set(id, `${type}\n${new Error().stack!.split("\n").slice(3, 9).join("\n")}`);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    kinds: () => [...live.values()].map((l) => l.split("\n")[0]!),
    async settle() {
      recording = false;
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
      hook.disable();
      return [...live.values()];
    },
  };
}

/** Runs `work` and returns how it ended and what it created and did not release. */
export async function leftBehind(work: () => Promise<unknown>): Promise<{ result: PromiseSettledResult<unknown>; left: string[] }> {
  const t = trackResources();
  const [result] = await Promise.allSettled([work()]);
  return { result, left: await t.settle() };
}

/**
 * Resources that stay by design: the event-loop delay monitor prom-client starts for the process
 * metrics of /metrics, once per process (prom-client offers no way to stop it; it holds no socket
 * and does not keep the process alive), and Node's HTTP Date header cache (ends by itself within a second).
 */
export function expectedToStay(l: string): boolean {
  return (l.startsWith("ELDHISTOGRAM\n") && l.includes("collectDefaultMetrics")) || l.includes("at utcDate (node:internal/http");
}
