// Slow readers beside fast ones (issue 18): 1000 clients in one room each
// send 5 messages at once (5 million deliveries), first all reading at full
// speed, then with 5% of them (50, spread evenly) reading in 1,536-byte
// pieces a millisecond apart through a 16 KiB receive buffer: slow, never
// stalled (`chat-actors-loadgen --slow-readers`). Three pairs of runs, the
// two kinds taking turns on one server (warmed up by a first fan-out; the
// default write_queue_max). Checked:
// - every client gets every message once, the slow ones too (none is
//   closed as a slow consumer);
// - the other 95%'s deliveries/s and the server's CPU seconds per million
//   deliveries stay within 1.5x of the runs without slow readers (medians,
//   measured in the same test since the box may be busy).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";

import { Server, loadLimits, sourceDir } from "../browser/support/server.mjs";

const loadgen = process.env.CHAT_ACTORS_LOADGEN || path.join(sourceDir, "build", "chat-actors-loadgen");

const clients = 1000;
const messages = 5;
const slowReaders = 50;

function fanout(server, extra) {
  const args = [
    "--url", `ws://127.0.0.1:${server.port}`, "--server-pid", String(server.child.pid),
    "--mode", "fanout", "--clients", String(clients), "--messages", String(messages),
    "--settle", "0.5", "--timeout", "120", ...extra, // a later --messages wins
  ];
  return new Promise((resolve) => {
    execFile(loadgen, args, { timeout: 150_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      resolve({ code: err ? err.code : 0, result: line ? JSON.parse(line) : null, stderr });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test("5% slow readers leave the others' deliveries/s and the CPU per delivery within 1.5x", async () => {
  // Room for the fan-out's 5000 sends per second per connection; the rest,
  // write_queue_max among it, is the default.
  const server = await Server.start(loadLimits);
  try {
    // A first fan-out warms the server up (its allocator, SQLite's cache):
    // the measured runs then differ only in their readers.
    const warm = await fanout(server, ["--messages", "1"]);
    assert.equal(warm.code, 0, warm.stderr);
    const plain = [];
    const withSlow = [];
    for (let round = 0; round < 3; ++round) {
      for (const slow of [false, true]) {
        const extra = slow ? ["--slow-readers", String(slowReaders)] : [];
        const { code, result, stderr } = await fanout(server, extra);
        const what = `${slow ? "with" : "without"} slow readers, round ${round + 1}`;
        assert.equal(code, 0, `${what}: ${stderr}\n${server.output}`);
        assert.equal(result.ok, true, what);
        assert.equal(result.deliveries, clients * clients * messages, what);
        assert.equal(result.missing, 0, what);
        assert.equal(result.duplicates, 0, what);
        assert.equal(result.error_frames, 0, what);
        assert.equal(result.closed, 0, `${what}: a client was closed`);
        if (slow) {
          assert.equal(result.slow_readers, slowReaders);
          assert.equal(result.others_deliveries, (clients - slowReaders) * clients * messages, what);
          withSlow.push({ rate: result.others_deliveries_per_s, cpu: result.cpu_s_per_million });
        } else {
          plain.push({ rate: result.deliveries_per_s, cpu: result.cpu_s_per_million });
        }
        console.log(what, JSON.stringify(slow ? withSlow.at(-1) : plain.at(-1)));
      }
    }
    const rate = { plain: median(plain.map((r) => r.rate)), slow: median(withSlow.map((r) => r.rate)) };
    const cpu = { plain: median(plain.map((r) => r.cpu)), slow: median(withSlow.map((r) => r.cpu)) };
    console.log("medians", JSON.stringify({ rate, cpu }));
    assert.ok(rate.slow * 1.5 >= rate.plain,
      `the others' deliveries/s fell from ${rate.plain} to ${rate.slow}`);
    assert.ok(cpu.slow <= 1.5 * cpu.plain,
      `CPU s per million deliveries rose from ${cpu.plain} to ${cpu.slow}`);
  } finally {
    await server.close();
  }
});
