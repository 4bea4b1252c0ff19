/**
 * A recording pass-through for OTLP/HTTP exports: an exporter pointed at it reaches the target's
 * `/v1/traces` unchanged (body, content type, content encoding, API key headers), gets the target's
 * answer, and each exchange is kept, so a test can see what the exporter sent and send it again.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The request headers passed on to the target. */
const PASSED = ["content-type", "content-encoding", "authorization", "x-api-key"] as const;

/** One export as the exporter sent it and the target answered it. */
export interface RecordedExport {
  /** The passed-on request headers the exporter set. */
  headers: Record<string, string>;
  /** The request body exactly as sent (compressed when the exporter compressed it). */
  body: Buffer;
  status: number;
  answerType: string;
  answer: Buffer;
}

/** A running recorder. */
export interface OtlpRecorder {
  /** Where to point an exporter: `http://127.0.0.1:<port>/v1/traces`. */
  url: string;
  exports: RecordedExport[];
  close(): Promise<void>;
}

/** Starts a recorder that passes exports on to `targetUrl` (a Vigil base URL). */
export async function startOtlpRecorder(targetUrl: string): Promise<OtlpRecorder> {
  const rec: OtlpRecorder = { url: "", exports: [], close: () => close(server) };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const h of PASSED) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const r = await fetch(`${targetUrl}${req.url ?? "/"}`, { method: req.method ?? "POST", headers, body });
    const answer = Buffer.from(await r.arrayBuffer());
    const answerType = r.headers.get("content-type") ?? "";
    rec.exports.push({ headers, body, status: r.status, answerType, answer });
    res.writeHead(r.status, { "content-type": answerType }).end(answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return rec;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
