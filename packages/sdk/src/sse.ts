/**
 * An incremental parser of `text/event-stream` (the WHATWG server-sent events format): it takes text as it
 * arrives, in chunks split anywhere, and returns the complete messages. Handles CR, LF and CRLF line ends, a
 * leading BOM, comments, multi-line `data`, `id` and `retry`.
 */

/** One dispatched server-sent event. */
export interface SseMessage {
  /** The `event` field; "message" when absent. */
  event: string;
  /** The `data` lines joined with "\n". */
  data: string;
  /** The last `id` seen on the stream (it persists across messages), or "" when none. */
  id: string;
}

/** Turns chunks of an event stream into messages, and remembers the server's `retry` advice. */
export class SseParser {
  /** Reconnection delay asked for by the last valid `retry:` field, in milliseconds, or null. */
  retryMs: number | null = null;
  /** The last event id, as the stream's `Last-Event-ID` for a reconnection. */
  lastEventId = "";
  private buffer = "";
  private started = false;
  private pendingCr = false;
  private event = "";
  private data: string[] = [];
  private hasData = false;

  /** Feeds one chunk of text and returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // A CR that ended the previous chunk already ended a line; an LF right after it belongs to that line end.
    if (this.pendingCr && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.pendingCr = false;
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === "") return this.dispatch(out);
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
      // Unknown fields are ignored, as the format requires.
    }
  }

  private dispatch(out: SseMessage[]): void {
    if (this.hasData) out.push({ event: this.event === "" ? "message" : this.event, data: this.data.join("\n"), id: this.lastEventId });
    this.event = "";
    this.data = [];
    this.hasData = false;
  }
}
