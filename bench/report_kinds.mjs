// The client kinds side by side (issue 18): the same fan-out and steady-rate
// runs driven by the loadgen's own framing ("own"), by Beast's
// websocket::stream read loop ("beast") and by npm ws ("node-ws"), each
// against chat-actors and the ws baseline in the same run. A server whose
// cost depends on how its clients read shows here, not in the own rows.
import { fanoutMedians, kindOf, latencyMedians } from './report_pick.mjs';

/// The kinds present in `lines`, own first.
export function kindsIn(lines) {
  const order = ['own', 'beast', 'node-ws'];
  return [...new Set(lines.map(kindOf))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/// The fan-out size and latency configuration the kinds share: the largest
/// fan-out and the 500 msgs/s latency run that more than one kind ran.
export function sharedConfigs(lines) {
  const multi = (mode, keyOf) => {
    const kinds = new Map();
    for (const l of lines.filter((x) => x.mode === mode))
      kinds.set(keyOf(l), new Set([...(kinds.get(keyOf(l)) ?? []), kindOf(l)]));
    return [...kinds].filter(([, k]) => k.size > 1).map(([key]) => key);
  };
  const sizes = multi('fanout', (l) => l.clients).sort((a, b) => b - a);
  const lats = multi('latency', (l) => `${l.clients}@${l.rate}`);
  return { fanoutClients: sizes[0], latencyKey: lats[0] };
}

/// The median runs of one kind at the shared configurations:
/// { fanChat, fanRaw, latChat, latRaw } (undefined where not run).
export function kindRuns(lines, kind) {
  const { fanoutClients, latencyKey } = sharedConfigs(lines);
  const fan = fanoutMedians(lines).filter((l) => l && kindOf(l) === kind && l.clients === fanoutClients);
  const lat = latencyMedians(lines)
    .filter((l) => l && kindOf(l) === kind && `${l.clients}@${l.rate}` === latencyKey);
  return {
    fanChat: fan.find((l) => l.target === 'chat'),
    fanRaw: fan.find((l) => l.target === 'raw'),
    latChat: lat.find((l) => l.target === 'chat'),
    latRaw: lat.find((l) => l.target === 'raw'),
  };
}

export function kindsSection(lines, { fmt, ms, ratio, failed }) {
  const kinds = kindsIn(lines.filter((l) => l.mode === 'fanout' || l.mode === 'latency'));
  const { fanoutClients, latencyKey } = sharedConfigs(lines);
  if (kinds.length < 2 || (!fanoutClients && !latencyKey)) return '';
  const rows = kinds.map((kind) => {
    const { fanChat: c, fanRaw: r, latChat: lc, latRaw: lr } = kindRuns(lines, kind);
    return `| ${kind} | ${fmt(c?.deliveries_per_s)}${failed(c)} | ${fmt(r?.deliveries_per_s)}${failed(r)} `
      + `| ${ratio(c?.deliveries_per_s, r?.deliveries_per_s)} | ${fmt(c?.cpu_s_per_million, 2)} `
      + `| ${fmt(r?.cpu_s_per_million, 2)} | ${ms(lc?.p99_ms)}${failed(lc)} | ${ms(lr?.p99_ms)}${failed(lr)} `
      + `| ${fmt(lc?.cpu_s_per_million, 2)} | ${fmt(lr?.cpu_s_per_million, 2)} |`;
  });
  const [n, rate] = (latencyKey ?? '?@?').split('@');
  return `## Client kinds side by side

The same runs with three clients: **own** (\`chat-actors-loadgen\`, our framing:
one read per burst, acks every 10 ms), **beast** (\`chat-actors-loadgen --client
beast\`: Beast's \`websocket::stream\`, one \`async_read\` per message into a
\`flat_buffer\`, acks every 50 ms or 100 ids, one source address) and **node-ws**
(\`bench/baseline/ws-client.mjs\`: npm \`ws\`, \`JSON.parse\` per frame, acks every
50 ms or 100 ids). Fan-out: ${fmt(fanoutClients)} clients x 1 message; steady
rate: ${fmt(Number(n))} clients at ${fmt(Number(rate))} msgs/s. Each cell is the
median run of its configuration; CPU is the server's, per million deliveries
(fan-out: barrier to last delivery; steady rate: the measured seconds).

| client | chat-actors fan-out deliveries/s | ws fan-out deliveries/s | ratio | chat-actors CPU s/M | ws CPU s/M | chat-actors p99 ms at ${fmt(Number(rate))}/s | ws p99 ms | chat-actors CPU s/M at ${fmt(Number(rate))}/s | ws CPU s/M |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
