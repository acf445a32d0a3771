// The four client kinds of bench/ against the real chat-actors binary:
// build/chat-actors-loadgen's own framing (--client own), Beast's
// websocket::stream read loop (--client beast), npm ws
// (bench/baseline/ws-client.mjs) and chromium's own WebSocket
// (bench/baseline/browser-client.mjs). Each must log in, join, deliver a small
// fan-out exactly once while acking, and report the server's CPU, so that
// bench/run's side-by-side rows measure the same thing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { Server, loadLimits, selfSigned, sourceDir } from "../browser/support/server.mjs";

const loadgen = process.env.CHAT_ACTORS_LOADGEN || path.join(sourceDir, "build", "chat-actors-loadgen");
const nodeClient = path.join(sourceDir, "bench", "baseline", "ws-client.mjs");
const browserClient = path.join(sourceDir, "bench", "baseline", "browser-client.mjs");

const kinds = {
  own: [loadgen, "--client", "own"],
  beast: [loadgen, "--client", "beast"],
  "node-ws": [process.execPath, nodeClient],
  browser: [process.execPath, browserClient],
};

function run(kind, args, env = {}) {
  const [cmd, ...pre] = kinds[kind];
  return new Promise((resolve) => {
    execFile(cmd, [...pre, ...args], { timeout: 90_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      resolve({ code: err ? err.code : 0, result: line ? JSON.parse(line) : null, stderr });
    });
  });
}

let server;
before(async () => {
  server = await Server.start(loadLimits);
});
after(() => server?.close());

