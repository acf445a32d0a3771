// A second benchmark client kind, written as an ordinary Node user would with npm `ws`: one
// `new WebSocket(url)` per client, on('message'), JSON.parse per frame, ws.send(JSON.stringify(...)),
// no tuning. It mirrors build/chat-actors-loadgen's fanout and latency modes (bench/loadgen/mode_*.cpp:
// same flags and JSON line, plus "client":"node-ws"), so bench/report.mjs can set both side by side.
//
// Usage: node bench/baseline/ws-client.mjs --mode fanout|latency --url ws://HOST:PORT [options]
// A wss:// URL speaks TLS (accounts over https too) and verifies the server's certificate as
// Node does: a self-signed one is trusted through NODE_EXTRA_CA_CERTS (bench/run sets it).
// Exit status: 0 ok, 1 failed or timed out (the JSON line says why), 2 bad command line.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const usage = `usage: node bench/baseline/ws-client.mjs --mode fanout|latency --url ws[s]://HOST:PORT [options]

Options (same meanings and defaults as build/chat-actors-loadgen):
  --target chat|raw   chat-actors protocol (default) or a raw broadcast server
  --clients N (100)  --messages M (1, fanout)  --rate R (100 msgs/s, latency)
  --seconds S (10)  --warmup S (1)  --drain S (15)  --settle S (0.5)
  --stall S (15, fanout)  --timeout S (600, the whole run)
  --server-pid PID    read the server's CPU from /proc (repeated: summed)
  --label TEXT  --password TEXT  --room NAME (bench)  --source-addrs K (4)
`;
// What an ordinary app does: ack at 100 waiting ids, or 50 ms after the first.
const ACK_BATCH = 100, ACK_DELAY_MS = 50;
const CONNECTS_AT_ONCE = 128, HTTP_AT_ONCE = 8;

// ---- command line ----------------------------------------------------------
function badUsage(message) {
  process.stderr.write(`ws-client: ${message}\n${usage}`);
  process.exit(2);
}
// Flag -> [default, minimum, whole number?]: every number is checked like the C++ generator's.
const numbers = { clients: [100, 1, true], messages: [1, 1, true], rate: [100, 0.001], seconds: [10, 0],
  warmup: [1, 0], drain: [15, 0], settle: [0.5, 0], stall: [15, 0.1], timeout: [600, 1], 'source-addrs': [4, 1, true] };
const texts = { mode: '', url: '', target: 'chat', label: '', password: 'bench-password', room: 'bench' };
const args = process.argv.slice(2);
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
for (const [key, [, min, whole]] of Object.entries(numbers)) {
  const d = Number(opt[key]);
  if (opt[key].trim() === '' || !Number.isFinite(d) || d < min) badUsage(`bad value '${opt[key]}' for --${key}`);
  opt[key] = whole ? Math.floor(d) : d;
}
const serverPids = opt['server-pid'].map(Number);
if (!serverPids.every((pid) => Number.isInteger(pid) && pid >= 1)) badUsage('bad value for --server-pid');
if (!opt.mode) badUsage('--mode is required');
if (opt.mode !== 'fanout' && opt.mode !== 'latency')
  badUsage(`--mode ${opt.mode} is not supported by this client (fanout or latency only)`);
if (opt.target !== 'chat' && opt.target !== 'raw') badUsage(`bad value '${opt.target}' for --target`);
if (!opt.url) badUsage('--url is required');
if (args.filter((a) => a === '--url' || a.startsWith('--url=')).length > 1) badUsage('one --url only (no cluster mode)');
const url = /^(wss?):\/\/([^/:]+):(\d+)(\/.*)?$/.exec(opt.url);
if (!url || +url[3] < 1 || +url[3] > 65535) badUsage(`bad value '${opt.url}' for --url`);
const [host, port] = [url[2], +url[3]];
const secure = url[1] === 'wss'; // TLS: wss:// for the sockets, https:// for the accounts
const sourceAddrs = Math.min(opt['source-addrs'], 250);
const chat = opt.target === 'chat';
// Quoted as a shell would need it to run it again, like the C++ generator's "command".
const quote = (a) => (a && !/[\s"'$`\\]/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
const commandLine = [process.argv0, process.argv[1], ...args].map(quote).join(' ');

