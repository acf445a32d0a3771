// Unit tests of bench/report_cluster.mjs: the cluster set's rows (one per
// deployment, SQLite first, the median fan-out run, ratios against SQLite,
// writes per commit from the nodes' metrics).
import { test } from "node:test";
import assert from "node:assert/strict";
import { clusterSection } from "../../bench/report_cluster.mjs";
import { helpers } from "./report_helpers.mjs";

const fanout = (backend, nodes, rate) => ({
  mode: "fanout", target: "chat", cluster_set: true, backend, nodes, ok: true, clients: 1000,
  messages: 1, deliveries_per_s: rate, cpu_s_per_million: 1, p99_ms: 5, missing: 0, duplicates: 0,
});
const durable = (backend, nodes, rate, commits, writes) => ({
  mode: "durable", target: "chat", cluster_set: true, backend, nodes, ok: true, clients: 100,
  window: 32, confirmed_per_s: rate, confirm_p50_ms: 2, confirm_p99_ms: 9, commits, writes,
});
const rowsOf = (md, first) => md.split("\n").filter((l) => l.startsWith(`| ${first}`));

test("no cluster runs, no section", () => {
  assert.equal(clusterSection([], "/nonexistent", helpers), "");
});

test("one fan-out row per deployment in node order, the median run, ratios to SQLite", () => {
  const md = clusterSection([
    fanout("postgres", 3, 100), fanout("sqlite", 1, 400), fanout("postgres", 3, 300),
    fanout("postgres", 3, 200), fanout("postgres", 1, 200),
  ], "/nonexistent", helpers);
  const rows = [...rowsOf(md, "SQLite"), ...rowsOf(md, "PostgreSQL")];
  assert.equal(rows.length, 3);
  assert.match(rows[0], /^\| SQLite, 1 node \| 1000 x 1 \| 400 \| 1\.00x/);
  assert.match(rows[1], /^\| PostgreSQL, 1 node \| 1000 x 1 \| 200 \| 0\.50x/);
  assert.match(rows[2], /^\| PostgreSQL, 3 nodes \| 1000 x 1 \| 200 \| 0\.50x/);
});

test("durable rows: writes per commit and commits/s from the nodes' metrics", () => {
  const md = clusterSection([
    durable("sqlite", 1, 50_000, 1_000, 100_000), durable("postgres", 3, 20_000, 500, 25_000),
  ], "/nonexistent", helpers);
  const [pg] = rowsOf(md, "PostgreSQL, 3 nodes");
  // 25,000 writes in 500 commits: 50 a commit; 20,000 confirmed/s / 50.
  assert.match(pg, /\| 20000 \| 0\.40x \| 2 \| 9 \| 50\.0 \| 400 \|$/);
});
