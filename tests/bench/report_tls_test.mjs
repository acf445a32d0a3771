// Unit tests of bench/report_tls.mjs: the TLS set's rows (the median run of
// each side, plain or TLS by what bench/run started, and TLS / plain).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tlsSection } from "../../bench/report_tls.mjs";
import { helpers } from "./report_helpers.mjs";

const fanout = (tls, rate, cpu) => ({
  mode: "fanout", target: "chat", client: "node-ws", tls_set: true, server_tls: tls, ok: true,
  clients: 1000, messages: 1, deliveries_per_s: rate, cpu_s_per_million: cpu, p99_ms: 40,
  ...(tls ? { tls: true, tls_version: "TLSv1.3", tls_cipher: "TLS_AES_256_GCM_SHA384" } : {}),
});
const latency = (tls, p99, cpu) => ({
  mode: "latency", target: "chat", client: "node-ws", tls_set: true, server_tls: tls, ok: true,
  clients: 200, rate: 500, p99_ms: p99, cpu_s_per_million: cpu,
});
const row = (md, metric) => md.split("\n").find((l) => l.startsWith(`| ${metric} |`));

test("no TLS runs, no section", () => {
  assert.equal(tlsSection([], helpers), "");
  assert.equal(tlsSection([fanout(false, 100, 1)], helpers), "");
});

test("each side's median run, TLS over plain, and what was negotiated", () => {
  const md = tlsSection([
    fanout(false, 300, 2), fanout(true, 100, 4), fanout(false, 500, 1), fanout(true, 200, 3),
    fanout(false, 400, 9), fanout(true, 150, 6), latency(false, 5, 1.5), latency(true, 8, 3),
  ], helpers);
  // Medians by deliveries/s: plain 400 (CPU 9), TLS 150 (CPU 6).
  assert.equal(row(md, "fan-out deliveries/s"), "| fan-out deliveries/s | 400 | 150 | 0.38x |");
  assert.equal(row(md, "fan-out server CPU s per million"),
    "| fan-out server CPU s per million | 9.00 | 6.00 | 0.67x |");
  assert.equal(row(md, "steady rate p99 ms"), "| steady rate p99 ms | 5 | 8 | 1.60x |");
  assert.equal(row(md, "steady rate server CPU s per million"),
    "| steady rate server CPU s per million | 1.50 | 3.00 | 2.00x |");
  assert.match(md, /negotiated: TLSv1\.3, TLS_AES_256_GCM_SHA384/);
  assert.match(md, /Fan-out: 1000 clients x 1 message; steady rate:\n200 clients at 500 msgs\/s/);
});

test("a failed run says so and has no ratio", () => {
  const md = tlsSection([fanout(false, 300, 2), { ...fanout(true, 0, 0), ok: false }], helpers);
  assert.equal(row(md, "fan-out deliveries/s"), "| fan-out deliveries/s | 300 | 0 (failed) | n/a |");
  assert.equal(row(md, "steady rate p99 ms"), "| steady rate p99 ms | n/a | n/a | n/a |");
});
