import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "../../core/errors.js";
import { isUnavailable, unavailable, unavailableReason } from "./pg-errors.js";

/** An error as node-postgres raises it for a server ErrorResponse: the SQLSTATE in `code`. */
function sqlstate(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: "ERROR" });
}

/** A socket error as Node raises it. */
function sock(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: "connect" });
}

// What a client meets when the database cannot serve: every one must answer 503 (retry later).
const UNAVAILABLE: [string, unknown][] = [
  ["55000 database not accepting connections (ALLOW_CONNECTIONS false)", sqlstate("55000", 'database "vigil" is not currently accepting connections')],
  ["3D000 database renamed or dropped", sqlstate("3D000", 'database "vigil" does not exist')],
  ["57P01 admin shutdown (pg_terminate_backend)", sqlstate("57P01", "terminating connection due to administrator command")],
  ["57P02 crash shutdown", sqlstate("57P02", "terminating connection because of crash of another server process")],
  ["57P03 cannot connect now", sqlstate("57P03", "the database system is starting up")],
  ["57P04 database dropped", sqlstate("57P04", "terminating connection because the database was dropped")],
  ["57014 statement timeout", sqlstate("57014", "canceling statement due to statement timeout")],
  ["53300 too many connections", sqlstate("53300", "sorry, too many clients already")],
  ["53100 disk full", sqlstate("53100", 'could not extend file "base/16384/16385": No space left on device')],
  ["53200 out of memory", sqlstate("53200", "out of memory")],
  ["58030 I/O error", sqlstate("58030", "could not write to file")],
  ["08006 connection failure", sqlstate("08006", "connection failure")],
  ["08001 cannot establish connection", sqlstate("08001", "could not connect")],
  ["08P01 protocol violation", sqlstate("08P01", "invalid message format")],
  ["08000 connection exception", sqlstate("08000", "connection exception")],
  ["28P01 password changed", sqlstate("28P01", 'password authentication failed for user "vigil"')],
  ["28000 pg_hba refuses", sqlstate("28000", 'no pg_hba.conf entry for host "10.0.0.1"')],
  ["25006 read-only (a standby after failover)", sqlstate("25006", "cannot execute INSERT in a read-only transaction")],
  ["40001 serialization failure", sqlstate("40001", "could not serialize access due to concurrent update")],
  ["40P01 deadlock", sqlstate("40P01", "deadlock detected")],
  ["55P03 lock timeout", sqlstate("55P03", "canceling statement due to lock timeout")],
  ["ECONNREFUSED", sock("ECONNREFUSED")],
  ["ECONNRESET", sock("ECONNRESET")],
  ["ETIMEDOUT", sock("ETIMEDOUT")],
  ["EPIPE", sock("EPIPE")],
  ["EHOSTUNREACH", sock("EHOSTUNREACH")],
  ["ENOTFOUND (DNS)", sock("ENOTFOUND")],
  ["every address refused (AggregateError)", new AggregateError([sock("ECONNREFUSED"), sock("ECONNREFUSED")], "")],
  ["wrapped in a cause", new Error("query failed", { cause: sock("ECONNRESET") })],
  ["driver: connection terminated unexpectedly", new Error("Connection terminated unexpectedly")],
  ["driver: connection terminated by the connect timeout", new Error("Connection terminated due to connection timeout")],
  ["pool: connect timeout", new Error("timeout exceeded when trying to connect")],
  ["driver: query read timeout", new Error("Query read timeout")],
  ["driver: broken client", new Error("Client has encountered a connection error and is not queryable")],
  ["pool: closed during shutdown", new Error("Cannot use a pool after calling end on the pool")],
];

// Failures of the statement itself (a defect in Vigil): these stay 500.
const NOT_UNAVAILABLE: [string, unknown][] = [
  ["42601 syntax error", sqlstate("42601", 'syntax error at or near "SELEC"')],
  ["42P01 undefined table", sqlstate("42P01", 'relation "nope" does not exist')],
  ["23505 unique violation", sqlstate("23505", "duplicate key value violates unique constraint")],
  ["23514 check violation", sqlstate("23514", "new row violates partition constraint")],
  ["22P02 invalid text", sqlstate("22P02", "invalid input syntax for type json")],
  ["XX000 internal error", sqlstate("XX000", "cache lookup failed")],
  ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'rows')")],
  ["null", null],
  ["undefined", undefined],
  ["a string", "Connection terminated"],
];

describe("PostgreSQL error classification", () => {
  it("counts every failure a client can meet from the database's state as unavailable", () => {
    const missed = UNAVAILABLE.filter(([, err]) => !isUnavailable(err)).map(([name]) => name);
    assert.deepEqual(missed, []);
  });

  it("leaves failures of the statement itself alone (they are defects, answered 500)", () => {
    const wrong = NOT_UNAVAILABLE.filter(([, err]) => isUnavailable(err)).map(([name, err]) => `${name}: ${unavailableReason(err)}`);
    assert.deepEqual(wrong, []);
  });

  it("raises STORAGE_UNAVAILABLE naming the database (password hidden) and the cause", () => {
    const cause = sqlstate("55000", 'database "vigil" is not currently accepting connections');
    const e = unavailable("postgres://vigil:***@db:5432/vigil", cause);
    assert.ok(e instanceof VigilError);
    assert.equal(e.code, "STORAGE_UNAVAILABLE");
    assert.equal(e.cause, cause);
    assert.match(e.message, /^PostgreSQL at postgres:\/\/vigil:\*\*\*@db:5432\/vigil is unavailable \(55000: database "vigil" is not currently accepting connections\); retry later$/);
  });
});
