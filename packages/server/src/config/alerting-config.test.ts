import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "../core/errors.js";
import { resolveAlerting } from "./alerting-config.js";

describe("alerting config: matchers", () => {
  const refused = (file: Parameters<typeof resolveAlerting>[0], where: string, what: RegExp) =>
    assert.throws(
      () => resolveAlerting(file, undefined),
      (err: unknown) => err instanceof VigilError && err.code === "CONFIG_INVALID" && err.message.startsWith(`alerting.${where}: `) && what.test(err.message),
    );

  it("stops on a route or inhibition matcher that is not RE2 syntax, naming it", () => {
    refused({ routes: [{ matchers: ["severity=critical", 'agent_name=~"(?!test-).*"'], channels: ["console"] }] }, "routes[0].matchers[1]", /negative lookahead.*RE2 syntax/);
    refused({ inhibit_rules: [{ source_matchers: ["severity=critical"], target_matchers: ['agent_name=~"(a)\\1"'] }] }, "inhibit_rules[0].target_matchers[0]", /backreference/);
  });

  it("accepts RE2 patterns and matches them against whole values", () => {
    const cfg = resolveAlerting({ routes: [{ matchers: ['agent_name=~"(?i)support-\\d+"'], channels: ["console"] }] }, undefined);
    assert.deepEqual(cfg.routes[0]!.matchers, [{ label: "agent_name", op: "=~", value: "(?i)support-\\d+" }]);
  });
});
