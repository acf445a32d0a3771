// The browser client kind of bench/: the clients of client-group.mjs inside Debian's
// chromium (headless), on the browser's own WebSocket, as a web app would write them.
// client-run.mjs drives them from Node: the same flags and JSON line as
// build/chat-actors-loadgen's fanout and latency modes, with "client":"browser".
//
// The browsers run unautomated: no DevTools protocol, which would copy every WebSocket frame
// to its client and cost the browser more than the frame. This process serves the page
// (browser-page.mjs and client-group.mjs) over HTTP on 127.0.0.1 and calls each page's group
// through one control WebSocket per page. Chromium opens at most 255 WebSockets per
// profile, so the clients are spread over pages of --per-page (250) clients, each page in
// its own chromium process and profile. Accounts are made from Node (the page's origin is
// not the server's); every socket, frame, ack and send is the page's.
//
// Latencies within a page read one clock; across pages (a fan-out over more than one page)
// they also carry the pages' clock offsets, far below a fan-out's latencies. Chromium rounds
// performance.now() to 0.1 ms.
//
// Usage: node bench/baseline/browser-client.mjs --mode fanout|latency --url ws://HOST:PORT [options]
// The browser is $CHROMIUM_BIN or /usr/bin/chromium.
// Exit status: 0 ok, 1 failed or timed out (the JSON line says why), 2 bad command line.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { cpuOf, epochMs, runClient } from './client-run.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const chromiumBin = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const PAGE = '<!doctype html><meta charset="utf-8"><title>chat-actors bench</title>'
  + '<script type="module" src="/browser-page.mjs"></script>';
const SERVED = { '/client-group.mjs': 'client-group.mjs', '/browser-page.mjs': 'browser-page.mjs' };
const PAGE_WAIT_S = 30;
const METHODS = ['connect', 'join', 'fanout', 'startLatency', 'status', 'latencies', 'close'];
const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-bench-browser-'));
const browsers = []; // {child, log}
let web = null;

/** Every browser process: all of this process's descendants, from /proc. */
function browserPids() {
  const parents = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  const tree = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) if (tree.has(ppid) && !tree.has(pid)) { tree.add(pid); grew = true; }
  }
  tree.delete(process.pid);
  return [...tree];
}
// CPU seconds of those still there (one may end between listing and reading).
const browserCpu = () => browserPids().reduce((sum, pid) => sum + (cpuOf([pid]) ?? 0), 0);

/** The page server: the page, its two modules, and a control socket per page. */
function serve(onControl) {
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (!SERVED[pathname]) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' })
      .end(fs.readFileSync(path.join(here, SERVED[pathname])));
  });
  const wss = new WebSocketServer({ server, path: '/control', maxPayload: 1 << 30 });
  wss.on('connection', (ws, req) => onControl(ws, Number(new URL(req.url, 'http://x').searchParams.get('page'))));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function launch(url, k) {
  const dir = path.join(profiles, `p${k}`);
  const log = path.join(profiles, `p${k}.log`);
  const child = spawn(chromiumBin, [
    '--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${dir}`, '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
    '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows', '--mute-audio', url,
  ], { stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')] });
  browsers.push({ child, log });
}

/** The group of page k, called through its control socket. */
function remoteGroup(ws, progress) {
  let nextId = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const { id, result, error, note } = JSON.parse(data);
    if (note) return progress(note);
    const call = pending.get(id);
    pending.delete(id);
    if (error) call?.reject(new Error(error));
    else call?.resolve(result);
  });
  ws.on('close', () => {
    for (const call of pending.values()) call.reject(new Error('a browser page went away'));
    pending.clear();
  });
  const call = (method, ...args) => new Promise((resolve, reject) => {
    pending.set(++nextId, { resolve, reject });
    ws.send(JSON.stringify({ id: nextId, method, args }));
  });
  return { create: (...a) => call('create', ...a), ...Object.fromEntries(METHODS.map((m) => [m, (...a) => call(m, ...a)])) };
}

// Every process of every browser (helpers too: a killed browser's renderer
// would otherwise outlive it for a moment, reparented, with its CPU).
async function stopBrowsers() {
  const pids = browserPids();
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  const alive = () => pids.filter((pid) => { // a zombie is dead, only not yet reaped
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] !== 'Z';
    } catch { return false; }
  });
  for (let i = 0; i < 50 && alive().length; i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
// Stopped from outside (bench/run's outer timeout, ^C): no browser outlives the run.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const pid of browserPids()) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    fs.rmSync(profiles, { recursive: true, force: true });
    process.exit(1);
  });
}

let cpuAtLaunch = 0;
await runClient({
  kind: 'browser',
  script: 'browser-client.mjs',
  // A call into a page is a round trip through its control socket: the
  // counts are read ten times a second (the results come from the pages'
  // own clocks, not from when they were read).
  pollMs: 100,
  extraUsage: '  --per-page K (250)  clients per page (one chromium each), at most 250\n',
  extraNumbers: { 'per-page': [250, 1, true, 250] },
  check: (opt) => (opt.secure ? 'wss:// is not supported by this client (ws:// only)' : ''),
  async startGroups({ setup, clients, opt, out, progress }) {
    const per = opt['per-page'];
    const count = Math.ceil(clients.length / per);
    const pages = new Array(count);
    let opened = 0;
    web = await serve((ws, k) => {
      if (!(k >= 0 && k < count) || pages[k]) return ws.close();
      pages[k] = remoteGroup(ws, (line) => progress(`page ${k}: ${line}`));
      opened++;
    });
    const origin = `http://127.0.0.1:${web.address().port}`;
    for (let k = 0; k < count; k++) launch(`${origin}/?page=${k}`, k);
    for (let waited = 0; opened < count; waited += 0.1) {
      if (waited >= PAGE_WAIT_S) {
        const tail = fs.readFileSync(browsers[0].log, 'utf8').split('\n').slice(-5).join(' | ');
        throw new Error(`${opened} of ${count} browser pages opened in ${PAGE_WAIT_S} s; chromium said: ${tail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    cpuAtLaunch = browserCpu();
    Object.assign(out, { browser: execFileSync(chromiumBin, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(), pages: count, per_page: per });
    progress(`${out.browser}: ${count} page(s) of up to ${per} clients`);
    await Promise.all(pages.map((g, k) => g.create(
      { ...setup, lo: k * per, clients: clients.slice(k * per, (k + 1) * per) }, epochMs)));
    return pages;
  },
  // The browsers' own CPU over the run (after they opened their pages), beside the driver's loadgen_cpu_s.
  async finish(out) {
    if (browsers.length) out.browser_cpu_s = Math.round((browserCpu() - cpuAtLaunch) * 1000) / 1000;
    await stopBrowsers();
    web?.close();
    fs.rmSync(profiles, { recursive: true, force: true });
  },
});
