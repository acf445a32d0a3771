// Writes docs/performance.md and docs/performance-fanout.svg from one
// bench/run results file (JSON lines from chat-actors-loadgen) and its
// .meta.json. Plain Node, no npm packages. Every number it prints comes from
// a JSON line; a run that is missing or failed shows as such.
//
// Usage: node bench/report.mjs bench/results/<stamp>.jsonl
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterSection } from './report_cluster.mjs';
import { fanoutPlot } from './report_plot.mjs';
import { kindsSection } from './report_kinds.mjs';
import { durableGroups, kindOf, latencyMedians, medianDurableRun, medianRun } from './report_pick.mjs';
import { achievedPercent, cpuSwingNote, slowBoxNote, targetRows } from './report_targets.mjs';
import { tlsSection } from './report_tls.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsPath = process.argv[2];
if (!resultsPath) {
  console.error('usage: node bench/report.mjs bench/results/<stamp>.jsonl');
  process.exit(2);
}
const allLines = fs.readFileSync(resultsPath, 'utf8').split('\n').filter((l) => l.trim())
  .map((l) => JSON.parse(l));
// The cluster set (bench/report_cluster.mjs) and the TLS set
// (bench/report_tls.mjs) have sections of their own.
const kindLines = allLines.filter((l) => !l.cluster_set && !l.tls_set);
// The per-size tables and the plot are the own client's; the kinds side by
// side have a section (bench/report_kinds.mjs) and rows in the targets.
const lines = kindLines.filter((l) => kindOf(l) === 'own');
const clusterLines = allLines.filter((l) => l.cluster_set);
const tlsLines = allLines.filter((l) => l.tls_set);
const metaPath = resultsPath.replace(/\.jsonl$/, '.meta.json');
const meta = fs.existsSync(metaPath) ? JSON.parse(fs.readFileSync(metaPath, 'utf8')) : {};

