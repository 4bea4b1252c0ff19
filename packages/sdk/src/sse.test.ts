import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SseParser } from "./sse.js";

describe("SseParser", () => {
  it("joins multi-line data and skips comments", () => {
    const p = new SseParser();
    const out = p.push(": ping\nevent: route\ndata: {\"a\":\ndata:  1}\n\n");
    assert.deepEqual(out, [{ event: "route", data: "{\"a\":\n 1}", id: "" }]);
  });

  it("completes messages split anywhere across chunks, with CR, LF or CRLF line ends", () => {
    const text = "event: route\r\ndata: one\r\n\r\ndata: two\rdata: three\r\rid: 7\ndata: four\n\n";
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      assert.deepEqual(
        out,
        [
          { event: "route", data: "one", id: "" },
          { event: "message", data: "two\nthree", id: "" },
          { event: "message", data: "four", id: "7" },
        ],
        `cut at ${cut}`,
      );
    }
  });

  it("reads retry only when it is all digits, and keeps the last event id", () => {
    const p = new SseParser();
    p.push("retry: 2500\n\n");
    assert.equal(p.retryMs, 2500);
    p.push("retry: soon\nid: 9\n\n");
    assert.equal(p.retryMs, 2500);
    assert.equal(p.lastEventId, "9");
  });

  it("drops a leading BOM, dispatches nothing without data, and holds an unfinished message", () => {
    const p = new SseParser();
    assert.deepEqual(p.push("\uFEFFevent: route\n\n"), []);
    assert.deepEqual(p.push("data\ndata: x"), []);
    assert.deepEqual(p.push("\n\n"), [{ event: "message", data: "\nx", id: "" }]);
  });
});