// ---- clock, output, server CPU ---------------------------------------------
// Send times in bodies and receive times both come from this monotonic clock.
const nowNs = () => Number(process.hrtime.bigint());
const startNs = nowNs();
const deadlineNs = startNs + opt.timeout * 1e9;
const progress = (line) =>
  process.stderr.write(`[${((nowNs() - startNs) / 1e9).toFixed(2).padStart(7)}s] ${line}\n`);
const out = {}; // keys keep the order they are first set in, as in the C++ result_line
const round = (v, places = 3) => (Number.isFinite(v) ? Math.round(v * 10 ** places) / 10 ** places : null);
const sinceS = (t) => round((nowNs() - t) / 1e9);
function serverCpu() { // utime + stime of every --server-pid in seconds; null without one
  if (!serverPids.length) return null;
  let sum = 0;
  for (const pid of serverPids) {
    if (!fs.existsSync(`/proc/${pid}/stat`)) return null;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may hold spaces
    sum += (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15, 100 ticks/s
  }
  return sum;
}
function reportCpu(before, after, deliveries) {
  const cpu = before === null || after === null ? null : after - before;
  out.server_cpu_s = round(cpu);
  out.cpu_s_per_million = cpu !== null && deliveries > 0 ? round(cpu / (deliveries / 1e6)) : null;
}
function reportLatency(latencies) { // exact percentiles over every recorded latency, in ms
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) => {
    if (!sorted.length) return 0;
    const rank = Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length);
    return round(sorted[rank - 1] / 1e6);
  };
  Object.assign(out, { p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: at(1) });
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Every wait of the run: poll until done() or `until` (never past --timeout); false when time ran out.
async function waitUntil(done, until = deadlineNs) {
  while (!done()) {
    if (nowNs() >= Math.min(until, deadlineNs)) return false;
    await sleep(10);
  }
  return true;
}
// Waits for done(), but gives up once value() has not changed for stallS seconds.
function waitWhileMoving(value, done, stallS) {
  let seen = value(), lastChange = nowNs();
  return waitUntil(() => {
    if (value() !== seen) [seen, lastChange] = [value(), nowNs()];
    return done() || nowNs() - lastChange > stallS * 1e9;
  });
}
class RunError extends Error {} // a failure the JSON line explains; anything else prints a stack

// ---- the clients -----------------------------------------------------------
const prefix = crypto.randomBytes(3).toString('hex'); // this run's accounts and room, no one else's
const room = `${opt.room}-${prefix}`;
const n = opt.clients;
const clients = Array.from({ length: n }, (_, i) =>
  ({ i, name: `${prefix}-${i}`, token: '', ws: null, state: 'idle', ackIds: [], ackTimer: null }));
const counts = { ready: 0, connectFailed: 0, joined: 0, presence: 0, errors: 0, closed: 0, ackFrames: 0 };
let lastFrameNs = 0, notes = 0;
let onMessage = () => {}; // the mode's counter: (receiver, body, receive time)
const note = (line) => { if (++notes <= 8) progress(line.slice(0, 300)); }; // the first few problems

