// The client kinds side by side (issue 18): the same fan-out and steady-rate
// runs driven by the loadgen's own framing ("own"), by Beast's
// websocket::stream read loop ("beast"), by npm ws ("node-ws") and by
// headless chromium ("browser"), each against chat-actors and the ws
// baseline in the same run. A server whose cost depends on how its clients
// read shows here, not in the own rows. The browser takes a slower steady
// rate (what one chromium keeps up with on the bench box): each kind's
// steady-rate runs are the shared configuration's if it ran it, else its own.
import { fanoutMedians, kindOf, latencyMedians } from './report_pick.mjs';

/// The kinds present in `lines`, own first.
export function kindsIn(lines) {
  const order = ['own', 'beast', 'node-ws', 'browser'];
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

/// The median runs of one kind at the shared configurations (its own
/// steady rate if it did not run the shared one):
/// { fanChat, fanRaw, latChat, latRaw } (undefined where not run).
export function kindRuns(lines, kind) {
  const { fanoutClients, latencyKey } = sharedConfigs(lines);
  const fan = fanoutMedians(lines).filter((l) => l && kindOf(l) === kind && l.clients === fanoutClients);
  const mine = latencyMedians(lines).filter((l) => l && kindOf(l) === kind);
  const key = (l) => `${l.clients}@${l.rate}`;
  const latKey = mine.some((l) => key(l) === latencyKey) ? latencyKey : mine.map(key)[0];
  const lat = mine.filter((l) => key(l) === latKey);
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
      + `| ${fmt(r?.cpu_s_per_million, 2)} | ${lc ? `${fmt(lc.clients)} x ${fmt(lc.rate)}` : 'n/a'} `
      + `| ${ms(lc?.p99_ms)}${failed(lc)} | ${ms(lr?.p99_ms)}${failed(lr)} `
      + `| ${fmt(lc?.cpu_s_per_million, 2)} | ${fmt(lr?.cpu_s_per_million, 2)} |`;
  });
  const [n, rate] = (latencyKey ?? '?@?').split('@');
  const browser = kinds.includes('browser') ? kindRuns(lines, 'browser').fanChat : undefined;
  return `## Client kinds side by side

The same runs with four clients: **own** (\`chat-actors-loadgen\`, our framing:
one read per burst, acks every 10 ms), **beast** (\`chat-actors-loadgen --client
beast\`: Beast's \`websocket::stream\`, one \`async_read\` per message into a
\`flat_buffer\`, acks every 50 ms or 100 ids, one source address), **node-ws**
(\`bench/baseline/ws-client.mjs\`: npm \`ws\`, \`JSON.parse\` per frame, acks every
50 ms or 100 ids) and **browser** (\`bench/baseline/browser-client.mjs\`: the
same app code in headless chromium pages of up to 250 clients, one chromium
each, on the browser's own \`WebSocket\`, unautomated). Fan-out:
${fmt(fanoutClients)} clients x 1 message; steady rate: ${fmt(Number(n))} clients at
${fmt(Number(rate))} msgs/s, or the kind's own rate where it shows one. Each cell is
the median run of its configuration; CPU is the server's, per million
deliveries (fan-out: barrier to last delivery; steady rate: the measured
seconds).${browser ? `

The browser is the slowest part of its runs: chromium spent
${fmt(browser.browser_cpu_s, 1)} CPU s on the chat-actors fan-out (about
${fmt((browser.browser_cpu_s * 1e6) / browser.deliveries, 0)} us per delivery, on the
box's 2 cores beside the server), so both servers' fan-out rates with it are
the browsers' rate, and its steady rate is what one chromium keeps up with
(200 clients x 25 msgs/s = 5k deliveries/s; at 10k/s it keeps up with the
baseline's bare bodies but not with chat frames and their acks). Its server
CPU per million deliveries and its p99 against the baseline's are what it
measures of the server.` : ''}

| client | chat-actors fan-out deliveries/s | ws fan-out deliveries/s | ratio | chat-actors CPU s/M | ws CPU s/M | steady rate clients x msgs/s | chat-actors p99 ms | ws p99 ms | chat-actors CPU s/M, steady | ws CPU s/M |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
