/**
 * GenAI evaluation results (`gen_ai.evaluation.result`, a span event or a log record) as Vigil
 * `feedback` (docs/otlp.md): a pass/fail kind of label becomes thumbs up or down, an integer score
 * of 1..5 a rating; other scores (0.87 on a relevance scale) have no feedback meaning Vigil could
 * keep honestly, so they stay on the stored span only.
 */
import type { Attributes } from "./model.js";
import { EVALUATION } from "./genai.js";
import { name, numeric, text } from "./attributes.js";

/** Score labels read as a thumbs up (compared in lower case). */
const UP = new Set(["pass", "passed", "correct", "relevant", "true", "yes", "good", "positive", "accept", "accepted", "grounded"]);
/** Score labels read as a thumbs down. */
const DOWN = new Set(["fail", "failed", "incorrect", "not_relevant", "irrelevant", "false", "no", "bad", "negative", "reject", "rejected", "ungrounded"]);
/** Longest explanation copied into the feedback's metadata. */
const MAX_EXPLANATION = 2048;

/** What an evaluation rated: the run (or, with no run, the call as a task) and its dimensions. */
export interface EvaluationTarget {
  runId?: string;
  taskId?: string;
  agentName?: string;
  model?: string;
}

/** The result of reading one evaluation: a feedback event, nothing to record, or why it is unusable. */
export type EvaluationFeedback = { event: { id: string; type: "feedback"; timestamp: number; body: Record<string, unknown> } } | { skipped: true } | { problem: string };

/** The thumbs a score label means, if any. */
export function thumbsOf(label: string | undefined): "up" | "down" | undefined {
  if (label === undefined) return undefined;
  const l = label.trim().toLowerCase();
  return UP.has(l) ? "up" : DOWN.has(l) ? "down" : undefined;
}

/**
 * The feedback event of one evaluation result with attributes `attrs`, at `timeMs`, with the
 * idempotency key `id`. The evaluation name is required by the conventions: without it, a problem.
 */
export function evaluationFeedback(attrs: Attributes, id: string, timeMs: number, target: EvaluationTarget): EvaluationFeedback {
  const evaluation = name(attrs[EVALUATION.name]);
  if (evaluation === undefined) return { problem: `has no ${EVALUATION.name}` };
  const label = text(attrs[EVALUATION.scoreLabel]);
  const value = numeric(attrs[EVALUATION.scoreValue]);
  const thumbs = thumbsOf(label);
  const rating = thumbs === undefined && value !== undefined && Number.isInteger(value) && value >= 1 && value <= 5 ? value : undefined;
  if (thumbs === undefined && rating === undefined) return { skipped: true };
  const body: Record<string, unknown> = {};
  if (target.runId !== undefined) body.run_id = target.runId;
  else if (target.taskId !== undefined) body.task_id = target.taskId;
  else return { skipped: true };
  if (thumbs !== undefined) body.thumbs = thumbs;
  if (rating !== undefined) body.rating = rating;
  if (target.agentName !== undefined) body.agent_name = target.agentName;
  if (target.model !== undefined) body.model = target.model;
  body.source = evaluation;
  const metadata: Record<string, unknown> = { [EVALUATION.name]: evaluation };
  if (value !== undefined) metadata[EVALUATION.scoreValue] = value;
  if (label !== undefined) metadata[EVALUATION.scoreLabel] = label.slice(0, MAX_EXPLANATION);
  const explanation = text(attrs[EVALUATION.explanation]);
  if (explanation !== undefined) metadata[EVALUATION.explanation] = explanation.slice(0, MAX_EXPLANATION);
  body.metadata = metadata;
  return { event: { id, type: "feedback", timestamp: timeMs, body } };
}
