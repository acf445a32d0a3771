// Which run stands for a configuration that bench/run repeats (fan-out):
// the one with the median deliveries/s, so one noisy minute on a shared
// box neither makes nor breaks a row. Failed runs count as the slowest.

const rate = (l) => (l.ok ? l.deliveries_per_s ?? 0 : -1);

/// The median run of `runs` by deliveries/s (the lower middle one for an
/// even count); undefined for none.
export function medianRun(runs) {
  if (!runs.length) return undefined;
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/// One run per (target, clients) of the fan-out lines: the median one.
export function fanoutMedians(lines) {
  const groups = new Map();
  for (const l of lines.filter((x) => x.mode === 'fanout')) {
    const key = `${l.target}/${l.clients}/${l.messages}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return [...groups.values()].map(medianRun);
}
