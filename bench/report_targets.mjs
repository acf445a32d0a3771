// The issue's targets table, judged against the JSON lines of one run.
// A target is judged only on the configuration it names; otherwise "not run".

import { kindRuns, kindsIn } from './report_kinds.mjs';
import { durableMedians, kindOf, latencyMedians } from './report_pick.mjs';

const pass = (ok) => (ok ? 'pass' : '**FAIL**');
const num = (v, d = 2) => (v === null || v === undefined ? 'n/a' : Number(v).toFixed(d));

/** A latency run's achieved share of the offered deliveries/s, in percent (null if none offered). */
export const achievedPercent = (l) =>
  (l.offered_deliveries_per_s ? (100 * l.achieved_deliveries_per_s) / l.offered_deliveries_per_s : null);

// One row. `value(l...)` gives the measured text and the numbers to judge.
function row(metric, must, goal, found, judge) {
  if (found.some((l) => !l)) {
    return { metric, must, goal, measured: 'not run', mustResult: 'not run', goalResult: 'not run' };
  }
  const bad = found.find((l) => !l.ok);
  const { measured, mustOk, goalOk } = judge(...found);
  const note = bad ? ` (run failed: ${bad.error ?? 'see the JSON line'})` : '';
  return {
    metric, must, goal, measured: measured + note,
    mustResult: pass(mustOk && !bad), goalResult: pass(goalOk && !bad),
  };
}

export function targetRows(lines) {
  const get = (mode, target, pred) =>
    lines.find((l) => l.mode === mode && l.target === target && pred(l));
  // Issue 18: the fan-out and steady-rate targets hold with every client
  // kind, each judged on its own runs against the ws baseline's runs with the
  // same kind (the median run of each configuration stands for it).
  const kinds = kindsIn(lines.filter((l) => l.mode === 'fanout' || l.mode === 'latency'));
  const perKind = (kinds.length ? kinds : ['own']).flatMap((kind) => {
    // Judged only on the target configurations (a --quick run has neither).
    const runs = kindRuns(lines, kind);
    // The browser's steady rate is what one chromium keeps up with (5k
    // deliveries/s), and its fan-out rate is the browsers' own for either
    // server (report_kinds.mjs says why): it is judged on the server's CPU
    // and on p99 at its own rate.
    const browser = kind === 'browser';
    const latRate = browser ? 25 : 500;
    const fanAt = (l) => (l && l.clients === 1000 ? l : undefined);
    const latAt = (l) => (l && l.clients === 200 && l.rate === latRate ? l : undefined);
    const [fanChat, fanRaw] = [fanAt(runs.fanChat), fanAt(runs.fanRaw)];
    const [latChat, latRaw] = [latAt(runs.latChat), latAt(runs.latRaw)];
    return [
      ...(browser ? [] : [row(`${kind}: 1000 clients x 1 message in one room, deliveries/s vs the ws baseline`,
        '>= 1.5x', '>= 3x', [fanChat, fanRaw], (c, r) => {
          const x = c.deliveries_per_s / r.deliveries_per_s;
          const clean = c.missing === 0 && c.duplicates === 0;
          return {
            measured: `${num(x)}x (${Math.round(c.deliveries_per_s)} vs ${Math.round(r.deliveries_per_s)}/s; missing ${c.missing}, dup ${c.duplicates})`,
            mustOk: x >= 1.5 && clean,
            goalOk: x >= 3 && clean,
          };
        })]),
      row(`${kind}: server CPU seconds per million deliveries, 1000 clients x 1 message`, '<= 2.0', '<= 1.0',
        [fanChat], (c) => ({
          measured: num(c.cpu_s_per_million),
          mustOk: c.cpu_s_per_million !== null && c.cpu_s_per_million <= 2.0,
          goalOk: c.cpu_s_per_million !== null && c.cpu_s_per_million <= 1.0,
        })),
      row(`${kind}: p99 latency, 200 clients at ${latRate} msgs/s (${latRate / 5}k deliveries/s), vs the ws baseline's p99`,
        '<= 2x ws', '<= ws', [latChat, latRaw], (c, r) => ({
          measured: `${num(c.p99_ms)} vs ${num(r.p99_ms)} ms (missing ${c.missing})`,
          mustOk: c.p99_ms <= 2 * r.p99_ms && c.missing === 0,
          goalOk: c.p99_ms <= r.p99_ms && c.missing === 0,
        })),
    ];
  });
  const lats = latencyMedians(lines.filter((l) => kindOf(l) === 'own'));
  const lat2000 = lats.find((l) => l.target === 'chat' && l.clients === 200 && l.rate === 2000);
  const idle = get('idle', 'chat', (l) => l.clients === 19000);
  const full = durableMedians(lines).find((l) => l.target === 'chat' && l.synchronous === 'full');
  return [
    ...perKind,
    row('own: 200 clients at 2,000 msgs/s (400k deliveries/s offered)',
      '>= 95% achieved, p99 <= 100 ms', 'p99 <= 10 ms', [lat2000], (l) => {
        const pct = achievedPercent(l);
        return {
          measured: `${num(pct, 1)}% achieved, p99 ${num(l.p99_ms)} ms (missing ${l.missing})`,
          mustOk: pct >= 95 && l.p99_ms <= 100 && l.missing === 0,
          goalOk: pct >= 95 && l.p99_ms <= 10 && l.missing === 0,
        };
      }),
    row('server memory per idle authenticated connection (RSS delta / N), N = 19,000',
      '<= 10 KiB', '<= 8 KiB', [idle], (l) => ({
        measured: `${num(l.rss_kib_per_conn)} KiB`,
        mustOk: l.rss_kib_per_conn !== null && l.rss_kib_per_conn <= 10,
        goalOk: l.rss_kib_per_conn !== null && l.rss_kib_per_conn <= 8,
      })),
    row('idle connections held (20,000 open files per process on this box)', '19,000', '19,000',
      [idle], (l) => ({
        measured: `${l.connections_at_end ?? 0} held for ${l.held_after_s} s`,
        mustOk: (l.connections_at_end ?? 0) >= 19000,
        goalOk: (l.connections_at_end ?? 0) >= 19000,
      })),
    row('durably confirmed messages/s ("sent"), synchronous = full', '>= 60k/s', '>= 100k/s',
      [full], (l) => ({
        measured: `${Math.round(l.confirmed_per_s)}/s (p99 ${num(l.confirm_p99_ms)} ms, ${l.clients} clients x ${l.window} in flight`
          + `${l.cpu_us_per_confirmed ? `, ${num(l.cpu_us_per_confirmed, 1)} server CPU us each` : ''})`,
        mustOk: l.confirmed_per_s >= 60000,
        goalOk: l.confirmed_per_s >= 100000,
      })),
  ];
}

