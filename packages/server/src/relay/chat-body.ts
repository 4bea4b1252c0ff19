/**
 * The request body of `POST /v1/chat/completions`, parsed once: the relay reads `model` and `stream`, may add
 * `stream_options`, and writes the upstream's model name; every other field goes upstream as the caller sent it.
 */

/** A parsed chat completions request. */
export interface ChatRequest {
  /** The JSON body; `model` is replaced per attempt. */
  body: Record<string, unknown>;
  /** What the caller asked for: a route name or a model id. */
  model: string;
  /** `stream: true`. */
  stream: boolean;
}

/** A request the relay cannot forward, with the message the caller gets (HTTP 400). */
export interface ChatRequestError {
  error: string;
}

/**
 * Parses a request body. With `streamUsage`, a streaming request without `stream_options` gets
 * `stream_options: {include_usage: true}`, so the upstream reports token counts in a last chunk (whose `choices`
 * is empty).
 */
export function parseChatRequest(raw: Buffer, streamUsage: boolean): ChatRequest | ChatRequestError {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { error: "the request body must be JSON" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { error: "the request body must be a JSON object" };
  const fields = body as Record<string, unknown>;
  const { model, stream } = fields;
  if (typeof model !== "string" || model === "") return { error: "`model` must name a route or a model" };
  const streaming = stream === true;
  if (streaming && streamUsage && fields.stream_options === undefined) fields.stream_options = { include_usage: true };
  return { body: fields, model, stream: streaming };
}

/** The body sent upstream: the caller's, with `model` set to the upstream's name (one stringify per distinct name). */
export function upstreamBody(request: ChatRequest, upstreamModel: string): Buffer {
  request.body.model = upstreamModel;
  return Buffer.from(JSON.stringify(request.body), "utf8");
}