async function post(path, name) {
  for (let attempt = 1; ; attempt++) { // retry resets and 503 (the server's hash pool is full)
    try {
      const res = await fetch(`${secure ? 'https' : 'http'}://${host}:${port}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password: opt.password }), signal: AbortSignal.timeout(15000) });
      if (res.status !== 503 || attempt >= 5) return { status: res.status, body: await res.text() };
    } catch (err) {
      if (attempt >= 5) return { status: 0, body: `${err.message} ${err.cause?.message ?? ''}` };
    }
    await sleep(50);
  }
}
async function createAccounts() {
  let next = 0, finished = 0, firstError = '';
  const worker = async () => {
    while (next < n) {
      const c = clients[next++];
      try {
        const reg = await post('/register', c.name); // 409: ours, from a retried request
        const login = reg.status === 201 || reg.status === 409 ? await post('/login', c.name) : reg;
        if (login.status === 200) c.token = JSON.parse(login.body).token ?? '';
        if (!c.token) throw new Error(`HTTP ${login.status} ${login.body}`);
      } catch (err) {
        firstError ||= `${c.name}: ${err.message}`;
      }
      finished++;
    }
  };
  for (let w = 0; w < Math.min(HTTP_AT_ONCE, n); w++) worker();
  if (!await waitUntil(() => finished === n)) throw new RunError(`accounts: deadline passed, ${finished}/${n} done`);
  if (firstError) throw new RunError(`accounts: first failure: ${firstError}`);
}

function sendAcks(c) {
  clearTimeout(c.ackTimer);
  c.ackTimer = null;
  if (!c.ackIds.length || c.ws.readyState !== WebSocket.OPEN) return;
  c.ws.send(JSON.stringify({ action: 'ack', body: { ids: c.ackIds } }));
  c.ackIds = [];
  counts.ackFrames++;
}
function onFrame(c, data) {
  const now = nowNs();
  lastFrameNs = now;
  let frame;
  try { frame = JSON.parse(data); } catch { return note(`client ${c.i}: not JSON: ${data}`); }
  if (!chat) return onMessage(c.i, frame, now); // a raw server sends the bare bodies
  switch (frame.type) {
    case 'message': // a real client acks everything it receives
      c.ackIds.push(frame.id);
      if (c.ackIds.length >= ACK_BATCH) sendAcks(c);
      else if (!c.ackTimer) c.ackTimer = setTimeout(() => sendAcks(c), ACK_DELAY_MS);
      return onMessage(c.i, frame.body, now);
    case 'replayed': if (c.state === 'connecting') connected(c, true); return;
    case 'joined': if (c.state === 'joining') { c.state = 'joined'; counts.joined++; } return;
    case 'presence': counts.presence++; return;
    case 'error': counts.errors++; note(`client ${c.i}: ${data}`); return;
    default: // welcome, sent, acked: nothing to do
  }
}

let nextConnect = 0, connecting = 0;
function connected(c, ok) {
  connecting--;
  if (ok) { c.state = 'ready'; counts.ready++; } else counts.connectFailed++;
  launchConnects();
}
function launchConnects() {
  // A bounded number of handshakes at once: thousands of SYNs at once
  // overflow the listen backlog and stall on retransmits.
  while (connecting < CONNECTS_AT_ONCE && nextConnect < n) {
    const c = clients[nextConnect++];
    connecting++;
    c.state = 'connecting';
    const base = `${url[1]}://${host}:${port}`;
    // 127.0.0.0/8 is all loopback: spread sockets over several source
    // addresses, since one runs short of ports near 14k connections.
    const local = host.startsWith('127.') && sourceAddrs > 1
      ? { localAddress: `127.0.0.${1 + (c.i % sourceAddrs)}` } : {};
    c.ws = new WebSocket(chat ? `${base}/ws?token=${c.token}` : `${base}/`, local);
    if (secure) c.ws.once('upgrade', (res) => { // what was negotiated, for the report
      out.tls_version ??= res.socket.getProtocol();
      out.tls_cipher ??= res.socket.getCipher()?.name;
    });
    c.ws.on('open', () => { if (!chat) connected(c, true); }); // chat: ready at `replayed`
    c.ws.on('message', (data) => onFrame(c, data));
    c.ws.on('error', (err) => note(`client ${c.i}: ${err.message}`));
    c.ws.on('close', (code) => {
      if (c.state === 'shutdown') return; // our own close at the end
      counts.closed++;
      note(`client ${c.i} closed: ${code}`);
      if (c.state === 'connecting') connected(c, false);
      c.state = 'closed';
    });
  }
}
async function connectAll() {
  launchConnects();
  const settled = () => counts.ready + counts.connectFailed;
  await waitWhileMoving(settled, () => settled() === n, 30); // a stuck connect must not hold the run
  if (counts.ready < n) throw new RunError(`connect: ${counts.ready}/${n} ready, ${counts.connectFailed} failed`);
}
async function joinAll() {
  for (const c of clients) { // max_members counts for the room's creator; the default 1000 is too few
    c.state = 'joining';
    c.ws.send(JSON.stringify({ action: 'join', target: room, body: { max_members: 1000000 } }));
  }
  await waitUntil(() => counts.joined + counts.errors >= n || counts.closed > 0);
  if (counts.joined < n)
    throw new RunError(`join: ${counts.joined}/${n} joined, ${counts.errors} errors, ${counts.closed} closed`);
  // Every join tells the members before it: n(n-1)/2 presence frames. Best
  // effort: stop waiting once none came for 5 s.
  const expected = (n * (n - 1)) / 2;
  await waitWhileMoving(() => counts.presence, () => counts.presence >= expected, 5);
  if (counts.presence < expected)
    progress(`join: only ${counts.presence} of ${expected} presence frames arrived; going on`);
}
const settle = (quietS) => { // until no frame has come for quietS seconds
  lastFrameNs = Math.max(lastFrameNs, nowNs());
  return waitUntil(() => nowNs() - lastFrameNs >= quietS * 1e9);
};
async function prepareClients() { // the setup both modes share; each phase's seconds go in the line
  const timed = async (key, phase) => { const t = nowNs(); await phase(); out[key] = sinceS(t); };
  if (chat) progress(`accounts: registering ${n} (prefix ${prefix})`);
  if (chat) await timed('accounts_s', createAccounts);
  progress(`connecting ${n} clients`);
  await timed('connect_s', connectAll);
  if (chat) progress('joining');
  if (chat) await timed('join_s', joinAll);
  await settle(opt.settle);
}
const send = (c, body) => clients[c].ws.send(JSON.stringify(chat ? { action: 'send', target: room, body } : body));
function reportEnd(latencies, foreign) { // the fields both modes end with
  reportLatency(latencies);
  Object.assign(out, { foreign, ack_frames: counts.ackFrames, error_frames: counts.errors, closed: counts.closed });
}
// One byte per (receiver, sender, message index): tells new deliveries from
// duplicates and from bodies that are not this run's ('foreign').
function deliveryMarker(perClient) {
  const seen = new Uint8Array(n * n * perClient);
  return (receiver, b) => {
    if (!Number.isInteger(b?.c) || !Number.isInteger(b?.k) || b.c < 0 || b.c >= n || b.k < 0 || b.k >= perClient)
      return 'foreign';
    const at = (receiver * n + b.c) * perClient + b.k;
    if (seen[at]) return 'duplicate';
    seen[at] = 1;
    return 'new';
  };
}

// ---- fanout: at a barrier every client sends M; each must get all N*M ------
async function runFanout() {
  const m = opt.messages, expected = n * n * m;
  Object.assign(out, { messages: m, expected });
  const mark = deliveryMarker(m), latencies = [];
  let delivered = 0, duplicates = 0, foreign = 0, lastNs = 0; // lastNs: the last delivery
  onMessage = (receiver, body, now) => {
    const kind = mark(receiver, body);
    if (kind === 'foreign') foreign++;
    else if (kind === 'duplicate') duplicates++;
    else { delivered++; lastNs = now; latencies.push(now - body.t); }
  };
  await prepareClients();
  progress(`barrier: ${n} clients x ${m} messages, expecting ${expected} deliveries`);
  const cpuBefore = serverCpu();
  const t0 = nowNs();
  for (let k = 0; k < m; k++) // round by round: every first message leaves before any second
    for (let c = 0; c < n; c++) send(c, { t: nowNs(), c, k });
  await waitWhileMoving(() => delivered, () => delivered >= expected, opt.stall);
  const cpuAfter = serverCpu();
  const complete = delivered >= expected;
  await settle(opt.settle); // late duplicates would show up now
  const spanS = Math.max(lastNs - t0, 1) / 1e9;
  Object.assign(out, { deliveries: delivered, missing: expected - delivered, duplicates,
    duration_s: round(spanS, 4), deliveries_per_s: round(delivered / spanS, 0) });
  reportCpu(cpuBefore, cpuAfter, delivered);
  reportEnd(latencies, foreign);
  if (!complete)
    throw new RunError(`delivered ${delivered} of ${expected} ${nowNs() >= deadlineNs ? 'before the timeout' : '(stalled)'}`);
  progress(`delivered ${delivered} in ${spanS.toPrecision(4)} s`);
  if (duplicates) throw new RunError(`${duplicates} duplicate deliveries`);
}

// ---- latency: R msgs/s in total for warmup + S s; latency in the window -----
async function runLatency() {
  const totalS = opt.warmup + opt.seconds;
  const totalMsgs = Math.floor(opt.rate * totalS), perClient = Math.floor(totalMsgs / n) + 2;
  Object.assign(out, { rate: round(opt.rate), seconds: round(opt.seconds), warmup_s: round(opt.warmup),
    offered_deliveries_per_s: round(opt.rate * n, 0) });
  const mark = deliveryMarker(perClient), latencies = [];
  let windowStart = Infinity, windowEnd = Infinity; // set once sending starts
  let windowDeliveries = 0, measuredReceived = 0, duplicates = 0, foreign = 0;
  onMessage = (receiver, body, now) => {
    const kind = mark(receiver, body);
    if (kind === 'foreign') return foreign++;
    if (kind === 'duplicate') return duplicates++;
    if (now >= windowStart && now < windowEnd) windowDeliveries++; // any message, received in the window
    if (body.t >= windowStart && body.t < windowEnd) { measuredReceived++; latencies.push(now - body.t); }
  };
  await prepareClients();
  progress(`sending ${opt.rate} msgs/s for ${totalS} s (${opt.warmup} s warm-up)`);
  const start = nowNs();
  [windowStart, windowEnd] = [start + opt.warmup * 1e9, start + totalS * 1e9];
  const nextK = new Array(n).fill(0);
  let sent = 0, measuredSent = 0, sending = true, cpuBefore, cpuAfter;
  // A 1 ms timer; each tick sends what is due by the clock since `start`, so late ticks catch up.
  const tick = () => {
    const now = nowNs();
    if (cpuBefore === undefined && now >= windowStart) cpuBefore = serverCpu();
    const due = Math.min(totalMsgs, Math.floor(((now - start) / 1e9) * opt.rate));
    for (; sent < due; sent++) {
      const c = sent % n, t = nowNs();
      if (t >= windowStart && t < windowEnd) measuredSent++;
      send(c, { t, c, k: nextK[c]++ });
    }
    if (sent >= totalMsgs || now >= windowEnd) {
      cpuAfter = serverCpu();
      sending = false;
    } else if (now < deadlineNs) {
      setTimeout(tick, 1);
    }
  };
  tick();
  let inTime = await waitUntil(() => !sending);
  // Stragglers: wait for every delivery of the measured messages, or --drain.
  const measuredExpected = measuredSent * n;
  const drained = await waitUntil(() => measuredReceived >= measuredExpected, nowNs() + opt.drain * 1e9);
  inTime = inTime && (drained || nowNs() < deadlineNs); // a short drain is `missing`, not a failure
  Object.assign(out, { sent, measured_messages: measuredSent,
    achieved_deliveries_per_s: round(windowDeliveries / opt.seconds, 0), deliveries: measuredReceived,
    missing: measuredExpected - measuredReceived, duplicates });
  reportCpu(cpuBefore ?? null, cpuAfter ?? null, windowDeliveries);
  reportEnd(latencies, foreign);
  if (!inTime) throw new RunError('the run reached --timeout');
}

// ---- main -------------------------------------------------------------------
Object.assign(out, { mode: opt.mode, target: opt.target, client: 'node-ws', label: opt.label, clients: n, ok: false });
if (chat) Object.assign(out, { ack_every_ms: ACK_DELAY_MS, ack_batch: ACK_BATCH });
if (secure) out.tls = true;
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
  server_pid: serverPids[0] ?? 0, nodes: 1, command: commandLine });
for (const c of clients) { // done: drop every socket, no close handshake to wait for
  c.state = 'shutdown';
  clearTimeout(c.ackTimer);
  c.ws?.terminate();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
if (error) progress(`run failed: ${error}`);
process.exit(error ? 1 : 0);
