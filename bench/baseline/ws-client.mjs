// The node-ws client kind of bench/: the clients of client-group.mjs on npm `ws`, all in this
// process, as an ordinary Node user would write them (one `new WebSocket(url)` per client,
// JSON.parse per frame, acks at 100 ids or 50 ms, no tuning). client-run.mjs drives them:
// the same flags and JSON line as build/chat-actors-loadgen's fanout and latency modes,
// with "client":"node-ws".
//
// Usage: node bench/baseline/ws-client.mjs --mode fanout|latency --url ws://HOST:PORT [options]
// A wss:// URL speaks TLS (accounts over https too) and verifies the server's certificate as
// Node does: a self-signed one is trusted through NODE_EXTRA_CA_CERTS (bench/run sets it).
// Exit status: 0 ok, 1 failed or timed out (the JSON line says why), 2 bad command line.
import WebSocket from 'ws';
import { createGroup } from './client-group.mjs';
import { epochMs, runClient } from './client-run.mjs';

await runClient({
  kind: 'node-ws',
  script: 'ws-client.mjs',
  startGroups({ setup, clients, opt: { host, sourceAddrs }, out }) {
    const group = createGroup({
      ...setup, clients, lo: 0, WebSocket,
      now: () => (performance.timeOrigin - epochMs + performance.now()) * 1e6,
      // 127.0.0.0/8 is all loopback: spread sockets over several source
      // addresses, since one runs short of ports near 14k connections.
      socketArgs: (i) => (host.startsWith('127.') && sourceAddrs > 1
        ? [{ localAddress: `127.0.0.${1 + (i % sourceAddrs)}` }] : []),
      onSocket: (ws) => ws.once('upgrade', (res) => { // what TLS negotiated, for the report
        if (!res.socket.getProtocol) return;
        out.tls_version ??= res.socket.getProtocol();
        out.tls_cipher ??= res.socket.getCipher()?.name;
      }),
    });
    // The driver awaits every call, as it must for a group a page away.
    return [Object.fromEntries(Object.entries(group).map(([name, f]) => [name, async (...a) => f(...a)]))];
  },
});
