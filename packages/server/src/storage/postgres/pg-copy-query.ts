/**
 * One simple query whose statements may include several `COPY ... FROM STDIN`, so a whole append
 * is one query: pg's client hands each protocol message of it to a CopyQuery (the Submittable
 * interface of pg's own Query, which pg-copy-streams implements too). Each time the server asks
 * for COPY data, the next part is built from the rows the statements before it answered (so a
 * COPY can carry a value a SELECT of the same query returned) and sent in one write. When a statement fails the server skips the rest of the query and drops whatever
 * COPY data still arrives.
 */
import type pg from "pg";

/** Rows the query's statements answered so far, each a list of fields in text form. */
export type Rows = (string | null)[][];

/** Builds the data of one COPY: its CopyData and CopyDone messages, as CopyWriter.messages makes them. */
export type CopyPart = (rows: Rows) => Buffer;

/** The part of pg's connection a query talks to while COPY data is asked for. */
interface Connection {
  sendCopyFail(message: string): void;
  stream: { write(data: Buffer): boolean };
}

/** Runs `text` on `client`, feeding its COPY statements in order; resolves with the rows its statements answered. */
export function copyQuery(client: pg.ClientBase, text: string, parts: CopyPart[]): Promise<Rows> {
  return new Promise((resolve, reject) => void client.query(new CopyQuery(text, parts, resolve, reject) as unknown as pg.QueryConfig));
}

class CopyQuery implements pg.Submittable {
  private readonly rows: Rows = [];
  private next = 0;
  private failure: Error | null = null;

  constructor(
    private readonly text: string,
    private readonly parts: CopyPart[],
    private readonly resolve: (rows: Rows) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    let data: Buffer;
    try {
      const part = this.parts[this.next++];
      if (!part) throw new Error(`the query asked for COPY data ${this.next} times and has ${this.parts.length} parts`);
      data = part(this.rows);
    } catch (err) {
      // The server answers CopyFail with an error, which ends the query with this one.
      this.failure = err as Error;
      connection.sendCopyFail(this.failure.message);
      return;
    }
    connection.stream.write(data);
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.rows.push(msg.fields);
  }

  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  /** The server's error (the client stops calling this query then), or the connection's. */
  handleError(err: Error): void {
    this.reject(this.failure ?? err);
  }

  handleReadyForQuery(): void {
    this.resolve(this.rows);
  }
}
