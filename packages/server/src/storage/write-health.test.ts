import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WriteHealth } from "./write-health.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("WriteHealth", () => {
  it("is unready from a failed write until a probe write succeeds, probing only while down", async () => {
    let writable = false;
    let probes = 0;
    const health = new WriteHealth({
      probe: async () => {
        probes++;
        if (!writable) throw new Error("disk full");
      },
      intervalMs: 10,
    });
    try {
      assert.equal(health.failure(), null);
      await sleep(40);
      assert.equal(probes, 0, "probed while healthy");

      health.failed("the store refused a write: disk full");
      assert.match(health.failure() ?? "", /disk full/);
      await sleep(60);
      assert.ok(probes >= 2, `${probes} probes in 60 ms at a 10 ms interval`);
      assert.match(health.failure() ?? "", /disk full/, "still unready while probes fail");

      writable = true;
      await sleep(40);
      assert.equal(health.failure(), null, "ready once a probe write succeeded");
      const after = probes;
      await sleep(40);
      assert.equal(probes, after, "kept probing after recovery");
    } finally {
      health.close();
    }
  });

  it("is ready again as soon as an ordinary write succeeds, and never probes after close", async () => {
    let probes = 0;
    const health = new WriteHealth({ probe: async () => void probes++, intervalMs: 20 });
    health.failed("connection lost");
    health.succeeded();
    assert.equal(health.failure(), null);
    health.failed("connection lost");
    health.close();
    await sleep(50);
    assert.equal(probes, 0);
  });
});
