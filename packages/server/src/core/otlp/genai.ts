/**
 * The attribute names Vigil reads from GenAI spans (docs/otlp.md), newest first in each list.
 *
 * Sources:
 * - OpenTelemetry semantic conventions, `model/gen-ai/registry.yaml`, `spans.yaml`, `events.yaml` and
 *   `docs/gen-ai/*.md` as of v1.41 (github.com/open-telemetry/semantic-conventions, before the GenAI
 *   conventions moved to open-telemetry/semantic-conventions-genai with their names unchanged), and
 *   `model/gen-ai/deprecated/registry-deprecated.yaml` for the renamed ones.
 * - OpenLLMetry (traceloop/openllmetry-js, `packages/ai-semantic-conventions/src/SemanticAttributes.ts`).
 * - OpenLIT (openlit/openlit, `sdk/python/src/openlit/semcov/__init__.py`, `sdk/typescript/src/semantic-convention.ts`).
 * - The Vercel AI SDK's telemetry (`ai.*` attributes and the `ai.stream.firstChunk` span event).
 */

/** `gen_ai.operation.name`: what a GenAI span does (chat, embeddings, invoke_agent, execute_tool...). */
export const OPERATION_NAME = "gen_ai.operation.name";

/** Operation names that are a request to a model (semconv well-known values). */
export const MODEL_CALL_OPERATIONS: ReadonlySet<string> = new Set(["chat", "text_completion", "embeddings", "generate_content"]);
/** Operation name of an agent invocation (semconv `invoke_agent`). */
export const INVOKE_AGENT = "invoke_agent";
/** Operation name of a tool execution (semconv `execute_tool`). */
export const EXECUTE_TOOL = "execute_tool";
/**
 * Operation name of a retrieval (semconv `retrieval`). Plain database spans (`db.*`, OpenLIT's
 * `vectordb` operation) are not retrievals: they cover writes and deletes too, and a query span does
 * not say it fetched context for a model.
 */
export const RETRIEVAL = "retrieval";

/**
 * Operation names of spans from senders that do not write `gen_ai.operation.name`: OpenLLMetry's
 * older `llm.request.type` (`chat`, `completion`, `embedding`) and the Vercel AI SDK's `ai.operationId`
 * (only its provider-call spans, `*.doGenerate` / `*.doStream` / `*.doEmbed`: the outer `ai.generateText`
 * span sums its steps, so mapping it too would count the same tokens twice).
 */
export const LEGACY_OPERATION: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "llm.request.type": { chat: "chat", completion: "text_completion", embedding: "embeddings" },
  "ai.operationId": {
    "ai.generateText.doGenerate": "chat",
    "ai.streamText.doStream": "chat",
    "ai.generateObject.doGenerate": "chat",
    "ai.streamObject.doStream": "chat",
    "ai.embed.doEmbed": "embeddings",
    "ai.embedMany.doEmbed": "embeddings",
    "ai.toolCall": "execute_tool",
  },
};

/** The model that answered, else the one asked for (semconv), else the Vercel AI SDK's id. */
export const MODEL = ["gen_ai.response.model", "gen_ai.request.model", "ai.response.model", "ai.model.id"] as const;
/** The provider: `gen_ai.provider.name`, else the deprecated `gen_ai.system`, else the Vercel AI SDK's. */
export const PROVIDER = ["gen_ai.provider.name", "gen_ai.system", "ai.model.provider"] as const;

/**
 * Input tokens. The semconv `gen_ai.usage.input_tokens` SHOULD include cached tokens (both cache reads
 * and cache writes); `gen_ai.usage.prompt_tokens` is its deprecated name; `llm.usage.prompt_tokens` is
 * older OpenLLMetry; `ai.usage.*` the Vercel AI SDK.
 */
export const INPUT_TOKENS = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens", "ai.usage.inputTokens", "ai.usage.promptTokens"] as const;
/** Output tokens (semconv; deprecated `completion_tokens`; older OpenLLMetry; Vercel AI SDK). */
export const OUTPUT_TOKENS = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens", "ai.usage.outputTokens", "ai.usage.completionTokens"] as const;

/**
 * Input tokens read from the provider's prompt cache: semconv `gen_ai.usage.cache_read.input_tokens`
 * ("SHOULD be included in gen_ai.usage.input_tokens"); OpenLLMetry's older
 * `gen_ai.usage.cache_read_input_tokens`; OpenLIT's `gen_ai.usage.prompt_tokens_details.cached_tokens`;
 * the Vercel AI SDK's `ai.usage.cachedInputTokens` and `ai.usage.inputTokenDetails.cacheReadTokens`.
 */
export const CACHE_READ_INPUT_TOKENS = [
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.cache_read_input_tokens",
  "gen_ai.usage.prompt_tokens_details.cached_tokens",
  "ai.usage.inputTokenDetails.cacheReadTokens",
  "ai.usage.cachedInputTokens",
] as const;
/**
 * Input tokens written to the provider's prompt cache: semconv `gen_ai.usage.cache_creation.input_tokens`
 * ("SHOULD be included in gen_ai.usage.input_tokens"); OpenLLMetry's older
 * `gen_ai.usage.cache_creation_input_tokens`; OpenLIT's `..prompt_tokens_details.cache_creation_tokens`.
 */
