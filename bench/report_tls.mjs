// The report's TLS section (issue 19): bench/run's TLS set runs the same
// node-ws fan-out and steady-rate runs against chat-actors over ws:// and
// over wss:// ([tls] on the HTTP port), taking turns in one run, so the
// ratio is what TLS costs on this box and nothing else.
import { fanoutMedians, latencyMedians } from './report_pick.mjs';

/// The median runs of the TLS set, over TLS (`tls`) or plain:
/// { fan, lat } (undefined where not run).
export function tlsRuns(lines, tls) {
  const side = lines.filter((l) => Boolean(l.server_tls) === tls);
  return { fan: fanoutMedians(side)[0], lat: latencyMedians(side)[0] };
}

/// The markdown of the TLS section; empty without a TLS set. `fmt`, `ms`,
/// `ratio` and `failed` are the report's number helpers.
export function tlsSection(lines, { fmt, ms, ratio, failed }) {
  if (!lines.some((l) => l.server_tls)) return '';
  const plain = tlsRuns(lines, false);
  const tls = tlsRuns(lines, true);
  const row = (what, run, value, show) => {
    const [p, t] = [value(plain[run]), value(tls[run])];
    return `| ${what} | ${show(p)}${failed(plain[run])} | ${show(t)}${failed(tls[run])} | ${ratio(t, p)} |`;
  };
  const cpu = (v) => fmt(v, 2);
  const fan = plain.fan ?? tls.fan;
  const lat = plain.lat ?? tls.lat;
  const tlsLine = tls.fan ?? tls.lat;
  return `## TLS against plain

The same chat-actors binary and config, once as is and once with \`[tls]
cert_file\` / \`key_file\` (a self-signed RSA 2048 certificate made by bench/run
with openssl; negotiated: ${tlsLine?.tls_version ?? 'n/a'}, ${tlsLine?.tls_cipher ?? 'n/a'}), driven by the node-ws client
(\`bench/baseline/ws-client.mjs\`, npm \`ws\` over Node's TLS, trusting the
certificate through \`NODE_EXTRA_CA_CERTS\`), plain and TLS runs taking turns.
Fan-out: ${fmt(fan?.clients)} clients x ${fmt(fan?.messages)} message; steady rate:
${fmt(lat?.clients)} clients at ${fmt(lat?.rate)} msgs/s. Each cell is the median run;
CPU is the server's (utime + stime) per million deliveries, over the same
window as above. The handshakes happen before the measured window. The
client is one Node thread that decrypts every frame too, so a fan-out's
deliveries/s can be the client's limit; the server's CPU per million is
the server's own cost.

| metric | plain (ws://) | TLS (wss://) | TLS / plain |
|---|---|---|---|
${[
    row('fan-out deliveries/s', 'fan', (l) => l?.deliveries_per_s, fmt),
    row('fan-out server CPU s per million', 'fan', (l) => l?.cpu_s_per_million, cpu),
    row('fan-out p99 ms', 'fan', (l) => l?.p99_ms, ms),
    row('steady rate p99 ms', 'lat', (l) => l?.p99_ms, ms),
    row('steady rate server CPU s per million', 'lat', (l) => l?.cpu_s_per_million, cpu),
  ].join('\n')}
`;
}
