import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RouteView } from "@vigil/contract";
import { RouteWebhooks } from "./route-webhooks.js";

const view = (revision: number, active = "b"): RouteView => ({ route: "r", active_model: active, primary: "a", backups: ["b"], state: "failed_over", since: "2026-01-01T00:00:00.000Z", reason: null, revision, split: null, pin: null, switch_back: "auto", health: {} });

async function receiver(answers: number[]) {
  const got: { revision: number; delivery: string }[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      got.push({ revision: JSON.parse(raw).view.revision, delivery: String(req.headers["x-vigil-delivery"]) });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}
const quiet = { warn: () => {} };
const until = async (cond: () => boolean) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("route webhooks", () => {
  it("retries a failed delivery with backoff until it succeeds", async () => {
    const rx = await receiver([503, 503, 200]);
    const hooks = new RouteWebhooks([{ name: "gw", url: rx.url }], { backoffMs: 10, log: quiet });
    hooks.deliver(view(3), []);
    await until(() => rx.got.length === 3);
    assert.deepEqual(rx.got.map((g) => g.delivery), ["r-3", "r-3", "r-3"]);
    await hooks.stop();
    await rx.close();
  });

  it("stops retrying a change once a newer revision of the route is queued, and does not retry a 400", async () => {
    const rx = await receiver([503, 200, 400]);
    const hooks = new RouteWebhooks([{ name: "gw", url: rx.url }], { backoffMs: 200, log: quiet });
    hooks.deliver(view(3), []);
    await until(() => rx.got.length === 1);
    hooks.deliver(view(4, "a"), []);
    await until(() => rx.got.length === 2);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(rx.got.map((g) => g.revision), [3, 4], "revision 3 was not retried after 4 went out");
    hooks.deliver(view(5), []);
    await until(() => rx.got.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.got.length, 3, "a 400 is not retried");
    await hooks.stop();
    await rx.close();
  });

  it("sends only the routes a subscriber asked for", async () => {
    const rx = await receiver([]);
    const hooks = new RouteWebhooks([{ name: "gw", url: rx.url, routes: ["other"] }], { log: quiet });
    hooks.deliver(view(1), []);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rx.got.length, 0);
    await hooks.stop();
    await rx.close();
  });
});
