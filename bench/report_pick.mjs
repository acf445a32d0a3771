// Which run stands for a configuration that bench/run repeats (fan-out,
// latency and durable sends): the median one, so one noisy minute on a
// shared box neither makes nor breaks a row. Failed runs count as the worst.

const rate = (l) => (l.ok ? l.deliveries_per_s ?? 0 : -1);
const tail = (l) => (l.ok && Number.isFinite(l.p99_ms) ? l.p99_ms : Infinity);
const confirmed = (l) => (l.ok ? l.confirmed_per_s ?? 0 : -1);

// The middle of `runs` sorted by `score`; for an even count the lower of the
// two middle ones, or the upper if `upper`. Undefined for none.
function middleBy(runs, score, upper = false) {
  if (!runs.length) return undefined;
  const sorted = [...runs].sort((a, b) => score(a) - score(b));
  return sorted[Math.floor((sorted.length - (upper ? 0 : 1)) / 2)];
}

/// The median run of `runs` by deliveries/s (the slower middle one for an
/// even count); undefined for none.
export const medianRun = (runs) => middleBy(runs, rate);

/// The median run of `runs` by p99 latency (the worse middle one for an
/// even count); undefined for none.
export const medianLatencyRun = (runs) => middleBy(runs, tail, true);

// The lines of `mode`, grouped by `keyOf`, in first-seen order.
function groups(lines, mode, keyOf) {
  const out = new Map();
  for (const l of lines.filter((x) => x.mode === mode))
    out.set(keyOf(l), [...(out.get(keyOf(l)) ?? []), l]);
  return [...out.values()];
}

/// The client kind of a line: "own" (the loadgen's own framing, also lines
/// from before client kinds existed), "beast", "node-ws" or "browser".
export const kindOf = (l) => l.client ?? 'own';

/// One run per (target, client kind, clients, messages) of the fan-out
/// lines: the median one.
export function fanoutMedians(lines) {
  return groups(lines, 'fanout', (l) => `${l.target}/${kindOf(l)}/${l.clients}/${l.messages}`)
    .map(medianRun);
}

/// One run per (target, client kind, clients, rate) of the latency lines:
/// the median one.
export function latencyMedians(lines) {
  return groups(lines, 'latency', (l) => `${l.target}/${kindOf(l)}/${l.clients}/${l.rate}`)
    .map(medianLatencyRun);
}

/// The durable lines grouped by (target, synchronous, clients, window), each
/// group in run order.
export const durableGroups = (lines) =>
  groups(lines, 'durable', (l) => `${l.target}/${l.synchronous}/${l.clients}/${l.window}`);

/// The median run of durable runs by confirmed/s (the slower middle one for
/// an even count).
export const medianDurableRun = (runs) => middleBy(runs, confirmed);

/// One run per configuration of the durable lines: the median one.
export const durableMedians = (lines) => durableGroups(lines).map(medianDurableRun);
