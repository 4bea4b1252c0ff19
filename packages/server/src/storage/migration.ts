import { VigilError } from "../core/errors.js";

/** One step of a store's versioned schema, shared by both dialects. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Refuses a schema newer than this version knows: running old code on it could corrupt data. */
export function refuseNewerSchema(applied: Iterable<number>, known: readonly Migration[]): void {
  const newest = Math.max(0, ...known.map((m) => m.version));
  const unknown = [...applied].filter((v) => v > newest);
  if (unknown.length) {
    throw new VigilError("CONFIG_INVALID", `the store's schema is at version ${Math.max(...unknown)}, newer than this Vigil knows (${newest}): it was upgraded by a newer release. Run that release, or restore the backup taken before the upgrade.`);
  }
}
