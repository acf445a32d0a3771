// Unit tests of bench/report_pick.mjs: which of the repeated runs the
// performance report shows (fan-out: the median by deliveries/s per server
// and size; latency: the median by p99 per server and rate; a failed run
// counts as the worst; durable sends: the median by confirmed/s per
// synchronous setting).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  durableMedians, fanoutMedians, latencyMedians, medianLatencyRun, medianRun,
} from "../../bench/report_pick.mjs";

const run = (target, clients, rate, ok = true) => ({
  mode: "fanout", target, clients, messages: 1, ok, deliveries_per_s: rate,
});

test("the median run by deliveries/s, the lower middle one for an even count", () => {
  assert.equal(medianRun([]), undefined);
  const slow = run("chat", 1000, 100);
  const mid = run("chat", 1000, 500);
  const fast = run("chat", 1000, 900);
  assert.equal(medianRun([fast, slow, mid]), mid);
  assert.equal(medianRun([fast, slow]), slow);
});

test("a failed run counts as the slowest, whatever rate it printed", () => {
  const failed = run("chat", 1000, 10_000, false);
  const a = run("chat", 1000, 300);
  const b = run("chat", 1000, 400);
  assert.equal(medianRun([failed, a, b]), a);
});

test("one run per server and size, other modes left out", () => {
  const lines = [
    run("chat", 100, 3), run("raw", 100, 1), run("chat", 100, 1), run("chat", 100, 2),
    run("chat", 1000, 7), { mode: "latency", target: "chat", clients: 100 },
  ];
  const picked = fanoutMedians(lines);
  assert.equal(picked.length, 3);
  assert.deepEqual(picked.map((l) => [l.target, l.clients, l.deliveries_per_s]),
    [["chat", 100, 2], ["raw", 100, 1], ["chat", 1000, 7]]);
});

const lat = (target, rate, p99, ok = true) => ({
  mode: "latency", target, clients: 200, rate, ok, p99_ms: p99,
});

test("latency: the median run by p99 per server and rate, the worse middle one for an even count", () => {
  assert.equal(medianLatencyRun([]), undefined);
  const good = lat("chat", 500, 8);
  const mid = lat("chat", 500, 9);
  const bad = lat("chat", 500, 24.5);
  assert.equal(medianLatencyRun([bad, good, mid]), mid);
  assert.equal(medianLatencyRun([good, bad]), bad);
  const failed = lat("chat", 500, 1, false); // counts as the worst
  assert.equal(medianLatencyRun([failed, good, mid]), mid);
  const picked = latencyMedians([bad, lat("raw", 500, 5), good, mid, lat("chat", 2000, 13),
    run("chat", 100, 3)]);
  assert.deepEqual(picked.map((l) => [l.target, l.rate, l.p99_ms]),
    [["chat", 500, 9], ["raw", 500, 5], ["chat", 2000, 13]]);
});

const dur = (synchronous, rate, ok = true) => ({
  mode: "durable", target: "chat", synchronous, clients: 100, window: 32, ok, confirmed_per_s: rate,
});

test("durable: the median run by confirmed/s per synchronous setting, a failed run the slowest", () => {
  assert.deepEqual(durableMedians([]), []);
  const picked = durableMedians([
    dur("normal", 70_000), dur("full", 73_900), dur("normal", 90_000), dur("full", 95_000),
    dur("normal", 80_000), dur("full", 99_000, false), run("chat", 100, 3),
  ]);
  assert.deepEqual(picked.map((l) => [l.synchronous, l.confirmed_per_s]),
    [["normal", 80_000], ["full", 73_900]]);
  // Another window is another configuration.
  assert.equal(durableMedians([dur("full", 1), { ...dur("full", 2), window: 8 }]).length, 2);
});
