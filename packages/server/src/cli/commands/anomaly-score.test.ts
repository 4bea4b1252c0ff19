import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { rng } from "../../core/seeded-random.test-support.js";
import { anomalyScoreCommand, parseTimestamp, type AnomalyScoreOptions } from "./anomaly-score.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-anomaly-score-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(opts: Omit<AnomalyScoreOptions, "io">, stdin?: string): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = "";
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await anomalyScoreCommand({ ...opts, io: { stderr: (t) => void (stderr += t), stdout, stdin: stdin === undefined ? undefined : Readable.from([stdin]) } });
  return { code, stderr, stdout: out };
}

const T0 = Date.UTC(2024, 0, 1);
const plainTime = (i: number) => new Date(T0 + i * 60_000).toISOString().replace("T", " ").slice(0, 19);

/**
 * 500 minutes of a noisy constant (mean 100, sd 1), then one value 20 sd away, then 20 more
 * ordinary minutes; `line` writes each row from its timestamp and value.
 */
function spikeCsv(time: (i: number) => string = plainTime, header = "timestamp,value", line = (ts: string, v: string) => `${ts},${v}`): string {
  const r = rng(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const lines = [header];
  for (let i = 0; i < 521; i++) lines.push(line(time(i), i === 500 ? "120" : (100 + normal()).toFixed(3)));
  return lines.join("\n") + "\n";
}

const SPIKE_ROW = 500;

function readOut(path: string): string[][] {
  return readFileSync(path, "utf8").trimEnd().split("\n").map((l) => l.split(","));
}

describe("vigil anomaly score", () => {
  it("labels a spike 20 standard deviations out 1 and every ordinary row 0", async () => {
    const input = join(dir, "spike.csv");
    const output = join(dir, "spike-scored.csv");
    writeFileSync(input, spikeCsv());
    const r = await run({ input, output });
    assert.equal(r.code, 0, r.stderr);
    const rows = readOut(output);
    assert.deepEqual(rows[0], ["timestamp", "value", "anomaly_score", "label"]);
    assert.equal(rows.length, 522);
    const inputRows = readFileSync(input, "utf8").trimEnd().split("\n").slice(1);
    rows.slice(1).forEach((row, i) => {
      assert.equal(`${row[0]},${row[1]}`, inputRows[i], "timestamp and value echoed as given");
      const score = Number(row[2]);
      assert.ok(score >= 0 && score <= 1, `score ${row[2]} of row ${i}`);
      assert.equal(row[3], i === SPIKE_ROW ? "1" : "0", `label of row ${i} (${row.join(",")})`);
    });
    assert.match(r.stderr, /521 rows, 1 detection \(score ≥ 0\.5\) written to .*spike-scored\.csv/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), []);
  });

  it("labels with --threshold instead of the detector's own", async () => {
    const input = join(dir, "spike-threshold.csv");
    writeFileSync(input, spikeCsv());
    const output = join(dir, "spike-threshold-scored.csv");
    await run({ input, output });
    const scores = readOut(output).slice(1).map((row) => Number(row[2]));
    const spike = scores[SPIKE_ROW]!;
    const highest = Math.max(...scores.filter((_, i) => i !== SPIKE_ROW));
    // Between the ordinary rows' highest score and the spike's, only the spike.
    const only = await run({ input, output, threshold: (highest + spike) / 2 });
    assert.match(only.stderr, /521 rows, 1 detection /);
    assert.deepEqual(readOut(output).slice(1).flatMap((row, i) => (row[3] === "1" ? [i] : [])), [SPIKE_ROW]);
    // Lower, each label is the row's score against that threshold, and the summary counts them.
    for (const threshold of [0.2, 0.05]) {
      const r = await run({ input, output, threshold });
      const rows = readOut(output).slice(1);
      for (const row of rows) assert.equal(row[3], Number(row[2]) >= threshold ? "1" : "0", row.join(","));
      const n = rows.filter((row) => row[3] === "1").length;
      assert.ok(n >= 1, `${n} detections at ${threshold}`);
      assert.match(r.stderr, new RegExp(`521 rows, ${n} detections? \\(score ≥ ${threshold}\\)`));
    }
    const all = await run({ input, output, threshold: 0 });
    assert.match(all.stderr, /521 rows, 521 detections/);
    assert.ok(readOut(output).slice(1).every((row) => row[3] === "1"));
  });

  it("reads extra columns in any order, epoch seconds, epoch ms and ISO-8601 with zones, from stdin to stdout", async () => {
    const forms: ((i: number) => string)[] = [
      (i) => String((T0 + i * 60_000) / 1000),
      (i) => String(T0 + i * 60_000),
      (i) => new Date(T0 + i * 60_000).toISOString(),
      (i) => new Date(T0 + i * 60_000).toISOString().replace("Z", "+00:00"),
    ];
    for (const time of forms) {
      // Value first, a quoted extra column holding a comma, then the timestamp.
      const csv = spikeCsv(time, "Value,host,Timestamp", (ts, v) => `${v},"web-1, eu",${ts}`);
      const r = await run({ input: "-", output: "-" }, csv);
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout.trimEnd().split("\n");
      assert.equal(rows[0], "timestamp,value,anomaly_score,label");
      assert.equal(rows.length, 522);
      assert.equal(rows.filter((l) => l.endsWith(",1")).length, 1);
      assert.ok(rows[SPIKE_ROW + 1]!.startsWith(`${time(SPIKE_ROW)},120,`) && rows[SPIKE_ROW + 1]!.endsWith(",1"), rows[SPIKE_ROW + 1]);
      assert.match(r.stderr, /521 rows, 1 detection \(/);
    }
    // The same instant, every way.
    const at = Date.UTC(2014, 3, 10, 7, 15);
    for (const ts of ["1397114100", "1397114100000", "2014-04-10 07:15:00", "2014-04-10T07:15:00Z", "2014-04-10T09:15:00+02:00", "2014-04-10T07:15:00.000"]) assert.equal(parseTimestamp(ts), at, ts);
  });

  it("reports progress on stderr as it goes", async () => {
    const r = await run({ input: "-", output: "-", progressEvery: 200 }, spikeCsv());
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^vigil anomaly score: 200 rows, 0 detections so far\nvigil anomaly score: 400 rows, 0 detections so far\nvigil anomaly score: 521 rows/);
  });

  describe("refuses bad input with exit code 2, naming the line, and leaves no output behind", () => {
    const good = spikeCsv().split("\n");
    const cases: [string, string, RegExp][] = [
      ["non-numeric value", [...good.slice(0, 10), "2024-01-01 00:09:30,high", ...good.slice(10)].join("\n"), /:11: value "high" is not a number/],
      ["empty value", [...good.slice(0, 4), "2024-01-01 00:03:30,", ...good.slice(4)].join("\n"), /:5: value "" is not a number/],
      ["unparsable timestamp", [...good.slice(0, 7), "01/04/2024 10:00,3", ...good.slice(7)].join("\n"), /:8: timestamp "01\/04\/2024 10:00" is not ISO-8601/],
      ["time going backwards", [...good.slice(0, 300), "2024-01-01 00:00:00,100", ...good.slice(300)].join("\n"), /:301: time goes backwards \("2024-01-01 00:00:00" after "2024-01-01 04:58:00"\)/],
      ["missing header column", good.join("\n").replace("timestamp,value", "time,value"), /:1: header lacks column "timestamp" \(header: "time,value"\)/],
      ["missing both header columns", good.join("\n").replace("timestamp,value", "a,b"), /:1: header lacks column "timestamp" and "value"/],
      ["too few fields", [...good.slice(0, 3), "2024-01-01 00:02:30", ...good.slice(3)].join("\n"), /:4: 1 field\(s\), the header names 2/],
      ["empty file", "", /empty input/],
    ];
    for (const [what, csv, message] of cases) {
      it(what, async () => {
        const input = join(dir, `bad-${what.replace(/ /g, "-")}.csv`);
        const output = join(dir, `bad-${what.replace(/ /g, "-")}-scored.csv`);
        writeFileSync(input, csv);
        writeFileSync(output, "earlier output\n");
        const r = await run({ input, output });
        assert.equal(r.code, 2);
        assert.match(r.stderr, message);
        assert.ok(r.stderr.startsWith(`vigil anomaly score: ${input}:`), r.stderr);
        assert.match(r.stderr, /nothing written\n$/);
        assert.equal(readFileSync(output, "utf8"), "earlier output\n", "an earlier output file is left as it was");
        assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temporary file left");
        const fresh = join(dir, `bad-${what.replace(/ /g, "-")}-new.csv`);
        assert.equal((await run({ input, output: fresh })).code, 2);
        assert.equal(existsSync(fresh), false, "no output file created");
      });
    }

    it("a missing input file", async () => {
      const r = await run({ input: join(dir, "nope.csv"), output: join(dir, "nope-scored.csv") });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot read .*nope\.csv: ENOENT/);
      assert.equal(existsSync(join(dir, "nope-scored.csv")), false);
    });
  });

  it("fails with exit code 1 when the output cannot be written", async () => {
    const input = join(dir, "spike-unwritable.csv");
    writeFileSync(input, spikeCsv());
    const r = await run({ input, output: join(dir, "no-such-dir", "out.csv") });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write .*no-such-dir\/out\.csv/);
  });
});
