/**
 * The silence lifecycle (SPEC §3 Alerts; docs/api.md "Silences"): a silence is created from a
 * validated body, listed with its state at the time of asking, and expired rather than deleted so
 * that the record of who silenced what stays.
 */
import type { SilenceState, SilenceView } from "@vigil/contract";
import { checkMatcher, MatcherError, parseMatcher } from "../core/alerting/matchers.js";
import { silenceActive } from "../core/alerting/routing.js";
import type { Matcher, Silence, SilenceStore } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";

/** What the silence service needs. */
export interface SilenceServiceDeps {
  store: SilenceStore;
  now: () => number;
  /** A new silence id (`sil_<uuid>`). */
  newId: () => string;
}

/** Creates, lists and expires silences, answering them as `SilenceView`s. */
export class SilenceService {
  constructor(private readonly deps: SilenceServiceDeps) {}

  /** Every silence, expired ones included, with its state now. */
  async list(): Promise<SilenceView[]> {
    const now = this.deps.now();
    return (await this.deps.store.listSilences()).map((s) => silenceView(s, now));
  }

  /** Validates a `POST /api/v1/silences` body and stores the silence; throws VALIDATION_FAILED naming the field at fault. */
  async create(body: unknown): Promise<SilenceView> {
    const now = this.deps.now();
    const s = parseSilence(body, now, this.deps.newId());
    await this.deps.store.putSilence(s);
    return silenceView(s, now);
  }

  /**
   * Ends a silence now: one already over keeps its end, one not yet started starts and ends now
   * (it would otherwise stay pending, ending before it starts). Throws NOT_FOUND for an unknown id.
   */
  async expire(id: string): Promise<SilenceView> {
    const now = this.deps.now();
    const s = (await this.deps.store.listSilences()).find((x) => x.id === id);
    if (!s) throw new VigilError("NOT_FOUND", `no silence with id "${id}"`);
    const end = Math.min(s.ends_at, now);
    const expired = { ...s, starts_at: Math.min(s.starts_at, end), ends_at: end };
    await this.deps.store.putSilence(expired);
    return silenceView(expired, now);
  }
}

/** The state of a silence at `now`. */
export function silenceState(s: Silence, now: number): SilenceState {
  return now < s.starts_at ? "pending" : silenceActive(s, now) ? "active" : "expired";
}

/** A stored silence as the API answers it. */
export function silenceView(s: Silence, now: number): SilenceView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return { id: s.id, matchers: s.matchers, starts_at: iso(s.starts_at), ends_at: iso(s.ends_at), created_by: s.created_by, comment: s.comment, created_at: iso(s.created_at), state: silenceState(s, now) };
}

const FIELDS = ["matchers", "starts_at", "ends_at", "duration", "created_by", "comment"];
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The latest time a silence may start or end: the end of year 9999 (JavaScript dates end in 275760, ISO 8601 text in 9999). */
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function invalid(path: string, message: string): VigilError {
  return new VigilError("VALIDATION_FAILED", `${path.replace(/^\//, "").replace(/\//g, ".") || "body"}: ${message}`, [{ path, message }]);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates a silence body: matchers (text or objects), starts_at/ends_at or duration, created_by, comment. */
export function parseSilence(body: unknown, now: number, id: string): Silence {
  if (!isObj(body)) throw invalid("/", "must be an object {matchers, ends_at | duration, created_by, comment?, starts_at?}");
  for (const k of Object.keys(body)) if (!FIELDS.includes(k)) throw invalid(`/${k}`, "is not a known field");
  if (!Array.isArray(body.matchers) || body.matchers.length === 0) throw invalid("/matchers", 'must be a non-empty list such as ["alertname=HighErrorRate", "agent_name=~react.*"]');
  const matchers: Matcher[] = body.matchers.map((m, i) => {
    try {
      return typeof m === "string" ? parseMatcher(m) : checkMatcher(m as Matcher);
    } catch (err) {
      const field = typeof m !== "string" && err instanceof MatcherError && err.field ? `/${err.field}` : "";
      throw invalid(`/matchers/${i}${field}`, (err as Error).message);
    }
  });
  const time = (v: unknown, path: string): number => {
    const t = typeof v === "string" ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) throw invalid(path, "must be an ISO 8601 time");
    if (t > LATEST) throw invalid(path, "must be before the year 10000");
    return t;
  };
  const starts = body.starts_at !== undefined ? time(body.starts_at, "/starts_at") : now;
  let ends: number;
  if (body.ends_at !== undefined) ends = time(body.ends_at, "/ends_at");
  else if (typeof body.duration === "string") {
    const m = /^(\d+)(m|h|d)$/.exec(body.duration);
    if (!m) throw invalid("/duration", "must be a duration such as 30m, 2h or 1d");
    ends = starts + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    if (!(ends <= LATEST)) throw invalid("/duration", "must end the silence before the year 10000");
  } else if (body.duration !== undefined) throw invalid("/duration", "must be a duration such as 30m, 2h or 1d");
  else throw invalid("/ends_at", "is required (or duration)");
  if (ends <= starts) throw invalid("/ends_at", "must be after starts_at");
  if (typeof body.created_by !== "string" || body.created_by.trim() === "") throw invalid("/created_by", "is required: who creates the silence");
  if (body.comment !== undefined && typeof body.comment !== "string") throw invalid("/comment", "must be a string");
  return { id, matchers, starts_at: starts, ends_at: ends, created_by: body.created_by.trim(), comment: typeof body.comment === "string" ? body.comment : "", created_at: now };
}
