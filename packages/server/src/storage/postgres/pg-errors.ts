/** Which PostgreSQL failures mean "the database is unreachable right now" (503, retry later). */
import { VigilError } from "../../core/errors.js";

// SQLSTATE classes and codes of a database that is down, restarting, or refusing connections.
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "53000", "08000", "08001", "08003", "08004", "08006", "08P01"]);
const UNAVAILABLE_NET = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|Connection ended|not queryable/i;

/** True when `err` says the database cannot be reached (as opposed to a bad statement). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && (UNAVAILABLE_SQLSTATES.has(e.code) || UNAVAILABLE_NET.has(e.code))) return true;
  return typeof e?.message === "string" && UNAVAILABLE_MESSAGE.test(e.message);
}

/** The error raised to callers when the database cannot be reached. */
export function unavailable(where: string, err: unknown): VigilError {
  const e = err as { code?: string; message?: string };
  const why = [e?.code, e?.message].filter(Boolean).join(": ") || String(err);
  return new VigilError("STORAGE_UNAVAILABLE", `PostgreSQL at ${where} is unreachable (${why}); retry later`, undefined, { cause: err });
}
