/** @vigil/sdk: non-blocking recording of agent runs, LLM calls, outcomes, feedback and metrics for Vigil. */
export { Vigil } from "./vigil.js";
export { VigilSdkError, type VigilSdkErrorCode, type VigilSdkErrorDetails } from "./errors.js";
export type {
  CamelCase, CamelKeys, EventMeta, FeedbackInput, LlmCallInput, MetricInput, OutcomeInput, RunInput, TrackRunInput, VigilOptions, VigilStats,
} from "./types.js";
