import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { otlpEncoding, readOtlpBody } from "./body.js";
import { OtlpBodyError } from "./errors.js";

const MiB = 1 << 20;
const rejectsWith = (status: number, pattern: RegExp) => (err: unknown) => err instanceof OtlpBodyError && err.status === status && pattern.test(err.message);

describe("otlpEncoding", () => {
  it("reads both OTLP content types, with parameters and in any case", () => {
    assert.equal(otlpEncoding("application/x-protobuf"), "protobuf");
    assert.equal(otlpEncoding("Application/JSON; charset=utf-8"), "json");
    assert.equal(otlpEncoding('application/json;charset="UTF-8"'), "json");
  });

  it("answers 415 for any other content type, none, or a JSON charset other than UTF-8", () => {
    assert.throws(() => otlpEncoding("text/plain"), rejectsWith(415, /content type text\/plain is not an OTLP encoding/));
    assert.throws(() => otlpEncoding(undefined), rejectsWith(415, /no Content-Type/));
    assert.throws(() => otlpEncoding("application/protobuf"), rejectsWith(415, /send application\/x-protobuf or application\/json/));
    assert.throws(() => otlpEncoding("application/json; charset=latin1"), rejectsWith(415, /charset latin1/));
  });
});

describe("readOtlpBody", () => {
  const json = Buffer.from('{"resourceSpans":[]}');

  it("returns an uncompressed body as it is, with its encoding", async () => {
    assert.deepEqual(await readOtlpBody("application/json", undefined, json, MiB), { encoding: "json", body: json });
    assert.deepEqual(await readOtlpBody("application/x-protobuf", "identity", Buffer.alloc(0), MiB), { encoding: "protobuf", body: Buffer.alloc(0) });
  });

  it("inflates a gzip body", async () => {
    const { body } = await readOtlpBody("application/json", "gzip", gzipSync(json), MiB);
    assert.deepEqual(body, json);
  });

  it("answers 415 for a content encoding other than gzip", async () => {
    await assert.rejects(readOtlpBody("application/json", "br", json, MiB), rejectsWith(415, /content encoding br is not supported/));
  });

  it("answers 400 for corrupt or truncated gzip data", async () => {
    const gz = gzipSync(Buffer.alloc(100_000, "a"));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 40);
    await assert.rejects(readOtlpBody("application/json", "gzip", corrupt, MiB), rejectsWith(400, /not valid gzip data/));
    await assert.rejects(readOtlpBody("application/json", "gzip", gz.subarray(0, gz.length - 20), MiB), rejectsWith(400, /not valid gzip data/));
    await assert.rejects(readOtlpBody("application/json", "gzip", json, MiB), rejectsWith(400, /not valid gzip data/));
  });

  it("answers 413 for a body over the limit, and for one that inflates past it", async () => {
    await assert.rejects(readOtlpBody("application/json", undefined, Buffer.alloc(MiB + 1), MiB), rejectsWith(413, /over the limit of 1048576 bytes/));
    await assert.rejects(readOtlpBody("application/json", "gzip", gzipSync(Buffer.alloc(MiB + 1)), MiB), rejectsWith(413, /once inflated/));
    assert.equal((await readOtlpBody("application/json", "gzip", gzipSync(Buffer.alloc(MiB)), MiB)).body.length, MiB);
  });

  it("stops inflating a gzip bomb (1 GiB of zeros in about 1 MiB) at the limit, quickly", async () => {
    // Gzip members concatenated make one valid gzip stream: 64 members of 16 MiB of zeros each.
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    assert.ok(bomb.length < 2 * MiB, `the bomb is ${bomb.length} bytes`);
    const started = performance.now();
    await assert.rejects(readOtlpBody("application/x-protobuf", "gzip", bomb, 16 * MiB), rejectsWith(413, /over the limit/));
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `refusing the bomb took ${ms.toFixed(0)} ms`);
  });
});
