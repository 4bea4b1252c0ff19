/** One step of a store's versioned schema, shared by both dialects. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}