export const CACHE_CREATION_INPUT_TOKENS = [
  "gen_ai.usage.cache_creation.input_tokens",
  "gen_ai.usage.cache_creation_input_tokens",
  "gen_ai.usage.prompt_tokens_details.cache_creation_tokens",
  "ai.usage.inputTokenDetails.cacheWriteTokens",
] as const;
/**
 * Output tokens spent on reasoning: semconv `gen_ai.usage.reasoning.output_tokens` ("SHOULD be included
 * in gen_ai.usage.output_tokens"); OpenLLMetry's and OpenLIT's `gen_ai.usage.reasoning_tokens`; OpenLIT's
 * `..completion_tokens_details.reasoning_tokens`; the Vercel AI SDK's `ai.usage.reasoningTokens`.
 */
export const REASONING_OUTPUT_TOKENS = [
  "gen_ai.usage.reasoning.output_tokens",
  "gen_ai.usage.reasoning_tokens",
  "gen_ai.usage.completion_tokens_details.reasoning_tokens",
  "ai.usage.reasoningTokens",
] as const;

/** Time to first chunk in seconds: semconv `gen_ai.response.time_to_first_chunk`; OpenLIT's `gen_ai.server.time_to_first_token`. */
export const TTFT_SECONDS = ["gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token"] as const;
/** Time to first chunk in milliseconds (Vercel AI SDK). */
export const TTFT_MS = ["ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"] as const;
/** Span events marking the first chunk of a streamed answer (Vercel AI SDK): their time minus the span's start is the TTFT. */
export const FIRST_CHUNK_EVENTS: ReadonlySet<string> = new Set(["ai.stream.firstChunk"]);

/** The class of error an operation ended with (semconv stable `error.type`). */
export const ERROR_TYPE = "error.type";
/** HTTP status of the provider's answer (semconv stable HTTP attributes; the older name too). */
export const HTTP_STATUS = ["http.response.status_code", "http.status_code"] as const;

/** The conversation (session, thread): semconv `gen_ai.conversation.id`, else the general `session.id`. */
export const SESSION = ["gen_ai.conversation.id", "session.id"] as const;
/** The agent's name (semconv `gen_ai.agent.name`). */
export const AGENT_NAME = "gen_ai.agent.name";
/** The tool's name: semconv `gen_ai.tool.name`, else the Vercel AI SDK's `ai.toolCall.name`. */
export const TOOL_NAME = ["gen_ai.tool.name", "ai.toolCall.name"] as const;
/** Where a retrieval read from: semconv `gen_ai.data_source.id`, else the database conventions' `db.system.name` / older `db.system`. */
export const RETRIEVAL_SOURCE = ["gen_ai.data_source.id", "db.system.name", "db.system"] as const;
/** The documents a retrieval returned (semconv opt-in `gen_ai.retrieval.documents`: a list, or its JSON text). */
export const RETRIEVAL_DOCUMENTS = "gen_ai.retrieval.documents";
/** How many rows a database (vector) query returned (database semconv). */
export const DB_RETURNED_ROWS = "db.response.returned_rows";

/** The span event carrying an evaluation of the span's output (semconv `gen_ai.evaluation.result`). */
export const EVALUATION_EVENT = "gen_ai.evaluation.result";
/** Attributes of an evaluation event (semconv `gen_ai.evaluation.*`). */
export const EVALUATION = {
  name: "gen_ai.evaluation.name",
  scoreValue: "gen_ai.evaluation.score.value",
  scoreLabel: "gen_ai.evaluation.score.label",
  explanation: "gen_ai.evaluation.explanation",
} as const;

/** The resource attribute naming the service (the `service` dimension). */
export const SERVICE_NAME = "service.name";

/**
 * Attributes Vigil reads into event fields, so they are not copied into `metadata` again. Message
 * contents (`gen_ai.input.messages`, prompts and completions) are not in this list: they stay on the
 * stored span, and `metadata` leaves them out for size (see `CONTENT_PREFIXES`).
 */
export const MAPPED_ATTRIBUTES: ReadonlySet<string> = new Set([
  OPERATION_NAME,
  ...Object.keys(LEGACY_OPERATION),
  ...MODEL,
  ...PROVIDER,
  ...INPUT_TOKENS,
  ...OUTPUT_TOKENS,
  ...CACHE_READ_INPUT_TOKENS,
  ...CACHE_CREATION_INPUT_TOKENS,
  ...REASONING_OUTPUT_TOKENS,
  ...TTFT_SECONDS,
  ...TTFT_MS,
  ERROR_TYPE,
  ...HTTP_STATUS,
  ...SESSION,
  AGENT_NAME,
  ...TOOL_NAME,
  ...RETRIEVAL_SOURCE,
  RETRIEVAL_DOCUMENTS,
  DB_RETURNED_ROWS,
]);

/**
 * Attribute names (and prefixes: a name followed by `.`) holding message contents (prompts, completions, tool arguments and
 * results, retrieved documents): often large and sensitive, they stay on the stored span only.
 */
export const CONTENT_KEYS: readonly string[] = [
  "gen_ai.input.messages",
  "gen_ai.output.messages",
  "gen_ai.system_instructions",
  "gen_ai.tool.definitions",
  "gen_ai.tool.call.arguments",
  "gen_ai.tool.call.result",
  "gen_ai.retrieval.query.text",
  "gen_ai.prompt",
  "gen_ai.completion",
  "ai.prompt",
  "ai.response.text",
  "ai.response.object",
  "ai.response.toolCalls",
  "ai.toolCall.args",
  "ai.toolCall.result",
  "traceloop.entity.input",
  "traceloop.entity.output",
];
