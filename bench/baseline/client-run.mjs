// The Node side of the node-ws and browser client kinds of bench/: the command line, the
// accounts, the two modes and the JSON line, over groups of clients (client-group.mjs) that
// live in this process (ws-client.mjs) or in Chromium pages (browser-client.mjs). It mirrors
// build/chat-actors-loadgen's fanout and latency modes (bench/loadgen/mode_*.cpp: same flags
// and JSON line, plus "client":KIND), so bench/report.mjs can set every kind side by side.
//
// A kind calls runClient({ kind, script, extraUsage, extraNumbers, check, startGroups,
// pollMs, finish }). startGroups({ setup, clients, opt, out, progress }) resolves with the
// groups (each made from `setup` and its share of `clients`, see client-group.mjs) whose
// methods (connect, join, fanout, startLatency, status, latencies, close) may run here or in
// a page: every call is awaited. finish(out) runs last, before the line is printed.
// Exit status: 0 ok, 1 failed or timed out (the JSON line says why), 2 bad command line.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { ACK_BATCH, ACK_DELAY_MS } from './client-group.mjs';

const HTTP_AT_ONCE = 8;
class RunError extends Error {} // a failure the JSON line explains; anything else prints a stack

const baseUsage = (script) => `usage: node bench/baseline/${script} --mode fanout|latency --url ws[s]://HOST:PORT [options]

Options (same meanings and defaults as build/chat-actors-loadgen):
  --target chat|raw   chat-actors protocol (default) or a raw broadcast server
  --clients N (100)  --messages M (1, fanout)  --rate R (100 msgs/s, latency)
  --seconds S (10)  --warmup S (1)  --drain S (15)  --settle S (0.5)
  --stall S (15, fanout)  --timeout S (600, the whole run)
  --server-pid PID    read the server's CPU from /proc (repeated: summed)
  --label TEXT  --password TEXT  --room NAME (bench)  --source-addrs K (4)
`;

// ---- command line ----------------------------------------------------------
// Flag -> [default, minimum, whole number?]: every number is checked like the C++ generator's.
const baseNumbers = { clients: [100, 1, true], messages: [1, 1, true], rate: [100, 0.001], seconds: [10, 0],
  warmup: [1, 0], drain: [15, 0], settle: [0.5, 0], stall: [15, 0.1], timeout: [600, 1], 'source-addrs': [4, 1, true] };
const texts = { mode: '', url: '', target: 'chat', label: '', password: 'bench-password', room: 'bench' };

function parseCommandLine(args, { script, extraUsage = '', extraNumbers = {}, check }) {
  const name = script.replace(/\.mjs$/, '');
  const usage = baseUsage(script) + extraUsage;
  const badUsage = (message) => {
    process.stderr.write(`${name}: ${message}\n${usage}`);
    process.exit(2);
  };
  const numbers = { ...baseNumbers, ...extraNumbers };
  let opt;
  try {
    const options = { 'server-pid': { type: 'string', multiple: true, default: [] }, help: { type: 'boolean', short: 'h' } };
    for (const [key, value] of Object.entries(texts)) options[key] = { type: 'string', default: value };
    for (const [key, [value]] of Object.entries(numbers)) options[key] = { type: 'string', default: String(value) };
    opt = parseArgs({ args, options }).values; // strict: unknown flags and stray words throw
  } catch (err) {
    badUsage(err.message);
  }
  if (opt.help) { process.stdout.write(usage); process.exit(0); }
  for (const [key, [, min, whole, max = Infinity]] of Object.entries(numbers)) {
    const d = Number(opt[key]);
    if (opt[key].trim() === '' || !Number.isFinite(d) || d < min || d > max) badUsage(`bad value '${opt[key]}' for --${key}`);
    opt[key] = whole ? Math.floor(d) : d;
  }
  opt.serverPids = opt['server-pid'].map(Number);
  if (!opt.serverPids.every((pid) => Number.isInteger(pid) && pid >= 1)) badUsage('bad value for --server-pid');
  if (!opt.mode) badUsage('--mode is required');
  if (opt.mode !== 'fanout' && opt.mode !== 'latency')
    badUsage(`--mode ${opt.mode} is not supported by this client (fanout or latency only)`);
  if (opt.target !== 'chat' && opt.target !== 'raw') badUsage(`bad value '${opt.target}' for --target`);
  if (!opt.url) badUsage('--url is required');
  if (args.filter((a) => a === '--url' || a.startsWith('--url=')).length > 1) badUsage('one --url only (no cluster mode)');
  const url = /^(wss?):\/\/([^/:]+):(\d+)(\/.*)?$/.exec(opt.url);
  if (!url || +url[3] < 1 || +url[3] > 65535) badUsage(`bad value '${opt.url}' for --url`);
  [opt.scheme, opt.host, opt.port] = [url[1], url[2], +url[3]];
  opt.secure = opt.scheme === 'wss'; // TLS: wss:// for the sockets, https:// for the accounts
  opt.sourceAddrs = Math.min(opt['source-addrs'], 250);
  opt.chat = opt.target === 'chat';
  const refused = check?.(opt);
  if (refused) badUsage(refused);
  return opt;
}

