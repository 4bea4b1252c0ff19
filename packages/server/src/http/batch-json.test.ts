import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isAscii } from "node:buffer";
import { FREE_OF_FORBIDDEN_KEYS } from "../core/forbidden-keys.js";
import { BODY_JSON } from "../core/normalize.js";
import { parseEventBatch } from "./batch-json.js";

const parse = (text: string) => {
  const buf = Buffer.from(text, "utf8");
  return parseEventBatch(buf, isAscii(buf));
};
const isFree = (v: unknown) => (v as { [FREE_OF_FORBIDDEN_KEYS]?: boolean })[FREE_OF_FORBIDDEN_KEYS] === true;

describe("batch bodies parsed event by event", () => {
  it("gives what JSON.parse gives for the whole text, whatever the spacing, nesting and strings", () => {
    const bodies = [
      '{"events":[]}',
      ' \t\r\n{ "events" : [ ] } \n',
      "\ufeff{\"events\":[{\"type\":\"run\",\"body\":{\"agent_name\":\"a\"}}]}",
      '{"events":[{"type":"run","body":{"agent_name":"a,b]}","metadata":{"q":"say \\"hi\\", [x]}\\\\","n":[1,[2,{"c":3}]]}}},{"id":"e2","type":"llm_call","body":{"model":"m","latency_ms":1.5e3}}]}',
      '{"events":[ 1 , "two" , null , true , [3, {"four": 4}] , {"five":{}} ]}',
      '{"events":[{"type":"run","body":{"agent_name":"é字😀","note":"\\u00e9\\ud83d\\ude00"}}]}',
      '{"events":[{"a":1,"a":2}]}',
    ];
    for (const text of bodies) {
      const got = parse(text);
      assert.ok(got, `parsed event by event: ${text}`);
      // Symbol keys (the markers) are left out of the JSON round trip.
      assert.deepEqual(JSON.parse(JSON.stringify(got)), JSON.parse(text.replace(/^\ufeff/, "")), text);
    }
  });

  it("leaves every other body to the whole-text parse", () => {
    const others = [
      "",
      "   ",
      "[]",
      '{"events":{}}',
      '{"batch":1,"events":[]}',
      '{"events":[],"batch":1}',
      '{"events":[],"events":[]}',
      '{"\\u0065vents":[]}',
      '{"events":[{"a":1},]}',
      '{"events":[,{"a":1}]}',
      '{"events":[{"a":1}}]}',
      '{"events":[{"a":1]]}',
      '{"events":[{"a":1}',
      '{"events":[{"a":"unterminated}]}',
      '{"events":[{"a":01}]}',
      '{"events":[{"a":1} {"b":2}]}',
      '{"events":[]} x',
      '{"events":[]}}',
    ];
    for (const text of others) assert.equal(parse(text), null, text);
  });

  it("notes each event's body text as sent, the last of repeated keys, and none for a body it cannot find", () => {
    const got = parse('{"events":[ {"type":"run","body": { "a" : [1, {"b":"}],"}] } ,"id":"x"}, {"body":1,"body":{"c":"\\\\"}}, {"bo\\u0064y":{}}, {"type":"run","meta":{"body":{"d":1}}}, [{"body":{}}] ]}')!;
    const texts = got.events.map((e) => (e as { [BODY_JSON]?: string })[BODY_JSON]);
    assert.deepEqual(texts, ['{ "a" : [1, {"b":"}],"}] }', '{"c":"\\\\"}', undefined, undefined, undefined]);
    for (let i = 0; i < 2; i++) assert.deepEqual(JSON.parse(texts[i]!), (got.events[i] as { body: unknown }).body);
  });

  it("marks only the events whose own text cannot spell a forbidden key", () => {
    const got = parse('{"events":[{"body":{"a":1}},{"body":{"__proto__":{"x":1}}},{"body":{"k":"\\u005f"}},{"body":{"b":2}}]}')!;
    assert.deepEqual(got.events.map(isFree), [true, false, false, true]);
    assert.equal(Object.getPrototypeOf((got.events[1] as { body: object }).body), Object.prototype);
  });
});