const fmt = (v, digits = 0) => (v === undefined || v === null ? 'n/a'
  : Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ms = (v) => (v === undefined || v === null ? 'n/a' : fmt(v, v < 10 ? 2 : v < 100 ? 1 : 0));
const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const failed = (l) => (l && !l.ok ? ` (failed: ${l.error ?? 'see the JSON line'})` : '');
const byTarget = (mode, target, extra = () => true) =>
  lines.filter((l) => l.mode === mode && l.target === target && extra(l));

function fanoutSection() {
  const sizes = [...new Set(lines.filter((l) => l.mode === 'fanout').map((l) => l.clients))]
    .sort((a, b) => a - b);
  if (!sizes.length) return '';
  const runsOf = (target, n) => byTarget('fanout', target, (l) => l.clients === n);
  const repeats = Math.max(...sizes.flatMap((n) => [runsOf('chat', n).length, runsOf('raw', n).length]));
  const rows = sizes.map((n) => {
    const c = medianRun(runsOf('chat', n));
    const r = medianRun(runsOf('raw', n));
    const md = (l) => (l ? `${fmt(l.missing)} / ${fmt(l.duplicates)}` : 'n/a');
    return `| ${fmt(n)} x ${c?.messages ?? r?.messages ?? 1} | ${fmt(c?.deliveries_per_s)}${failed(c)} `
      + `| ${fmt(r?.deliveries_per_s)}${failed(r)} | ${ratio(c?.deliveries_per_s, r?.deliveries_per_s)} `
      + `| ${fmt(c?.cpu_s_per_million, 2)} | ${fmt(r?.cpu_s_per_million, 2)} `
      + `| ${ms(c?.p99_ms)} | ${ms(r?.p99_ms)} | ${md(c)} | ${md(r)} |`;
  });
  return `## Fan-out: every client sends at once to one room

Each of N clients sends M messages at a barrier; every client, the sender
included, must receive all of them (N x N x M deliveries). Deliveries/s is
deliveries over the time from the barrier to the last delivery; CPU is the
server's utime + stime over the same span, per million deliveries (read in
10 ms clock ticks, so coarse for the small rows). p99 is send-to-receive
latency of the deliveries.${repeats > 1 ? ` Each configuration ran ${repeats} times,
the two servers taking turns; a row shows each server's run with the median
deliveries/s (this box's speed drifts from minute to minute).` : ''}

| clients x msgs | chat-actors deliveries/s | ws deliveries/s | ratio | chat-actors CPU s/M | ws CPU s/M | chat-actors p99 ms | ws p99 ms | chat-actors missing / dup | ws missing / dup |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

![deliveries/s against clients, chat-actors and the ws baseline](performance-fanout.svg)
`;
}

function latencySection() {
  const keys = [...new Set(lines.filter((l) => l.mode === 'latency').map((l) => `${l.clients}@${l.rate}`))];
  if (!keys.length) return '';
  const picked = latencyMedians(lines);
  const repeats = Math.max(...keys.map((key) => byTarget('latency', 'chat',
    (l) => `${l.clients}@${l.rate}` === key).length));
  const rows = [];
  for (const key of keys) {
    const [n, rate] = key.split('@').map(Number);
    for (const target of ['chat', 'raw']) {
      const l = picked.find((x) => x.target === target && x.clients === n && x.rate === rate);
      if (!l) continue;
      const share = achievedPercent(l);
      const pct = share === null ? 'n/a' : `${share.toFixed(1)}%`;
      rows.push(`| ${fmt(n)} | ${fmt(rate)} | ${target === 'chat' ? 'chat-actors' : 'ws'}${failed(l)} `
        + `| ${fmt(l.offered_deliveries_per_s)} | ${fmt(l.achieved_deliveries_per_s)} | ${pct} `
        + `| ${ms(l.p50_ms)} | ${ms(l.p90_ms)} | ${ms(l.p99_ms)} | ${ms(l.max_ms)} | ${fmt(l.missing)} |`);
    }
  }
  return `## Latency at a steady rate

N clients in one room send R messages/s in total (each delivered to all N,
so R x N deliveries/s are offered) for ${lines.find((l) => l.mode === 'latency')?.seconds ?? '?'} s after a warm-up.
Achieved is deliveries received per second during the measured seconds;
percentiles are send-to-receive times of the messages sent in them; missing
counts deliveries of those messages that had not arrived when the run ended.${repeats > 1 ? `
Each configuration ran ${repeats} times, the two servers taking turns; a row
shows each server's run with the median p99.` : ''}

| clients | msgs/s | server | offered deliveries/s | achieved | achieved % | p50 ms | p90 ms | p99 ms | max ms | missing |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

function idleSection() {
  const rows = ['chat', 'raw'].flatMap((t) => byTarget('idle', t)).map((l) =>
    `| ${l.target === 'chat' ? 'chat-actors (authenticated)' : 'ws'}${failed(l)} | ${fmt(l.clients)} `
    + `| ${fmt(l.connections)} | ${fmt(l.connections_at_end)} | ${fmt(l.rss_before_kib)} `
    + `| ${fmt(l.rss_after_kib)} | ${fmt(l.rss_kib_per_conn, 2)} |`);
  if (!rows.length) return '';
  const c = byTarget('idle', 'chat')[0];
  const r = byTarget('idle', 'raw')[0];
  return `## Idle connections

Server VmRSS (/proc/PID/status) before the connections open (chat-actors:
after the accounts exist) and once all are open and quiet; the difference
over the connections held. "At end" is after holding them ${c?.held_after_s ?? r?.held_after_s ?? '?'} s.

| server | asked | held | held at end | RSS before KiB | RSS after KiB | KiB per connection |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Memory per connection, ws / chat-actors: ${ratio(r?.rss_kib_per_conn, c?.rss_kib_per_conn)}.
`;
}

function durableSection() {
  const configs = durableGroups(byTarget('durable', 'chat'));
  if (!configs.length) return '';
  const repeats = Math.max(...configs.map((runs) => runs.length));
  const rows = configs.map((runs) => {
    const l = medianDurableRun(runs);
    return `| ${l.synchronous}${failed(l)} | ${fmt(l.clients)} | ${fmt(l.window)} | ${fmt(l.confirmed_per_s)} `
      + `| ${fmt(l.cpu_us_per_confirmed, 1)} | ${ms(l.confirm_p50_ms)} | ${ms(l.confirm_p99_ms)} `
      + `| ${ms(l.confirm_max_ms)} | ${fmt(l.unconfirmed)} `
      + `| ${runs.map((x) => (x.ok ? fmt(x.confirmed_per_s) : 'failed')).join(', ')} |`;
  });
  return `## Durable sends

Each client sends into its own room and keeps a window of sends in flight;
the next goes out as each \`sent\` (committed to SQLite) comes back. The ws
baseline stores nothing, so this is chat-actors alone. Server CPU is the
server's over the measured seconds, per confirmed message.${repeats > 1 ? `
Each setting ran ${repeats} times; a row is the median run by confirmed/s
(the last column lists every run, in run order).` : ''}

| synchronous | clients | window | confirmed/s | server CPU us per message | p50 ms | p99 ms | max ms | unconfirmed | every run, confirmed/s |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

function targetsSection() {
  const rows = targetRows(kindLines).map((t) =>
    `| ${t.metric} | ${t.must} | ${t.goal} | ${t.measured} | ${t.mustResult} | ${t.goalResult} |`);
  const notes = [slowBoxNote(kindLines), cpuSwingNote(kindLines)].filter(Boolean).join('\n\n');
  return `## Targets

Measured in this run, chat-actors unless the metric is a ratio to ws.
"not run" means this run did not include that configuration (\`bench/run --quick\` skips the target sizes).

| metric | must | target | measured | must | target |
|---|---|---|---|---|---|
${rows.join('\n')}
${notes ? `\n${notes}\n` : ''}`;
}

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

function machineSection() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (cpuinfo.match(/^model name\s*:\s*(.*)$/m) || [])[1] ?? 'unknown';
  const wsPkg = path.join(root, 'bench/baseline/node_modules/ws/package.json');
  const wsVersion = fs.existsSync(wsPkg) ? JSON.parse(fs.readFileSync(wsPkg, 'utf8')).version : 'not installed';
  const nofile = run('bash', ['-c', 'ulimit -Hn']);
  return `## Machine

| fact | value |
|---|---|
| cores (nproc) | ${os.cpus().length} |
| CPU | ${model} |
| RAM | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |
| kernel | ${os.release()} |
| open files per process (hard limit) | ${nofile} |
| g++ | ${run('g++', ['--version'])} |
| node | ${process.version} |
| ws | ${wsVersion} |
| run started / finished (UTC) | ${meta.started ?? '?'} / ${meta.finished ?? '?'} |
| load average at start / end | ${meta.loadavg_start ?? '?'} / ${meta.loadavg_end ?? '?'} |
| commit | ${meta.commit ?? '?'}${meta.dirty ? ' (with uncommitted changes)' : ''} |

The load generator, the server and the baseline share this machine over
loopback; the load generator is one thread.
`;
}

function commandsSection() {
  const loadgen = allLines.map((l) => (l.command ?? '(no command recorded)')
    .replace(/^\S*\/(build[^/\s]*\/chat-actors-loadgen)/, '$1')
    .replace(/^\S*node \S*\/(bench\/baseline\/ws-client\.mjs)/, 'node $1'));
  return `## How this was produced

\`${meta.invocation ?? 'bench/run'}\` started one fresh server per run (chat-actors:
\`${lines.find((l) => l.target === 'chat')?.server_command ?? 'build/chat-actors --config server.ini'}\` with the file below; ws: \`node
bench/baseline/server.mjs 0\`), then ran, in this order (PORT and PID as they were):

\`\`\`sh
${loadgen.join('\n')}
\`\`\`

chat-actors' server.ini (\`synchronous\` as the durable row says, \`normal\` elsewhere;
cheap password hashing because accounts are setup, not what is measured):

\`\`\`ini
${fs.readFileSync(path.join(root, 'bench/run'), 'utf8').match(/<<EOF\n(\[server\][\s\S]*?)EOF/)[1]
    .replace(/\$root/g, '<repo>').replace(/\$1/g, '<run dir>').replace(/\$2/g, 'normal|full').trim()}
\`\`\`

Raw results: \`${path.relative(root, resultsPath)}\`.
`;
}

// Where the time goes: a profile is read by a person, not generated, so it
// lives in bench/profile.md (with the commands that produced it) and is
// carried into the report as written.
function profileSection() {
  const file = path.join(root, 'bench/profile.md');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

const quickNote = meta.quick
  ? '\n**This is a `--quick` smoke run: small sizes, not the target configurations.**\n' : '';
const md = `# Performance

Generated by \`bench/run\` from \`${path.relative(root, resultsPath)}\`; rerun it rather than
editing this file. chat-actors and a minimal broadcast server on npm \`ws\`
(\`bench/baseline/server.mjs\`, "ws" below) are driven by the same load
generator (\`build/chat-actors-loadgen\`, see bench/README.md) in one run,
each on a fresh process. Ratios compare the two measured here, side by side.
${quickNote}
${targetsSection()}
${fanoutSection()}
${latencySection()}
${kindsSection(kindLines, { fmt, ms, ratio, failed })}
${idleSection()}
${durableSection()}
${tlsSection(tlsLines, { fmt, ms, ratio, failed })}
${clusterSection(clusterLines, root, { fmt, ms, ratio, failed })}
${profileSection()}
${machineSection()}
${commandsSection()}`;

fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
fs.writeFileSync(path.join(root, 'docs/performance.md'), md.replace(/\n{3,}/g, '\n\n'));
fs.writeFileSync(path.join(root, 'docs/performance-fanout.svg'), fanoutPlot(lines));
