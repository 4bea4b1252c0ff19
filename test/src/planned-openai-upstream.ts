/**
 * A fake OpenAI upstream that answers each chat completion as planned: the caller's message says
 * `call <i>`, and the i-th answer planned for the request's model sets its usage (prompt tokens
 * with their cached part, completion tokens) and how long it waits before answering (for a stream,
 * before its first chunk). JSON answers carry `usage` with `prompt_tokens_details.cached_tokens`;
 * streams asked for `include_usage` end with a usage chunk and `data: [DONE]`. It records what it
 * served, so a test can compare what a monitor counted with what the upstream actually did.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One planned answer. */
export interface PlannedAnswer {
  promptTokens: number;
  /** Part of `promptTokens` served from the provider's prompt cache. */
  cachedTokens: number;
  completionTokens: number;
  /** Wait before answering, in milliseconds. */
  delayMs: number;
}

/** One answer as served. */
export interface ServedCall extends PlannedAnswer {
  model: string;
  index: number;
  stream: boolean;
  /** The answer's id (`gen_ai.response.id` on the caller's span). */
  id: string;
}

/** A running planned upstream. */
export interface PlannedUpstream {
  /** Base URL for the OpenAI client (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  /** Answers planned per model, by call index. */
  plans: Map<string, PlannedAnswer[]>;
  served: ServedCall[];
  close(): Promise<void>;
}

/** Starts a planned upstream on a random loopback port. */
export async function startPlannedUpstream(): Promise<PlannedUpstream> {
  const up: PlannedUpstream = { baseUrl: "", plans: new Map(), served: [], close: () => close(server) };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean }; messages: { content: string }[] };
    const index = Number(/^call (\d+)$/.exec(body.messages[0]?.content ?? "")?.[1] ?? -1);
    const plan = up.plans.get(body.model)?.[index];
    if (!plan) return void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no answer planned for ${body.model} call ${index}` } }));
    const model = body.model;
    const id = `chatcmpl-${model}-${index}`;
    const stream = body.stream === true;
    const usage = {
      prompt_tokens: plan.promptTokens, completion_tokens: plan.completionTokens, total_tokens: plan.promptTokens + plan.completionTokens,
      prompt_tokens_details: { cached_tokens: plan.cachedTokens }, completion_tokens_details: { reasoning_tokens: 0 },
    };
    await sleep(plan.delayMs);
    up.served.push({ ...plan, model, index, stream, id });
    if (!stream) {
      const text = JSON.stringify({
        id, object: "chat.completion", created: 1_700_000_000, model,
        choices: [{ index: 0, message: { role: "assistant", content: `answer ${index}` }, finish_reason: "stop" }], usage,
      });
      return void res.writeHead(200, { "content-type": "application/json" }).end(text);
    }
    const chunk = (choices: unknown[], u: unknown = null): string => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1_700_000_000, model, choices, usage: u })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
    res.write(chunk([{ index: 0, delta: { content: `answer ${index}` }, finish_reason: null }]));
    res.write(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
    if (body.stream_options?.include_usage === true) res.write(chunk([], usage));
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  up.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return up;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
