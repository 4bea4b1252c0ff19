/**
 * Compiled validation of wire events against the contract's JSON Schemas (Ajv). Problems are
 * reported with JSON-pointer paths naming the exact field, relative to the event.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { BODY_SCHEMAS, EVENT_TYPES, EventEnvelope, type EventType } from "@vigil/contract";
import { FREE_OF_FORBIDDEN_KEYS, forbiddenKeyMessage, forbiddenKeys } from "../core/forbidden-keys.js";
import type { EventValidator, FieldProblem, ValidEvent } from "../core/normalize.js";

export type { EventValidator };

function describeErrors(errors: readonly ErrorObject[], prefix: string): FieldProblem[] {
  const out = new Map<string, FieldProblem>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  for (const e of errors) {
    let path = prefix + e.instancePath;
    let message = e.message ?? "is invalid";
    let code = "INVALID_FIELD";
    switch (e.keyword) {
      case "required":
        path += "/" + escapePointer(String((e.params as { missingProperty: string }).missingProperty));
        message = "is required";
        code = "MISSING_FIELD";
        break;
      case "additionalProperties": {
        const name = String((e.params as { additionalProperty: string }).additionalProperty);
        path += "/" + escapePointer(name);
        message = `"${name.length > 64 ? name.slice(0, 64) + "…" : name}" is not a known field here (check the spelling; free-form data goes in metadata)`;
        code = "UNKNOWN_FIELD";
        break;
      }
      case "anyOf": {
        const consts = errors.filter((c) => c.keyword === "const" && c.instancePath === e.instancePath).map((c) => JSON.stringify((c.params as { allowedValue: unknown }).allowedValue));
        message = consts.length ? `must be one of ${consts.join(", ")}` : "does not match any allowed form";
        break;
      }
      case "const":
      case "type":
        if (anyOfPaths.has(e.instancePath)) continue;
        break;
      case "pattern":
        message = "must not contain control characters";
        break;
    }
    if (out.size >= MAX_PROBLEMS) break;
    if (!out.has(path)) out.set(path, { path, message: message.startsWith("must") || message.startsWith("is") || message.startsWith('"') ? message : "is invalid: " + message, code });
  }
  return [...out.values()];
}

/** Problems reported per event: enough to fix it, bounded so hostile input cannot inflate the answer. */
const MAX_PROBLEMS = 20;

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Compiles the contract's schemas once and returns the validator. */
export function createEventValidator(): EventValidator {
  const ajv = new Ajv({ allErrors: true, strict: false, strictNumbers: true, coerceTypes: false, useDefaults: false });
  const envelope = ajv.compile(EventEnvelope);
  const bodies = Object.fromEntries(EVENT_TYPES.map((t) => [t, ajv.compile(BODY_SCHEMAS[t])])) as Record<EventType, ValidateFunction>;
  return (event, only) => {
    // Refused before the schema, which would call `__proto__` merely an unknown field (or accept it in metadata).
    const forbidden = (event as { [FREE_OF_FORBIDDEN_KEYS]?: boolean } | null)?.[FREE_OF_FORBIDDEN_KEYS] === true ? [] : forbiddenKeys(event);
    if (forbidden.length) {
      const more = forbidden.length > 1 ? ` (and ${forbidden.length - 1} more forbidden key${forbidden.length > 2 ? "s" : ""} in this event)` : "";
      return { ok: false, problems: [{ path: forbidden[0]!, code: "FORBIDDEN_KEY", message: forbiddenKeyMessage(forbidden[0]!) + more }] };
    }
    if (!envelope(event)) return { ok: false, problems: describeErrors(envelope.errors ?? [], "") };
    const ev = event as unknown as ValidEvent;
    if (only !== undefined && ev.type !== only) return { ok: false, problems: [{ path: "/type", code: "INVALID_FIELD", message: `must be "${only}"` }] };
    const check = bodies[ev.type];
    if (!check(ev.body)) return { ok: false, problems: describeErrors(check.errors ?? [], "/body") };
    return { ok: true, event: ev };
  };
}
