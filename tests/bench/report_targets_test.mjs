// Unit tests of bench/report_targets.mjs's slow-box note: the report flags
// a run in which the ws baseline could not keep up with 100k deliveries/s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { slowBoxNote } from "../../bench/report_targets.mjs";

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
