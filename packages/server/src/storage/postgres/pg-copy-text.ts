/**
 * COPY's text format, written straight into the protocol messages that carry it: the rows of a
 * batch go into one reused buffer as they are built, instead of being joined into one long string
 * that is then flattened and encoded again (which cost about as much as JSON.stringify of the
 * bodies) and copied into a message.
 */

/** A text value as a field of COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyField(v: string): string {
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === "\\" ? "\\\\" : ch === "\t" ? "\\t" : ch === "\n" ? "\\n" : "\\r")) : v;
}

/**
 * JSON text as a COPY field. JSON.stringify escapes every control character (a NUL in a string
 * becomes the six characters `\u0000`, which PostgreSQL text can hold), so only backslashes remain.
 */
export function copyJson(json: string): string {
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}

const HEADER = 5;
const COPY_DONE = [0x63, 0, 0, 0, 4];

/** COPY data being written: text appended as UTF-8 to a buffer that is reused from batch to batch. */
export class CopyWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private n = HEADER;

  /**
   * What `write` writes, as the messages that send it to COPY FROM STDIN: one CopyData and the
   * CopyDone. Copied out: the socket may still hold them when the writer is reused.
   */
  messages(write: (w: this) => void): Buffer {
    this.n = HEADER;
    write(this);
    const out = Buffer.allocUnsafe(this.n + COPY_DONE.length);
    this.buf.copy(out, 0, 0, this.n);
    out[0] = 0x64;
    out.writeUInt32BE(this.n - 1, 1);
    out.set(COPY_DONE, this.n);
    return out;
  }

  /** Appends `s` (already escaped) as UTF-8; a lone surrogate becomes U+FFFD, as PostgreSQL stores it. */
  text(s: string): this {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8, so the write is never cut short.
    if (this.n + 3 * s.length > this.buf.length) this.grow(3 * s.length);
    this.n += this.buf.write(s, this.n);
    return this;
  }

  /** Ends a row. */
  endRow(): this {
    if (this.n + 1 > this.buf.length) this.grow(1);
    this.buf[this.n++] = 0x0a;
    return this;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.n + need));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }
}
