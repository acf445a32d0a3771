// What one `rooms` costs on a server with many accounts (each has a public
// channel), asked without an offer (every room and channel) and with one
// (the asker's rooms and a page of the others), taking turns on one
// connection in the same run. Not part of bench/run: the cost grows with
// the accounts a server has, so the run makes them first (--accounts).
//
//   node bench/baseline/rooms-offer.mjs --url ws://127.0.0.1:PORT --server-pid PID \
//     [--accounts N] [--offer 30] [--asks 20]
//
// Prints one JSON line: per kind of ask the rooms listed, the reply's bytes,
// the median reply time and the server's CPU per ask (utime + stime over
// all asks of that kind), and the ratios. Exit 1 if an ask failed.
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { cpuOf } from './client-run.mjs';

const usage = 'usage: node bench/baseline/rooms-offer.mjs --url ws://HOST:PORT [--server-pid PID]'
  + ' [--accounts N] [--offer N] [--asks N]\n';
let opt;
try {
  ({ values: opt } = parseArgs({ options: {
    url: { type: 'string' }, 'server-pid': { type: 'string' }, accounts: { type: 'string', default: '0' },
    offer: { type: 'string', default: '30' }, asks: { type: 'string', default: '20' } } }));
} catch (e) {
  process.stderr.write(`rooms-offer: ${e.message}\n${usage}`);
  process.exit(2);
}
const accounts = Number(opt.accounts), offer = Number(opt.offer), asks = Number(opt.asks);
if (!opt.url?.startsWith('ws://') || ![accounts, offer, asks].every(Number.isInteger)
    || accounts < 0 || offer < 0 || offer > 1000 || asks < 1) {
  process.stderr.write(usage);
  process.exit(2);
}
const base = opt.url.replace(/^ws:/, 'http:').replace(/\/+$/, '');
const pids = opt['server-pid'] ? [Number(opt['server-pid'])] : [];
const prefix = crypto.randomBytes(3).toString('hex');
const password = 'bench-password';

async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

// The accounts (8 requests at a time, as the client kinds do).
for (let next = 0; next < accounts;) {
  const batch = [];
  for (; batch.length < 8 && next < accounts; ++next)
    batch.push(post('/register', { name: `ro${prefix}-${next}`, password }));
  await Promise.all(batch);
}
const asker = `ro${prefix}-asker`;
await post('/register', { name: asker, password });
const { token } = await post('/login', { name: asker, password });

const ws = new WebSocket(`${opt.url.replace(/\/+$/, '')}/ws?token=${token}`);
const waiting = new Map(); // ref -> resolve
let welcomed;
const ready = new Promise((resolve) => { welcomed = resolve; });
ws.on('message', (data) => {
  const frame = JSON.parse(data);
  if (frame.type === 'replayed') welcomed();
  const resolve = waiting.get(frame.ref);
  if (resolve) {
    waiting.delete(frame.ref);
    resolve({ frame, bytes: data.length });
  }
});
ws.on('error', (e) => { process.stderr.write(`rooms-offer: ${e.message}\n`); process.exit(1); });
await ready;

let nextRef = 0;
function ask(body) {
  const ref = `q${nextRef++}`;
  return new Promise((resolve) => {
    waiting.set(ref, resolve);
    ws.send(JSON.stringify(body ? { action: 'rooms', ref, body } : { action: 'rooms', ref }));
  });
}

const kinds = { all: undefined, offer: { offer } };
const seen = { all: { ms: [], cpu: 0 }, offer: { ms: [], cpu: 0 } };
let failed = false;
for (let i = 0; i < asks; ++i) {
  for (const [kind, body] of Object.entries(kinds)) { // taking turns
    const cpu0 = pids.length ? cpuOf(pids) : null;
    const t0 = performance.now();
    const { frame, bytes } = await ask(body);
    const ms = performance.now() - t0;
    const cpu1 = pids.length ? cpuOf(pids) : null;
    if (frame.type !== 'rooms') failed = true;
    Object.assign(seen[kind], { rooms: frame.rooms?.length ?? 0, bytes, more: frame.more ?? null });
    seen[kind].ms.push(ms);
    if (cpu0 !== null && cpu1 !== null) seen[kind].cpu += cpu1 - cpu0;
  }
}
ws.close();

const round = (v, places = 3) => Math.round(v * 10 ** places) / 10 ** places;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = { bench: 'rooms_offer', accounts_made: accounts, offer, asks };
for (const kind of Object.keys(kinds)) {
  const s = seen[kind];
  Object.assign(out, { [`${kind}_rooms`]: s.rooms, [`${kind}_bytes`]: s.bytes, [`${kind}_more`]: s.more,
    [`${kind}_median_ms`]: round(median(s.ms)),
    [`${kind}_server_cpu_ms_per_ask`]: pids.length ? round((s.cpu * 1000) / asks) : null });
}
out.ratio_ms = round(out.all_median_ms / out.offer_median_ms, 1);
out.ratio_bytes = round(out.all_bytes / out.offer_bytes, 1);
out.ok = !failed;
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(failed ? 1 : 0);
