/**
 * Pages of a group listing (`/metrics/agents`, `/models`, ...): sorted by a figure, at most `limit`
 * groups per answer, and an opaque cursor for the next page. A cursor holds the sort value and key
 * of the last group shown, so the next page starts after it even when groups come and go between
 * requests.
 */
import type { Metrics, OverflowNote } from "@vigil/contract";
import type { Bucket } from "../core/bucket.js";
import { VigilError } from "../core/errors.js";
import { activityOf, metricsOf } from "../core/metrics.js";

export { activityOf };

/** Numeric fields of the metrics block a listing can be sorted by. */
export type MetricSort = { [K in keyof Metrics]: Metrics[K] extends number | null ? K : never }[keyof Metrics];
/** What a listing can be sorted by: activity (runs + LLM calls), name, or any numeric metric. */
export type SortField = "activity" | "name" | MetricSort;
/** Sort direction. */
export type SortOrder = "asc" | "desc";

/** Default and largest page sizes. */
export const PAGE_LIMIT = { default: 100, max: 500 } as const;

/** A page request as the HTTP layer hands it over. */
export interface PageQuery {
  limit: number;
  cursor: string | null;
  sort: SortField;
  order: SortOrder | null;
}

/** A page of a listing. */
export interface Page<T> {
  items: T[];
  /** Groups in the window matching the filters, over all pages. */
  total_count: number;
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
  /** Set when the listed dimension is at its cardinality limit (see `OverflowNote`). */
  overflow?: OverflowNote;
}

/** A group ready to be ordered. */
export interface Ranked {
  key: string;
  v: number | null;
  /** The group's merged bucket, when the ranking needed it (sorting by a figure). */
  bucket?: Bucket;
}

/** The direction a sort goes when none is given: names A→Z, figures largest first. */
export function defaultOrder(sort: SortField): SortOrder {
  return sort === "name" ? "asc" : "desc";
}

/** The order of a listing: groups without a value last, then by value, then by name (code points), so it is total. */
export function comparator(order: SortOrder): (a: { key: string; v: number | null }, b: { key: string; v: number | null }) => number {
  const dir = order === "asc" ? 1 : -1;
  return (a, b) => {
    if (a.v !== b.v) {
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      return (a.v - b.v) * dir;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
}

/** The figure a group is sorted by. */
export function sortValue(b: Bucket, sort: SortField, windowMinutes: number): number | null {
  if (sort === "activity") return activityOf(b);
  if (sort === "name") return 0;
  const v = metricsOf(b, windowMinutes)[sort];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Encodes the position after the last group of a page. */
export function encodeCursor(sort: SortField, order: SortOrder, last: { key: string; v: number | null }): string {
  return Buffer.from(JSON.stringify([sort, order, last.v, last.key]), "utf8").toString("base64url");
}

/** Decodes a cursor made for the same sort and order; anything else is a 400 naming `cursor`. */
export function decodeCursor(cursor: string, sort: SortField, order: SortOrder): { key: string; v: number | null } {
  const bad = (why: string) => new VigilError("VALIDATION_FAILED", `query parameter "cursor" ${why}`, [{ path: "/query/cursor", message: why }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad("is not a cursor this server gave out; pass next_cursor from the previous page unchanged");
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || typeof parsed[3] !== "string" || (parsed[2] !== null && typeof parsed[2] !== "number")) {
    throw bad("is not a cursor this server gave out; pass next_cursor from the previous page unchanged");
  }
  if (parsed[0] !== sort || parsed[1] !== order) throw bad(`was made for sort=${String(parsed[0])}&order=${String(parsed[1])}; keep sort and order the same while paging`);
  return { v: parsed[2] as number | null, key: parsed[3] };
}
