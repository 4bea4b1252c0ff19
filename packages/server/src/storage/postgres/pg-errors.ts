/**
 * Which PostgreSQL failures mean "the database cannot serve right now" (503, retry later) as
 * opposed to a statement Vigil got wrong (500). Anything a client can meet because of the
 * database's state — down, restarting, refusing connections, renamed, out of connections or
 * disk, a standby, a killed backend, a broken socket, a timeout — is unavailability.
 */
import { VigilError } from "../../core/errors.js";

/** SQLSTATE classes in which every condition is the server's state, never the statement's fault. */
const UNAVAILABLE_CLASSES: ReadonlyMap<string, string> = new Map([
  ["08", "connection exception"],
  ["53", "insufficient resources (disk full, out of memory, too many connections)"],
  ["57", "operator intervention (admin or crash shutdown, cannot connect now, database dropped, statement timeout)"],
  ["58", "system error (I/O error)"],
]);

/** Single SQLSTATEs of other classes that mean the same. */
const UNAVAILABLE_CODES: ReadonlyMap<string, string> = new Map([
  ["55000", "object_not_in_prerequisite_state: the database is not accepting connections (ALLOW_CONNECTIONS false)"],
  ["55006", "object_in_use"],
  ["55P03", "lock_not_available (lock_timeout)"],
  ["3D000", "invalid_catalog_name: the database was renamed or dropped"],
  ["28000", "invalid_authorization_specification: pg_hba.conf refuses the connection"],
  ["28P01", "invalid_password: the role's password changed"],
  ["40001", "serialization_failure: rolled back, a retry succeeds"],
  ["40P01", "deadlock_detected: rolled back, a retry succeeds"],
  ["25006", "read_only_sql_transaction: a standby or a read-only database"],
  ["25P03", "idle_in_transaction_session_timeout"],
]);

/** Socket-level error codes of the driver's connection. */
const UNAVAILABLE_NET = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "ENOTFOUND", "EPIPE", "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "ERR_SOCKET_CLOSED", "ERR_STREAM_DESTROYED"]);

/** Messages of the driver (node-postgres and its pool), which carry no code. */
const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout|Client was closed|Connection ended|not queryable|Cannot use a pool after calling end|server closed the connection unexpectedly/i;

/** Why `err` counts as unavailability (for tests and logs), or null when it is a failure of the statement. */
export function unavailableReason(err: unknown, depth = 0): string | null {
  if (err === null || typeof err !== "object" || depth > 4) return null;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === "string") {
    const code = e.code;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const reason = UNAVAILABLE_CODES.get(code) ?? UNAVAILABLE_CLASSES.get(code.slice(0, 2));
      if (reason) return reason;
    }
    if (UNAVAILABLE_NET.has(code)) return `network: ${code}`;
  }
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return "driver: the connection was lost or could not be made";
  // Connecting to every address of a host fails as one AggregateError; wrapped errors keep theirs in `cause`.
  if (Array.isArray(e.errors)) for (const inner of e.errors) if (unavailableReason(inner, depth + 1)) return unavailableReason(inner, depth + 1);
  return e.cause === undefined ? null : unavailableReason(e.cause, depth + 1);
}

/** True when `err` says the database cannot serve right now (as opposed to a bad statement). */
export function isUnavailable(err: unknown): boolean {
  return unavailableReason(err) !== null;
}

/** The error raised to callers when the database cannot serve. */
export function unavailable(where: string, err: unknown): VigilError {
  const e = err as { code?: string; message?: string };
  const why = [e?.code, e?.message].filter(Boolean).join(": ") || String(err);
  return new VigilError("STORAGE_UNAVAILABLE", `PostgreSQL at ${where} is unavailable (${why}); retry later`, undefined, { cause: err });
}
