/**
 * Keys that could change an object's prototype if a parsed body were ever merged by assignment
 * (`target[key] = value`): `__proto__` anywhere, and `constructor` holding a `prototype`. JSON.parse
 * itself only creates own properties with these names (it pollutes nothing), so bodies are parsed
 * as they are and these keys are found afterwards and refused by JSON pointer, per event at ingest.
 */

/** Most forbidden keys reported for one value: enough to fix it, bounded against hostile input. */
const MAX_REPORTED = 20;

/**
 * Marks an event parsed from JSON text that cannot hold a forbidden key (see `mayHoldForbiddenKey`):
 * the event validator then skips the walk, which would otherwise cost every ingested event.
 */
export const FREE_OF_FORBIDDEN_KEYS: unique symbol = Symbol("free of forbidden keys");

/**
 * Marks each object of `values` as parsed from text that cannot hold a forbidden key. A symbol key
 * is invisible to JSON, `Object.keys`, for-in and the schema validator, and assigning it costs a
 * fraction of `Object.defineProperty`.
 */
export function markFreeOfForbiddenKeys(values: readonly unknown[]): void {
  for (const v of values) if (typeof v === "object" && v !== null) (v as { [FREE_OF_FORBIDDEN_KEYS]?: boolean })[FREE_OF_FORBIDDEN_KEYS] = true;
}

/** Whether JSON text may hold a forbidden key at all: their names, or escapes that could spell them. */
export function mayHoldForbiddenKey(text: string): boolean {
  return text.includes("proto") || text.includes("\\u");
}

/**
 * The JSON pointers of the forbidden keys in a parsed JSON value, in document order as far as the
 * walk allows (`/metadata/__proto__`, `/labels/constructor/prototype`), at most `max`. Iterative,
 * and a path is built only for a key it reports, so hostile depth costs neither stack nor time.
 */
export function forbiddenKeys(root: unknown, max = MAX_REPORTED): string[] {
  if (typeof root !== "object" || root === null) return [];
  // Every object or array met, with its parent's index and its key there: paths are rebuilt from these.
  const nodes: unknown[] = [root];
  const parents: number[] = [-1];
  const keys: string[] = [""];
  const found: string[] = [];
  const pointer = (node: number, ...tail: string[]): string => {
    const up: string[] = [];
    for (let n = node; n > 0; n = parents[n]!) up.push(keys[n]!);
    return [...up.reverse(), ...tail].map((p) => "/" + p.replace(/~/g, "~0").replace(/\//g, "~1")).join("");
  };
  for (let n = 0; n < nodes.length && found.length < max; n++) {
    const v = nodes[n];
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === "object" && x !== null) {
          nodes.push(x);
          parents.push(n);
          keys.push(String(i));
        }
      }
      continue;
    }
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const x = obj[k];
      if (k === "__proto__") found.push(pointer(n, k));
      else if (k === "constructor" && typeof x === "object" && x !== null && Object.prototype.hasOwnProperty.call(x, "prototype")) found.push(pointer(n, k, "prototype"));
      if (typeof x === "object" && x !== null) {
        nodes.push(x);
        parents.push(n);
        keys.push(k);
      }
    }
  }
  return found.slice(0, max);
}

/** The sentence for a forbidden key at `path`. */
export function forbiddenKeyMessage(path: string): string {
  const what = path.endsWith("/constructor/prototype") ? "constructor.prototype" : "__proto__";
  return `${what} is a forbidden key (it could change the prototype of objects): rename it`;
}