for (const kind of Object.keys(kinds)) {
  test(`${kind}: a 30 x 2 fan-out reaches every client once, acked, with the server's CPU`, async () => {
    const { code, result, stderr } = await run(kind, [
      "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
      "--mode", "fanout", "--clients", "30", "--messages", "2", "--settle", "0.2",
      "--label", `kinds ${kind}`, "--timeout", "60",
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(result.client, kind);
    assert.equal(result.ok, true);
    assert.equal(result.deliveries, 30 * 30 * 2);
    assert.equal(result.missing, 0);
    assert.equal(result.duplicates, 0);
    assert.equal(result.error_frames, 0);
    assert.ok(result.ack_frames > 0, "a client that acks nothing is not a real client");
    assert.equal(typeof result.cpu_s_per_million, "number");
  });
}

test("the latency mode reports the server's CPU over its window, for every kind", async () => {
  for (const kind of Object.keys(kinds)) {
    const { code, result, stderr } = await run(kind, [
      "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
      "--mode", "latency", "--clients", "10", "--rate", "50", "--seconds", "1", "--warmup", "0.5",
      "--drain", "5", "--settle", "0.2", "--timeout", "60",
    ]);
    assert.equal(code, 0, `${kind}: ${stderr}`);
    assert.equal(result.missing, 0, kind);
    assert.ok(result.server_cpu_s >= 0, kind);
    assert.equal(typeof result.cpu_s_per_million, "number", kind);
  }
});

// Chromium keeps at most 255 WebSockets per profile: the browser kind spreads
// its clients over pages, one browser each. Deliveries, acks and latencies
// are counted in the pages and must add up across them.
test("browser: a fan-out over three pages adds up, acked, with the browsers' own CPU", async () => {
  const { code, result, stderr } = await run("browser", [
    "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
    "--mode", "fanout", "--clients", "30", "--messages", "3", "--per-page", "12", "--settle", "0.2",
    "--timeout", "60",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(result.ok, true);
  assert.equal(result.pages, 3);
  assert.match(result.browser, /^Chromium \d+/);
  assert.equal(result.deliveries, 30 * 30 * 3);
  assert.equal(result.missing, 0);
  assert.equal(result.duplicates, 0);
  assert.equal(result.foreign, 0);
  assert.ok(result.ack_frames >= 30, "every client acks what it got");
  assert.ok(result.p99_ms > 0 && result.p99_ms >= result.p50_ms);
  assert.ok(result.browser_cpu_s > 0, "the browsers' CPU is measured");
});

test("browser: what it cannot do is refused on the command line", async () => {
  for (const extra of [["--per-page", "251"], ["--url", "wss://127.0.0.1:1"], ["--mode", "idle"]]) {
    const { code, result, stderr } = await run("browser", ["--url", "ws://127.0.0.1:1", "--mode", "fanout", ...extra]);
    assert.equal(code, 2, `${extra.join(" ")}: ${stderr}`);
    assert.equal(result, null);
    assert.match(stderr, /^browser-client: /);
  }
});

test("--slow-readers: the slow few get everything too and the others' rate is reported apart", async () => {
  const { code, result, stderr } = await run("own", [
    "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
    "--mode", "fanout", "--clients", "30", "--messages", "4", "--settle", "0.2",
    "--slow-readers", "3", "--slow-piece", "512", "--slow-gap-ms", "2", "--timeout", "60",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(result.ok, true);
  assert.equal(result.slow_readers, 3);
  assert.equal(result.slow_piece, 512);
  assert.equal(result.slow_gap_ms, 2);
  assert.equal(result.deliveries, 30 * 30 * 4);
  assert.equal(result.missing, 0);
  assert.equal(result.closed, 0);
  // The 27 others' own share of the deliveries, over their own time.
  assert.equal(result.others_deliveries, 27 * 30 * 4);
  assert.ok(result.others_duration_s > 0 && result.others_duration_s <= result.duration_s);
  assert.ok(result.others_deliveries_per_s > 0);
});

test("--slow-readers is refused where it would not be measured", async () => {
  for (const extra of [["--client", "beast"], ["--clients", "3"], ["--mode", "latency"]]) {
    const { code, stderr } = await run("own", [
      "--url", `ws://127.0.0.1:${server.port}`, "--mode", "fanout", "--clients", "30",
      "--slow-readers", "3", ...extra,
    ]);
    assert.equal(code, 2, `${extra.join(" ")}: ${stderr}`);
    assert.match(stderr, /--slow-readers needs/);
  }
});

// Durable sends: the report judges the median of three runs and shows the
// server's CPU per confirmed message, read over the measured seconds.
test("durable: confirmations, and the server's CPU per confirmation over the window", async () => {
  const { code, result, stderr } = await run("own", [
    "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
    "--mode", "durable", "--clients", "5", "--window", "4", "--seconds", "1", "--warmup", "0.5",
    "--timeout", "60",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(result.ok, true);
  assert.equal(result.unconfirmed, 0);
  assert.ok(result.confirmed_per_s > 0);
  assert.ok(result.server_cpu_s > 0, "the server worked while sends were confirmed");
  // CPU over the window divided by the window's confirmations.
  const perMessage = (result.server_cpu_s * 1e6) / (result.confirmed_per_s * result.seconds);
  assert.ok(Math.abs(result.cpu_us_per_confirmed - perMessage) <= 0.01 * perMessage + 0.01,
    `${result.cpu_us_per_confirmed} vs ${perMessage}`);
  const without = await run("own", [
    "--url", `ws://127.0.0.1:${server.port}`, "--mode", "durable", "--clients", "2", "--window", "2",
    "--seconds", "0.5", "--warmup", "0.2", "--timeout", "60",
  ]);
  assert.equal(without.code, 0, without.stderr);
  assert.equal(without.result.cpu_us_per_confirmed, null, "no --server-pid, no CPU figure");
});

// Idle mode's memory per connection. A cluster run passes every node's pid:
// their RSS must be summed like their CPU, or a run over several nodes
// would divide one node's growth by all nodes' connections. The same pid
// given twice must count twice.
test("idle: the server's RSS is the sum over every --server-pid, like its CPU", async () => {
  const pid = String(server.child.pid);
  const idle = (...pids) => run("own", [
    "--url", `ws://127.0.0.1:${server.port}`, ...pids.flatMap((p) => ["--server-pid", p]),
    "--mode", "idle", "--clients", "20", "--seconds", "0.2", "--settle", "0.2", "--timeout", "60",
  ]);
  const once = await idle(pid);
  assert.equal(once.code, 0, once.stderr);
  assert.equal(once.result.connections, 20);
  assert.ok(once.result.rss_before_kib > 0);
  assert.equal(typeof once.result.rss_kib_per_conn, "number");
  const twice = await idle(pid, pid);
  assert.equal(twice.code, 0, twice.stderr);
  const ratio = twice.result.rss_before_kib / once.result.rss_before_kib;
  assert.ok(ratio > 1.8 && ratio < 2.2, `rss_before_kib ${twice.result.rss_before_kib} vs ${once.result.rss_before_kib}`);
});

// bench/run's TLS set: the node-ws client against a server with [tls]. It
// verifies the certificate as Node does, so the run's self-signed one is
// trusted through NODE_EXTRA_CA_CERTS and refused without it.
test("node-ws over wss://: a fan-out through TLS, and an untrusted certificate refused", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chat-actors-kinds-tls-"));
  const { cert, key } = selfSigned(dir);
  const tlsServer = await Server.start({ ...loadLimits, "tls.cert_file": cert, "tls.key_file": key });
  try {
    const args = ["--url", `wss://127.0.0.1:${tlsServer.port}`, "--server-pid", String(tlsServer.child.pid),
      "--mode", "fanout", "--clients", "20", "--messages", "2", "--settle", "0.2", "--timeout", "60"];
    const trusted = await run("node-ws", args, { NODE_EXTRA_CA_CERTS: cert });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(trusted.result.ok, true);
    assert.equal(trusted.result.tls, true);
    assert.match(trusted.result.tls_version, /^TLSv1\.[23]$/);
    assert.ok(trusted.result.tls_cipher, "the negotiated cipher is recorded");
    assert.equal(trusted.result.deliveries, 20 * 20 * 2);
    assert.equal(trusted.result.missing, 0);
    assert.equal(typeof trusted.result.cpu_s_per_million, "number");

    const untrusted = await run("node-ws", args);
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.result.ok, false);
    assert.match(untrusted.result.error, /self[- ]signed certificate/i);
  } finally {
    await tlsServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