// The ws baseline keeps up with 100k deliveries/s on a normal minute
// (99.9% or more achieved). When its median run at that rate falls short,
// the box was slow during the run (this VM's speed drifts), and the
// latency rows say more about the box than about chat-actors: the report
// says so under the table. Empty when the baseline kept up or did not run.
export function slowBoxNote(lines) {
  const raw = latencyMedians(lines.filter((l) => kindOf(l) === 'own')).find((l) => l.target === 'raw' && l.clients === 200 && l.rate === 500);
  if (!raw || !raw.ok) return '';
  const pct = achievedPercent(raw);
  if (pct === null || pct >= 98) return '';
  return `**The box was slow during this run:** the ws baseline reached only ${num(pct, 1)}% of the ` +
    `100k deliveries/s offered (it keeps up on a normal minute), so the latency rows measure the box ` +
    `as much as chat-actors. bench/profile.md has runs of both kinds.`;
}

// The ws baseline's CPU per million deliveries in the 1000 x 1 fan-out is
// steady with each client kind on a normal hour (10-11 s with the Beast
// client). When its own runs of a configuration spread by more than a
// third, the box's speed swung while that configuration ran, and the
// chat-actors CPU row of that kind (an absolute number, unlike the ratios)
// swung with it: the report says so under the table, with both servers'
// runs, so a reader can tell a slow spell from a regression. Empty when
// every kind's baseline runs agree.
export function cpuSwingNote(lines) {
  const fan = (kind, target) => lines
    .filter((l) => l.mode === 'fanout' && l.ok && kindOf(l) === kind && l.target === target
      && l.clients === 1000 && l.messages === 1 && l.cpu_s_per_million > 0)
    .map((l) => l.cpu_s_per_million); // in run order: the servers took turns
  const notes = kindsIn(lines).flatMap((kind) => {
    const raw = fan(kind, 'raw');
    if (raw.length < 2 || Math.max(...raw) <= (4 / 3) * Math.min(...raw)) return [];
    const chat = fan(kind, 'chat');
    return [`with the ${kind} client the ws baseline's runs took ${raw.map((v) => num(v)).join(', ')} ` +
      `and chat-actors' ${chat.map((v) => num(v)).join(', ') || 'none'}`];
  });
  if (!notes.length) return '';
  return '**The box\'s speed swung during a fan-out configuration:** in the 1000 x 1 fan-out, ' +
    `server CPU s per million deliveries in run order, ${notes.join('; ')}. The baseline's own spread is the box's, ` +
    'so the chat-actors CPU row of that client carries it too (its median run stands in the table).';
}
