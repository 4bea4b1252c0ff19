/**
 * The serving thread's side of the embedded store's writer thread: one promise per request,
 * answered in order, and the hand-off of appended events as columns.
 */
import { Worker } from "node:worker_threads";
import { VigilError } from "../../core/errors.js";
import { TYPE_CODES, type StoredEvent } from "../../core/stored-event.js";
import { WriteHealth } from "../write-health.js";
import type { WriterReply, WriterRequest } from "./writer-worker.js";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A client of the writer thread: one promise per request, answered in order. */
export class WriterClient {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private next = 1;
  /** Set when the writer thread has stopped: every later write is refused with it. */
  failure: Error | null = null;
  /** Whether the last write succeeded (a refused one, e.g. disk full, makes the store unready until one does). */
  readonly health: WriteHealth;

  constructor(file: string, synchronous: "full" | "normal", probeIntervalMs: number) {
    this.health = new WriteHealth({ probe: async () => void (await this.request({ op: "probe" })), intervalMs: probeIntervalMs });
    // Small heap limits: the writer holds nothing between requests, so a tight heap only makes it collect sooner.
    this.worker = new Worker(new URL("./writer-worker.js", import.meta.url), { workerData: { file, synchronous }, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 } });
    this.worker.on("message", (msg: WriterReply | WriterReply[]) => {
      for (const r of Array.isArray(msg) ? msg : [msg]) {
        const w = this.waiting.get(r.id);
        if (!w) continue;
        this.waiting.delete(r.id);
        if (r.ok) {
          this.health.succeeded();
          w.resolve(r.result);
        } else {
          this.health.failed(`the store refused a write: ${r.message}`);
          w.reject(new VigilError("STORAGE_UNAVAILABLE", `the store refused a write: ${r.message}`));
        }
      }
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const w of this.waiting.values()) w.reject(new VigilError("STORAGE_UNAVAILABLE", `the store's writer stopped: ${err.message}`, undefined, { cause: err }));
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => code !== 0 && fail(new Error(`writer thread exited with code ${code}`)));
  }

  /** Writes sent to the writer thread and not answered yet. */
  inflight(): number {
    return this.waiting.size;
  }

  request<T>(msg: WithoutId<WriterRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(new VigilError("STORAGE_UNAVAILABLE", `the store's writer stopped: ${this.failure.message}`));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Hands events to the writer thread as columns; per event, whether it was new. Not an async
   * function: the columns (the bodies' text above all) are garbage once posted, instead of staying
   * referenced while the commit is awaited and being copied by every collection in the meantime.
   */
  append(evs: readonly StoredEvent[]): Promise<{ fresh: Uint8Array; maxSeq: number }> {
    const n = evs.length;
    const types = new Uint8Array(n);
    const ts = new Float64Array(n);
    const received = new Float64Array(n);
    const ids = new Array<string>(n);
    const runIds = new Array<string | null>(n);
    const taskIds = new Array<string | null>(n);
    const bodies = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const e = evs[i]!;
      ids[i] = e.id;
      types[i] = TYPE_CODES[e.type];
      ts[i] = e.ts;
      received[i] = e.receivedAt;
      runIds[i] = e.runId ?? null;
      taskIds[i] = e.taskId ?? null;
      const text = e.bodyJson;
      if (text !== undefined) {
        bodies[i] = text;
        // The text travels with this request: without this reference it is garbage before the commit.
        e.bodyJson = undefined;
      } else bodies[i] = JSON.stringify(e.body);
    }
    return this.request({ op: "append", ids, types, ts, received, runIds, taskIds, bodies }, [types.buffer, ts.buffer, received.buffer]);
  }

  async close(): Promise<void> {
    this.health.close();
    if (!this.failure) await this.request({ op: "close" }).catch(() => undefined);
    await this.worker.terminate();
  }
}
