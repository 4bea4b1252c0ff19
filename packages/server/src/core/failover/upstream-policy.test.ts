import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { VigilError } from "../errors.js";
import { addressKind, addressRefusal, DEFAULT_UPSTREAM_POLICY, keyEnvRefusal, upstreamPolicy, urlRefusal } from "./upstream-policy.js";

describe("upstream policy", () => {
  it("tells public addresses from loopback, private, link-local, unspecified, multicast and reserved ones, IPv4 inside IPv6 included", () => {
    const cases: [string, string | null][] = [
      ["8.8.8.8", "public"], ["2606:4700::1111", "public"], ["100.63.255.255", "public"], ["172.32.0.1", "public"],
      ["127.0.0.1", "loopback"], ["127.255.0.9", "loopback"], ["::1", "loopback"], ["[::1]", "loopback"],
      ["10.0.0.1", "private"], ["172.16.5.4", "private"], ["192.168.1.1", "private"], ["100.64.0.1", "private"], ["fd00:ec2::254", "private"], ["fc00::1", "private"],
      ["169.254.169.254", "link-local"], ["fe80::1", "link-local"], ["fe80::1%eth0", "link-local"], ["febf:ffff::1", "link-local"],
      ["0.0.0.0", "unspecified"], ["0.1.2.3", "unspecified"], ["::", "unspecified"],
      ["224.0.0.1", "multicast"], ["ff02::1", "multicast"], ["255.255.255.255", "broadcast"], ["240.0.0.1", "reserved"],
      // The same addresses written as IPv6: mapped, NAT64, compatible, and mapped in hexadecimal.
      ["::ffff:169.254.169.254", "link-local"], ["::ffff:a9fe:a9fe", "link-local"], ["64:ff9b::a9fe:a9fe", "link-local"], ["::169.254.169.254", "link-local"],
      ["::ffff:127.0.0.1", "loopback"], ["0:0:0:0:0:ffff:7f00:1", "loopback"], ["::ffff:0.0.0.0", "unspecified"], ["::ffff:8.8.8.8", "public"],
      ["api.openai.com", null], ["1.2.3", null], ["256.0.0.1", null], ["010.0.0.1", null], ["1::2::3", null], ["1:2:3:4:5:6:7:8:9", null], ["::1.2.3.4:5", null],
    ];
    assert.deepEqual(cases.map(([a]) => [a, addressKind(a)]), cases);
  });

  it("refuses non-public addresses by default and permits the allow-listed ranges, addresses and host names", () => {
    assert.equal(addressRefusal(DEFAULT_UPSTREAM_POLICY, "8.8.8.8"), null);
    assert.equal(addressRefusal(DEFAULT_UPSTREAM_POLICY, "169.254.169.254"), "169.254.169.254 is a link-local address, not in the upstream allow-list");
    assert.equal(addressRefusal(DEFAULT_UPSTREAM_POLICY, "127.0.0.1", "rebind.example"), "rebind.example resolves to 127.0.0.1, a loopback address, not in the upstream allow-list");
    const policy = upstreamPolicy({ allow: ["10.0.0.0/8", "127.0.0.1", "[::1]", "fd00::/8", "gateway.internal", "*.svc.cluster.local"] });
    assert.equal(addressRefusal(policy, "10.9.8.7"), null);
    assert.equal(addressRefusal(policy, "::ffff:10.9.8.7"), null, "a mapped address is judged as its IPv4");
    assert.equal(addressRefusal(policy, "127.0.0.1"), null);
    assert.equal(addressRefusal(policy, "::1"), null);
    assert.equal(addressRefusal(policy, "fd12::1"), null);
    assert.match(addressRefusal(policy, "127.0.0.2")!, /loopback address, not in the upstream allow-list/);
    assert.equal(addressRefusal(policy, "169.254.169.254", "gateway.internal"), null, "an allow-listed name may resolve to any refusable address");
    assert.equal(addressRefusal(policy, "192.168.0.9", "llm.ns.svc.cluster.local"), null);
    assert.match(addressRefusal(policy, "192.168.0.9", "svc.cluster.local")!, /not in the upstream allow-list/, "*.suffix matches names below the suffix only");
    assert.match(addressRefusal(policy, "0.0.0.0", "gateway.internal")!, /gateway\.internal resolves to 0\.0\.0\.0, an unspecified address, never an upstream/);
    const everything = upstreamPolicy({ allow: ["0.0.0.0/0", "::/0"] });
    assert.equal(addressRefusal(everything, "169.254.169.254"), null);
    assert.match(addressRefusal(everything, "::ffff:0.0.0.0")!, /never an upstream/, "0.0.0.0/0 in the allow-list does not open 0.0.0.0");
    assert.match(addressRefusal(everything, "::")!, /never an upstream/);
    assert.match(addressRefusal(policy, "ff02::1")!, /multicast address, never an upstream/);
  });

  it("judges a URL by what it says: written addresses and localhost names; other names wait for the relay's resolution", () => {
    const judge = (url: string, allow: string[] = []) => urlRefusal(upstreamPolicy({ allow }), new URL(url));
    assert.equal(judge("https://api.openai.com/v1"), null);
    assert.equal(judge("http://metadata.example/"), null);
    assert.match(judge("http://169.254.169.254/")!, /link-local/);
    assert.match(judge("http://[::ffff:a9fe:a9fe]/")!, /link-local/);
    assert.match(judge("http://[fe80::1]/")!, /link-local/);
    assert.match(judge("http://0x7f000001:8080/")!, /127\.0\.0\.1 is a loopback address/, "the URL parser's reading of odd IPv4 forms is what is judged");
    assert.match(judge("http://0/")!, /never an upstream/);
    assert.match(judge("http://LocalHost./v1")!, /localhost is a loopback name/);
    assert.match(judge("http://ollama.localhost/v1")!, /loopback name/);
    assert.equal(judge("http://localhost:11434/v1", ["::1"]), null);
    assert.equal(judge("http://localhost:11434/v1", ["localhost"]), null);
    assert.equal(judge("http://127.0.0.1:11434/v1", ["127.0.0.0/8"]), null);
  });

  it("permits key variables under the prefix only, never Vigil's own secrets", () => {
    assert.equal(keyEnvRefusal(DEFAULT_UPSTREAM_POLICY, "VIGIL_UPSTREAM_KEY_OPENAI"), null);
    assert.match(keyEnvRefusal(DEFAULT_UPSTREAM_POLICY, "AWS_SECRET_ACCESS_KEY")!, /must start with VIGIL_UPSTREAM_KEY_/);
    assert.match(keyEnvRefusal(DEFAULT_UPSTREAM_POLICY, "VIGIL_UPSTREAM_KEY_")!, /must start with/, "the prefix alone names no key");
    assert.match(keyEnvRefusal(DEFAULT_UPSTREAM_POLICY, "vigil_upstream_key_x")!, /must start with/);
    assert.equal(keyEnvRefusal(DEFAULT_UPSTREAM_POLICY, "1BAD"), "must be the name of an environment variable");
    const wide = upstreamPolicy({ keyEnvPrefix: "VIGIL_" });
    assert.equal(keyEnvRefusal(wide, "VIGIL_OPENAI"), null);
    for (const secret of ["VIGIL_API_KEY", "VIGIL_API_KEYS", "VIGIL_RELAY_KEY", "VIGIL_DATABASE_URL"]) assert.match(keyEnvRefusal(wide, secret)!, /holds a Vigil secret/);
  });

  it("names a bad allow-list entry or prefix", () => {
    for (const entry of ["10.0.0.0/33", "10.0.0.256", "not a host", "*", "http://x", "fe80::/129"]) {
      assert.throws(() => upstreamPolicy({ allow: [entry] }), (e: unknown) => e instanceof VigilError && e.code === "CONFIG_INVALID" && e.message.includes(`"${entry}"`), entry);
    }
    assert.throws(() => upstreamPolicy({ keyEnvPrefix: "" }), /upstream key prefix/);
    assert.throws(() => upstreamPolicy({ keyEnvPrefix: "BAD-" }), /upstream key prefix/);
  });
});
