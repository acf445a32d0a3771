// bench/baseline/ws-client.mjs, the plain npm `ws` client kind, against the
// baseline broadcast server it is paired with: a small fan-out must deliver
// everything exactly once and print the loadgen's JSON line, and a bad
// command line must exit 2. Needs bench/baseline/node_modules, which
// scripts/setup installs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const baseline = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bench/baseline");
const client = path.join(baseline, "ws-client.mjs");

// Runs the client; resolves with its exit code and output whatever the code.
const runClient = (args) => new Promise((resolve) => {
  execFile(process.execPath, [client, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? err.code : 0, stdout, stderr }));
});

let server;
let port;
before(async () => {
  server = spawn(process.execPath, [path.join(baseline, "server.mjs"), "0"], { stdio: ["ignore", "pipe", "inherit"] });
  port = await new Promise((resolve, reject) => {
    let text = "";
    server.stdout.on("data", (chunk) => {
      text += chunk;
      const m = /listening on (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    server.on("exit", (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
});
after(() => server?.kill());

test("fan-out of 20 clients against the baseline: every delivery, once", async () => {
  const { code, stdout, stderr } = await runClient(["--target", "raw", "--url", `ws://127.0.0.1:${port}`,
    "--server-pid", String(server.pid), "--mode", "fanout", "--clients", "20", "--settle", "0.2",
    "--timeout", "50", "--label", "ws client test"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1, "exactly one line on stdout");
  const line = JSON.parse(lines[0]);
  assert.equal(line.ok, true, line.error);
  assert.equal(line.client, "node-ws");
  assert.equal(line.mode, "fanout");
  assert.equal(line.target, "raw");
  assert.equal(line.label, "ws client test");
  assert.equal(line.expected, 400);
  assert.equal(line.deliveries, 400);
  assert.equal(line.missing, 0);
  assert.equal(line.duplicates, 0);
  assert.equal(line.foreign, 0);
  assert.equal(line.timed_out, false);
  assert.equal(line.server_pid, server.pid);
  assert.ok(line.deliveries_per_s > 0);
  assert.ok(line.p99_ms >= line.p50_ms && line.max_ms >= line.p99_ms);
  assert.equal(typeof line.server_cpu_s, "number");
});

test("a bad command line exits 2 with a message, and prints no JSON line", async () => {
  for (const args of [
    ["--mode", "fanout", "--url", "ws://127.0.0.1:1", "--no-such-flag", "1"],
    ["--mode", "fanout", "--url", "ws://127.0.0.1:1", "--clients", "0"],
    ["--mode", "idle", "--url", "ws://127.0.0.1:1"],
  ]) {
    const { code, stdout, stderr } = await runClient(args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stdout, "");
    assert.match(stderr, /^ws-client: /);
  }
});
