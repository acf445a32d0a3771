// Unit tests of the client kinds in the report (bench/report_kinds.mjs and
// the per-kind target rows of bench/report_targets.mjs): each kind is judged
// against the ws baseline's runs with the same kind, lines without a
// `client` field are the loadgen's own, and a --quick run judges nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kindRuns, kindsIn } from "../../bench/report_kinds.mjs";
import { targetRows } from "../../bench/report_targets.mjs";

const fan = (target, client, rate, cpu, clients = 1000) => ({
  mode: "fanout", target, client, clients, messages: 1, ok: true, deliveries_per_s: rate,
  cpu_s_per_million: cpu, missing: 0, duplicates: 0, p99_ms: 900,
});
const lat = (target, client, p99, clients = 200, rate = 500) => ({
  mode: "latency", target, client, clients, rate, ok: true, p99_ms: p99, missing: 0,
  offered_deliveries_per_s: rate * clients, achieved_deliveries_per_s: rate * clients,
});
const rowOf = (rows, start) => rows.find((r) => r.metric.startsWith(start));

test("kinds come own first; a line without `client` is own", () => {
  const lines = [fan("chat", "node-ws", 1, 1), fan("chat", undefined, 1, 1), fan("raw", "beast", 1, 1)];
  assert.deepEqual(kindsIn(lines), ["own", "beast", "node-ws"]);
});

test("each kind is judged on its own median runs against the baseline's runs of that kind", () => {
  const lines = [
    fan("chat", undefined, 1_000_000, 0.9), fan("raw", undefined, 100_000, 10),
    // beast: three runs each; the medians are 300k/s (CPU 1.5) and 100k/s.
    fan("chat", "beast", 300_000, 1.5), fan("chat", "beast", 500_000, 0.8), fan("chat", "beast", 200_000, 3),
    fan("raw", "beast", 100_000, 10), fan("raw", "beast", 90_000, 10), fan("raw", "beast", 120_000, 10),
    lat("chat", undefined, 8), lat("raw", undefined, 600),
    lat("chat", "beast", 30), lat("raw", "beast", 20),
  ];
  const beast = kindRuns(lines, "beast");
  assert.equal(beast.fanChat.deliveries_per_s, 300_000);
  assert.equal(beast.fanRaw.deliveries_per_s, 100_000);
  const rows = targetRows(lines);
  assert.equal(rowOf(rows, "own: 1000 clients").goalResult, "pass"); // 10x
  assert.equal(rowOf(rows, "own: server CPU").goalResult, "pass");
  assert.equal(rowOf(rows, "own: p99").goalResult, "pass");
  assert.equal(rowOf(rows, "beast: 1000 clients").goalResult, "pass"); // 3x
  assert.equal(rowOf(rows, "beast: server CPU").mustResult, "pass"); // 1.5 <= 2.0
  assert.equal(rowOf(rows, "beast: server CPU").goalResult, "**FAIL**");
  // 30 ms against the baseline's 20 ms: within 2x, not within 1x.
  assert.equal(rowOf(rows, "beast: p99").mustResult, "pass");
  assert.equal(rowOf(rows, "beast: p99").goalResult, "**FAIL**");
  assert.equal(rowOf(rows, "node-ws"), undefined, "a kind that did not run has no rows");
});

test("the browser is judged on the server's CPU and on p99 at its own rate, not on its fan-out rate", () => {
  const lines = [
    fan("chat", "beast", 300_000, 1.5), fan("raw", "beast", 100_000, 10),
    lat("chat", "beast", 30), lat("raw", "beast", 20),
    { ...fan("chat", "browser", 30_000, 0.9), browser_cpu_s: 40, deliveries: 1_000_000 },
    fan("raw", "browser", 29_000, 9),
    lat("chat", "browser", 12, 200, 25), lat("raw", "browser", 15, 200, 25),
  ];
  assert.deepEqual(kindsIn(lines), ["beast", "browser"]);
  const browser = kindRuns(lines, "browser");
  assert.equal(browser.latChat.rate, 25, "its own steady rate, since it did not run the shared one");
  const rows = targetRows(lines);
  assert.equal(rowOf(rows, "browser: 1000 clients"), undefined, "a browser-bound rate is not judged");
  assert.equal(rowOf(rows, "browser: server CPU").goalResult, "pass");
  const p99 = rowOf(rows, "browser: p99");
  assert.match(p99.metric, /200 clients at 25 msgs\/s \(5k deliveries\/s\)/);
  assert.equal(p99.goalResult, "pass");
  assert.equal(rowOf(rows, "beast: p99").metric.includes("500 msgs/s (100k"), true);
});

test("runs at other sizes (a --quick run) are not judged", () => {
  const lines = [
    fan("chat", "beast", 300_000, 1, 100), fan("raw", "beast", 1000, 10, 100),
    lat("chat", "beast", 3, 50, 200), lat("raw", "beast", 1, 50, 200),
  ];
  const rows = targetRows(lines);
  for (const start of ["beast: 1000 clients", "beast: server CPU", "beast: p99"])
    assert.equal(rowOf(rows, start).mustResult, "not run", start);
});
