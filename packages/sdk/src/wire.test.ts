import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BODY_SCHEMAS, EVENT_TYPES } from "@vigil/contract";
import { TYPE_CODES, toWireEvent } from "./wire.js";

const snakeToCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe("wire conversion", () => {
  it("has a queue code for every event type of the contract", () => {
    assert.deepEqual([...TYPE_CODES].sort(), [...EVENT_TYPES].sort());
  });

  it("maps the camelCase name of every body field of every event type back to the contract's snake_case name", () => {
    for (const [code, type] of TYPE_CODES.entries()) {
      const fields = Object.keys((BODY_SCHEMAS[type] as unknown as { properties: Record<string, unknown> }).properties);
      const input = Object.fromEntries(fields.map((f, i) => [snakeToCamel(f), i]));
      const event = toWireEvent(code, 0, "id", input);
      assert.equal(event.type, type);
      assert.deepEqual(Object.keys(event.body), fields, type);
    }
  });
});
