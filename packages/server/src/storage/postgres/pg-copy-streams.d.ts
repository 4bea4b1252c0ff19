// The part of pg-copy-streams (no bundled types) the append path uses.
declare module "pg-copy-streams" {
  import type { Writable } from "node:stream";
  import type { Submittable } from "pg";

  /** A `COPY ... FROM STDIN` query: write COPY-format data, end it, and it finishes once the server has the rows. */
  export interface CopyStreamQuery extends Writable, Submittable {
    /** Rows the server reported copied (set when the stream finishes). */
    rowCount: number;
  }

  /** Starts `COPY ... FROM STDIN` (pass it to `client.query`). */
  export function from(text: string): CopyStreamQuery;
}
