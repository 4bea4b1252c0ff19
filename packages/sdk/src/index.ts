/** @vigil/sdk: non-blocking recording of agent runs, LLM calls, tool calls, retrievals, cache operations, outcomes, feedback and metrics for Vigil. */
export { Vigil } from "./vigil.js";
export { VigilSdkError, type VigilSdkErrorCode, type VigilSdkErrorDetails } from "./errors.js";
export type {
  CacheInput, CamelCase, CamelKeys, EventMeta, FeedbackInput, LlmCallInput, LlmPrices, LlmUsage, MetricInput, OutcomeInput, RetrievalInput,
  RunInput, TimeLlmCallInput, ToolCallInput, TrackLlmCallInput, TrackRetrievalInput, TrackRunInput, TrackToolCallInput, VigilOptions, VigilStats,
} from "./types.js";
export { VigilConnector, parseModelHealth, type CallOptions, type ConnectorOptions, type LlmCallRecorder, type ModelHealthQuery, type RouteFeedbackInput, type RouteStream, type RouteThresholds } from "./connector.js";
export { CircuitOpenError, VigilConnectorError, VigilRequestError, VigilUnavailableError, type ConnectorErrorCode, type ConnectorErrorDetails, type ConnectorResult } from "./connector-errors.js";
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitPermit, type CircuitSnapshot, type CircuitState, type CircuitVerdict } from "./circuit-breaker.js";
export { systemClock, type Clock } from "./clock.js";
export { RouteCache, parseRouteView, type RouteStore } from "./route-cache.js";
export { RouteFollower, type FollowerMode, type RouteEvent, type RouteFollowerOptions, type ViewSource } from "./route-follower.js";
export { Router, RouterPool, type PickReason, type RouteCall, type RouteCallInput, type RouteCallReport, type RoutePick, type RouterEvent, type RouterOptions } from "./router.js";
export { SseParser, type SseMessage } from "./sse.js";
