/** The event as Vigil stores it: the wire body plus what the server derived (cost, accuracy, joined dimensions). */
import type { EventType } from "@vigil/contract";

/** Type codes as stored (index into EVENT_TYPES). */
export const TYPE_CODES: Readonly<Record<EventType, number>> = Object.freeze({ run: 0, llm_call: 1, outcome: 2, feedback: 3, metric: 4, cache: 5, tool_call: 6, retrieval: 7 });

/** An accepted, enriched event ready to be appended and folded into rollups. */
export interface StoredEvent {
  /** Idempotency key: the client's `id` or one the server assigned. */
  id: string;
  type: EventType;
  /** Event time, epoch ms. */
  ts: number;
  /** Receive time, epoch ms. */
  receivedAt: number;
  /**
   * The body as sent, plus derived fields: `cost` and `cost_source` (`price_table|cache`) when
   * computed, `cost_saved` for LLM calls a cache made cheaper, `accuracy` for outcomes,
   * `satisfaction` for feedback, and the run's dimensions (`DIMENSIONS`) joined from the run.
   */
  body: Record<string, unknown>;
  /**
   * `body` as JSON text, when the server has it from the request and has not changed the body
   * since (no cost computed, no join): the store writes it instead of serialising the body again.
   * Its JSON.parse equals `body`; spacing and escapes are the client's. A store may drop it once
   * it has taken the text (the embedded store does, so the text is not kept while the commit waits).
   */
  bodyJson?: string;
  /** For runs: the caller's run id and task id, indexed so outcomes can join them later. */
  runId?: string;
  taskId?: string;
}

/** What an outcome or feedback event needs from the run it refers to. */
export interface RunRef extends Dims {
  agent_type?: string;
  /** The run's `metadata.prediction`, when it recorded one. */
  prediction?: unknown;
  ts: number;
}

/**
 * Dimension names every rollup is keyed by. The first five are the original ones; `query_class`,
 * `component`, `service` and `endpoint` came later and are appended, so a series key that carries
 * none of them is the same string as before (see `dimsKey`).
 */
export const DIMENSIONS = ["agent_name", "model", "route", "tenant_id", "mode", "query_class", "component", "service", "endpoint"] as const;
/** One of the rollup dimensions. */
export type Dimension = (typeof DIMENSIONS)[number];
/** Values of the dimensions; absent ones are undefined. */
export type Dims = Partial<Record<Dimension, string>>;

/** Extracts the run reference from a stored run body (for the in-batch and cache joins). */
export function runRefOf(ev: StoredEvent): RunRef {
  const b = ev.body;
  const meta = b.metadata as Record<string, unknown> | undefined;
  const ref: RunRef = { ts: ev.ts };
  for (const d of DIMENSIONS) if (typeof b[d] === "string") ref[d] = b[d] as string;
  if (typeof b.agent_type === "string") ref.agent_type = b.agent_type;
  if (meta && Object.prototype.hasOwnProperty.call(meta, "prediction")) ref.prediction = meta.prediction;
  return ref;
}
