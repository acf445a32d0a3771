// Unit tests of bench/report_targets.mjs's notes under the targets table:
// the slow-box note flags a run in which the ws baseline could not keep up
// with 100k deliveries/s, the CPU swing note a fan-out configuration whose
// baseline runs spread (the box's speed swung while it ran).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuSwingNote, slowBoxNote, targetRows } from "../../bench/report_targets.mjs";

const lat = (target, rate, achieved, p99 = 5) => ({
  mode: "latency", target, clients: 200, rate, ok: true, p99_ms: p99,
  offered_deliveries_per_s: rate * 200, achieved_deliveries_per_s: achieved,
});

test("no note when the baseline kept up, or did not run", () => {
  assert.equal(slowBoxNote([]), "");
  assert.equal(slowBoxNote([lat("chat", 500, 60_000)]), "");
  assert.equal(slowBoxNote([lat("raw", 500, 99_900), lat("raw", 2000, 120_000)]), "");
});

test("a note with the baseline's share when its median run fell behind", () => {
  const lines = [lat("raw", 500, 66_600, 9000), lat("raw", 500, 99_000, 6), lat("raw", 500, 60_000, 12000)];
  const note = slowBoxNote(lines);
  assert.match(note, /box was slow/);
  assert.match(note, /66\.6% of the 100k deliveries\/s/);
});

const fan = (target, cpu, client = "beast", clients = 1000) => ({
  mode: "fanout", target, client, clients, messages: 1, ok: true, cpu_s_per_million: cpu,
});

test("no CPU swing note when each kind's baseline runs agree within a third", () => {
  assert.equal(cpuSwingNote([]), "");
  assert.equal(cpuSwingNote([fan("raw", 10), fan("chat", 1.5), fan("raw", 13.3), fan("chat", 3.1)]), "");
  // Other sizes and failed runs do not count.
  assert.equal(cpuSwingNote([fan("raw", 10), fan("raw", 20, "beast", 500),
    { ...fan("raw", 25), ok: false }, fan("raw", 11)]), "");
});

test("a CPU swing note with both servers' runs, in run order, when the baseline's spread", () => {
  const lines = [fan("chat", 3.4), fan("raw", 14.19), fan("chat", 3.14), fan("raw", 14.84),
    fan("chat", 1.69), fan("raw", 10.05), fan("raw", 10, "node-ws"), fan("raw", 10.5, "node-ws")];
  const note = cpuSwingNote(lines);
  assert.match(note, /speed swung/);
  assert.match(note, /beast client the ws baseline's runs took 14\.19, 14\.84, 10\.05 and chat-actors' 3\.40, 3\.14, 1\.69/);
  assert.doesNotMatch(note, /node-ws/); // its baseline runs agree
});

const dur = (synchronous, rate, cpu) => ({
  mode: "durable", target: "chat", synchronous, clients: 100, window: 32, ok: true,
  confirmed_per_s: rate, confirm_p99_ms: 60, cpu_us_per_confirmed: cpu,
});

test("the durable target is judged on the median synchronous = full run", () => {
  const durableRow = (lines) => targetRows(lines).find((r) => r.metric.startsWith("durably confirmed"));
  assert.equal(durableRow([]).mustResult, "not run");
  // One slow minute (55k) and one fast (101k) around a middle run of 80k.
  const row = durableRow([dur("full", 55_000, 25), dur("normal", 120_000, 12),
    dur("full", 101_000, 16), dur("full", 80_000, 19.2)]);
  assert.match(row.measured, /^80000\/s .*19\.2 server CPU us each/);
  assert.equal(row.mustResult, "pass");
  assert.equal(row.goalResult, "**FAIL**");
});
