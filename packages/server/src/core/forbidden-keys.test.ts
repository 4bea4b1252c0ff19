import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { forbiddenKeys, mayHoldForbiddenKey } from "./forbidden-keys.js";

describe("forbidden keys", () => {
  it("names __proto__ and constructor.prototype by JSON pointer, escaping ~ and / in keys", () => {
    const v = JSON.parse('{"a/b":{"__proto__":1},"list":[{"x~y":{"constructor":{"prototype":{}}}}],"constructor":"just a name"}');
    assert.deepEqual(forbiddenKeys(v), ["/a~1b/__proto__", "/list/0/x~0y/constructor/prototype"]);
  });

  it("walks 100,000 levels of nesting without overflowing the stack", () => {
    const deep = JSON.parse('{"a":'.repeat(100_000) + '{"__proto__":0}' + "}".repeat(100_000));
    assert.deepEqual(forbiddenKeys(deep), ["/a".repeat(100_000) + "/__proto__"]);
    assert.deepEqual(forbiddenKeys(JSON.parse("[".repeat(100_000) + "]".repeat(100_000))), []);
  });

  it("reports at most the bound asked for", () => {
    const many = JSON.parse(`[${Array.from({ length: 50 }, () => '{"__proto__":{}}').join(",")}]`);
    assert.equal(forbiddenKeys(many).length, 20);
    assert.equal(forbiddenKeys(many, 1).length, 1);
  });

  it("lets text through unwalked only when no forbidden key can be spelled in it", () => {
    assert.equal(mayHoldForbiddenKey('{"agent_name":"a"}'), false);
    assert.equal(mayHoldForbiddenKey('{"\\u005f_proto__":1}'), true);
    assert.equal(mayHoldForbiddenKey('{"constructor":{"prototype":1}}'), true);
  });
});
