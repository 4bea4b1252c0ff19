/** @vigil/sdk: non-blocking recording of agent runs, LLM calls, tool calls, retrievals, cache operations, outcomes, feedback and metrics for Vigil. */
export { Vigil } from "./vigil.js";
export { VigilSdkError, type VigilSdkErrorCode, type VigilSdkErrorDetails } from "./errors.js";
export type {
  CacheInput, CamelCase, CamelKeys, EventMeta, FeedbackInput, LlmCallInput, LlmPrices, LlmUsage, MetricInput, OutcomeInput, RetrievalInput,
  RunInput, TimeLlmCallInput, ToolCallInput, TrackLlmCallInput, TrackRetrievalInput, TrackRunInput, TrackToolCallInput, VigilOptions, VigilStats,
} from "./types.js";