// ---- clock, output, server CPU ---------------------------------------------
// One clock for this process and every group, also those in a browser's
// pages: nanoseconds since `epochMs` (wall time when the run began), read
// through each side's monotonic performance.now().
export const epochMs = Date.now();
const nowNs = () => (performance.timeOrigin - epochMs + performance.now()) * 1e6;
const round = (v, places = 3) => (Number.isFinite(v) ? Math.round(v * 10 ** places) / 10 ** places : null);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** utime + stime in seconds of the processes `pids`, from /proc; null if one is gone. */
export function cpuOf(pids) {
  let sum = 0;
  for (const pid of pids) {
    let stat;
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may hold spaces
    sum += (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15, 100 ticks/s
  }
  return sum;
}

export async function runClient(kindSpec) {
  const args = process.argv.slice(2);
  const opt = parseCommandLine(args, kindSpec);
  const { kind } = kindSpec;
  // Quoted as a shell would need it to run it again, like the C++ generator's "command".
  const quote = (a) => (a && !/[\s"'$`\\]/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  const commandLine = [process.argv0, process.argv[1], ...args].map(quote).join(' ');
  const startNs = nowNs();
  const deadlineNs = startNs + opt.timeout * 1e9;
  const progress = (line) =>
    process.stderr.write(`[${((nowNs() - startNs) / 1e9).toFixed(2).padStart(7)}s] ${line}\n`);
  const out = {}; // keys keep the order they are first set in, as in the C++ result_line
  const sinceS = (t) => round((nowNs() - t) / 1e9);
  const serverCpu = () => (opt.serverPids.length ? cpuOf(opt.serverPids) : null);
  const n = opt.clients;
  const prefix = crypto.randomBytes(3).toString('hex'); // this run's accounts and room, no one else's
  const room = `${opt.room}-${prefix}`;
  let groups = [];

  function reportCpu(before, after, deliveries) {
    const cpu = before === null || after === null ? null : after - before;
    out.server_cpu_s = round(cpu);
    out.cpu_s_per_million = cpu !== null && deliveries > 0 ? round(cpu / (deliveries / 1e6)) : null;
  }
  async function reportEnd(status) { // exact percentiles over every recorded latency, in ms
    const sorted = Float64Array.from((await Promise.all(groups.map((g) => g.latencies()))).flat()).sort();
    const at = (q) => {
      if (!sorted.length) return 0;
      const rank = Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length);
      return round(sorted[rank - 1] / 1e6);
    };
    Object.assign(out, { p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: at(1), foreign: status.foreign,
      ack_frames: status.ackFrames, error_frames: status.errors, closed: status.closed });
  }

  // Every group's counts summed (latest frame times: the latest of any), their notes printed.
  async function status() {
    const all = await Promise.all(groups.map((g) => g.status()));
    const sum = { lastFrameNs: 0, lastDeliveryNs: 0, sending: false };
    for (const s of all) {
      for (const [key, value] of Object.entries(s)) {
        if (key === 'notes') value.forEach(progress);
        else if (key === 'sending') sum.sending ||= value;
        else if (key.startsWith('last')) sum[key] = Math.max(sum[key], value);
        else sum[key] = (sum[key] ?? 0) + value;
      }
    }
    return sum;
  }
  // Every wait of the run: poll until done(status) or `until` (never past
  // --timeout); resolves with the last status and whether done() held.
  async function waitUntil(done, until = deadlineNs) {
    for (;;) {
      const s = await status();
      if (done(s)) return { s, ok: true };
      if (nowNs() >= Math.min(until, deadlineNs)) return { s, ok: false };
      await sleep(kindSpec.pollMs ?? 10);
    }
  }
  // Waits for done(), but gives up once value() has not changed for stallS seconds.
  function waitWhileMoving(value, done, stallS) {
    let seen, lastChange = nowNs();
    return waitUntil((s) => {
      if (value(s) !== seen) [seen, lastChange] = [value(s), nowNs()];
      return done(s) || nowNs() - lastChange > stallS * 1e9;
    });
  }
  const settle = (quietS) => { // until no frame has come for quietS seconds
    const from = nowNs();
    return waitUntil((s) => nowNs() - Math.max(from, s.lastFrameNs) >= quietS * 1e9);
  };

  async function post(path, name) {
    for (let attempt = 1; ; attempt++) { // retry resets and 503 (the server's hash pool is full)
      try {
        const res = await fetch(`${opt.secure ? 'https' : 'http'}://${opt.host}:${opt.port}${path}`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, password: opt.password }), signal: AbortSignal.timeout(15000) });
        if (res.status !== 503 || attempt >= 5) return { status: res.status, body: await res.text() };
      } catch (err) {
        if (attempt >= 5) return { status: 0, body: `${err.message} ${err.cause?.message ?? ''}` };
      }
      await sleep(50);
    }
  }
  async function createAccounts(clients) {
    let next = 0, finished = 0, firstError = '';
    const worker = async () => {
      while (next < n) {
        const c = clients[next++];
        const name = `${prefix}-${c.i}`;
        try {
          const reg = await post('/register', name); // 409: ours, from a retried request
          const login = reg.status === 201 || reg.status === 409 ? await post('/login', name) : reg;
          if (login.status === 200) c.token = JSON.parse(login.body).token ?? '';
          if (!c.token) throw new Error(`HTTP ${login.status} ${login.body}`);
        } catch (err) {
          firstError ||= `${name}: ${err.message}`;
        }
        finished++;
      }
    };
    await Promise.race([Promise.all(Array.from({ length: Math.min(HTTP_AT_ONCE, n) }, worker)),
      sleep(Math.max(deadlineNs - nowNs(), 0) / 1e6)]);
    if (finished < n) throw new RunError(`accounts: deadline passed, ${finished}/${n} done`);
    if (firstError) throw new RunError(`accounts: first failure: ${firstError}`);
  }

  async function connectAll() {
    await Promise.all(groups.map((g) => g.connect()));
    const settled = (s) => s.ready + s.connectFailed;
    const { s } = await waitWhileMoving(settled, (x) => settled(x) === n, 30); // a stuck connect must not hold the run
    if (s.ready < n) throw new RunError(`connect: ${s.ready}/${n} ready, ${s.connectFailed} failed`);
  }
  async function joinAll() {
    await Promise.all(groups.map((g) => g.join()));
    const { s } = await waitUntil((x) => x.joined + x.errors >= n || x.closed > 0);
    if (s.joined < n) throw new RunError(`join: ${s.joined}/${n} joined, ${s.errors} errors, ${s.closed} closed`);
    // Every join tells the members before it: n(n-1)/2 presence frames. Best
    // effort: stop waiting once none came for 5 s.
    const expected = (n * (n - 1)) / 2;
    const seen = await waitWhileMoving((x) => x.presence, (x) => x.presence >= expected, 5);
    if (seen.s.presence < expected)
      progress(`join: only ${seen.s.presence} of ${expected} presence frames arrived; going on`);
  }
  async function prepareClients(perClient) { // the setup both modes share; each phase's seconds go in the line
    const timed = async (key, phase) => { const t = nowNs(); await phase(); out[key] = sinceS(t); };
    const clients = Array.from({ length: n }, (_, i) => ({ i, token: '' }));
    if (opt.chat) progress(`accounts: registering ${n} (prefix ${prefix})`);
    if (opt.chat) await timed('accounts_s', () => createAccounts(clients));
    progress(`connecting ${n} clients`);
    const setup = { base: `${opt.scheme}://${opt.host}:${opt.port}`, chat: opt.chat, room, n, perClient };
    groups = await kindSpec.startGroups({ setup, clients, opt, out, progress });
    await timed('connect_s', connectAll);
    if (opt.chat) progress('joining');
    if (opt.chat) await timed('join_s', joinAll);
    await settle(opt.settle);
  }

  // ---- fanout: at a barrier every client sends M; each must get all N*M ------
  async function runFanout() {
    const m = opt.messages, expected = n * n * m;
    Object.assign(out, { messages: m, expected });
    await prepareClients(m);
    progress(`barrier: ${n} clients x ${m} messages, expecting ${expected} deliveries`);
    const cpuBefore = serverCpu();
    const t0 = nowNs();
    await Promise.all(groups.map((g) => g.fanout(m))); // round by round within each group
    const { s } = await waitWhileMoving((x) => x.delivered, (x) => x.delivered >= expected, opt.stall);
    const cpuAfter = serverCpu();
    const complete = s.delivered >= expected;
    const { s: end } = await settle(opt.settle); // late duplicates would show up now
    const spanS = Math.max(end.lastDeliveryNs - t0, 1) / 1e9;
    Object.assign(out, { deliveries: end.delivered, missing: expected - end.delivered, duplicates: end.duplicates,
      duration_s: round(spanS, 4), deliveries_per_s: round(end.delivered / spanS, 0) });
    reportCpu(cpuBefore, cpuAfter, end.delivered);
    await reportEnd(end);
    if (!complete)
      throw new RunError(`delivered ${s.delivered} of ${expected} ${nowNs() >= deadlineNs ? 'before the timeout' : '(stalled)'}`);
    progress(`delivered ${end.delivered} in ${spanS.toPrecision(4)} s`);
    if (end.duplicates) throw new RunError(`${end.duplicates} duplicate deliveries`);
  }

  // ---- latency: R msgs/s in total for warmup + S s; latency in the window -----
  async function runLatency() {
    const totalS = opt.warmup + opt.seconds;
    const totalMsgs = Math.floor(opt.rate * totalS), perClient = Math.floor(totalMsgs / n) + 2;
    Object.assign(out, { rate: round(opt.rate), seconds: round(opt.seconds), warmup_s: round(opt.warmup),
      offered_deliveries_per_s: round(opt.rate * n, 0) });
    await prepareClients(perClient);
    progress(`sending ${opt.rate} msgs/s for ${totalS} s (${opt.warmup} s warm-up)`);
    // A little ahead, so that every group (some a page away) has it before it is due.
    const start = nowNs() + 50e6;
    await Promise.all(groups.map((g) => g.startLatency({ start, warmupS: opt.warmup, seconds: opt.seconds,
      rate: opt.rate, totalMsgs })));
    await sleep(Math.max(start + opt.warmup * 1e9 - nowNs(), 0) / 1e6);
    const cpuBefore = serverCpu();
    let { s, ok: inTime } = await waitUntil((x) => !x.sending);
    const cpuAfter = serverCpu();
    // Stragglers: wait for every delivery of the measured messages, or --drain.
    const measuredExpected = s.measuredSent * n;
    const drain = await waitUntil((x) => x.measuredReceived >= measuredExpected, nowNs() + opt.drain * 1e9);
    s = drain.s;
    inTime = inTime && (drain.ok || nowNs() < deadlineNs); // a short drain is `missing`, not a failure
    Object.assign(out, { sent: s.sent, measured_messages: s.measuredSent,
      achieved_deliveries_per_s: round(s.windowDeliveries / opt.seconds, 0), deliveries: s.measuredReceived,
      missing: measuredExpected - s.measuredReceived, duplicates: s.duplicates });
    reportCpu(cpuBefore, cpuAfter, s.windowDeliveries);
    await reportEnd(s);
    if (!inTime) throw new RunError('the run reached --timeout');
  }

  // ---- main -------------------------------------------------------------------
  Object.assign(out, { mode: opt.mode, target: opt.target, client: kind, label: opt.label, clients: n, ok: false });
  if (opt.chat) Object.assign(out, { ack_every_ms: ACK_DELAY_MS, ack_batch: ACK_BATCH });
  if (opt.secure) out.tls = true;
  let error = '';
  try {
    await (opt.mode === 'fanout' ? runFanout() : runLatency());
  } catch (err) {
    error = err instanceof RunError ? err.message : String(err?.stack ?? err);
  }
  out.ok = !error;
  if (error) out.error = error;
  out.timed_out = nowNs() >= deadlineNs;
  const { user, system } = process.cpuUsage();
  Object.assign(out, { elapsed_s: round((nowNs() - startNs) / 1e9, 2), loadgen_cpu_s: round((user + system) / 1e6),
    server_pid: opt.serverPids[0] ?? 0, nodes: 1, command: commandLine });
  await Promise.allSettled(groups.map((g) => g.close()));
  await kindSpec.finish?.(out);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (error) progress(`run failed: ${error}`);
  process.exit(error ? 1 : 0);
}
