// The clients of the node-ws and browser kinds of bench/, written once for both: a group of
// them as an ordinary app would write them (one WebSocket each, JSON.parse per frame, acks
// gathered at 100 ids or 50 ms, JSON.stringify per send). It runs in Node on npm ws's
// WebSocket (ws-client.mjs) and inside a Chromium page on the browser's own
// (browser-client.mjs), so it uses nothing but the WebSocket class and the clock it is given,
// setTimeout and typed arrays: no imports, no Node or DOM APIs.
//
// A group holds the clients [lo, hi) of a run of n clients. The driver (client-run.mjs) asks
// it to connect, join, send and for its counts; the group counts every delivery itself
// (new, duplicate or foreign; latency; inside the steady-rate window or not), since one call
// per delivery from a page to the driver would cost more than the delivery.

export const ACK_BATCH = 100;
export const ACK_DELAY_MS = 50;
const CONNECTS_AT_ONCE = 128;
const MAX_NOTES = 8;

/**
 * options: { WebSocket, now (ns, a clock the driver shares), base ('ws://host:port'), chat
 * (the chat-actors protocol, or a raw broadcast server), room, n, lo, clients: [{i, token}]
 * for i = lo.., perClient (messages per sender the marker tells apart), socketArgs(i) (extra
 * constructor arguments), onSocket(ws) (a hook for what only Node can read) }.
 */
export function createGroup(options) {
  const { WebSocket, now, base, chat, room, n, lo, perClient } = options;
  const clients = options.clients.map(({ i, token }) => ({ i, token, ws: null, state: 'idle', ackIds: [], ackTimer: null }));
  const hi = lo + clients.length;
  const counts = { ready: 0, connectFailed: 0, joined: 0, presence: 0, errors: 0, closed: 0, ackFrames: 0,
    delivered: 0, duplicates: 0, foreign: 0, windowDeliveries: 0, measuredReceived: 0, sent: 0, measuredSent: 0 };
  const latencies = [];
  let lastFrameNs = 0, lastDeliveryNs = 0, notes = [], notesSeen = 0;
  let windowStart = Infinity, windowEnd = Infinity, sending = false;
  const note = (line) => { if (++notesSeen <= MAX_NOTES) notes.push(line.slice(0, 300)); };

  // One byte per (receiver here, sender, message index): tells new deliveries
  // from duplicates and from bodies that are not this run's ('foreign').
  const seen = new Uint8Array(clients.length * n * perClient);
  function onMessage(receiver, b, at) {
    if (!Number.isInteger(b?.c) || !Number.isInteger(b?.k) || b.c < 0 || b.c >= n || b.k < 0 || b.k >= perClient)
      return counts.foreign++;
    const slot = ((receiver - lo) * n + b.c) * perClient + b.k;
    if (seen[slot]) return counts.duplicates++;
    seen[slot] = 1;
    counts.delivered++;
    lastDeliveryNs = at;
    if (windowStart === Infinity) return latencies.push(at - b.t); // fan-out: every delivery
    if (at >= windowStart && at < windowEnd) counts.windowDeliveries++; // any message, received in the window
    if (b.t >= windowStart && b.t < windowEnd) { counts.measuredReceived++; latencies.push(at - b.t); }
  }

  function sendAcks(c) {
    clearTimeout(c.ackTimer);
    c.ackTimer = null;
    if (!c.ackIds.length || c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(JSON.stringify({ action: 'ack', body: { ids: c.ackIds } }));
    c.ackIds = [];
    counts.ackFrames++;
  }
  function onFrame(c, data) {
    const at = now();
    lastFrameNs = at;
    let frame;
    try { frame = JSON.parse(data); } catch { return note(`client ${c.i}: not JSON: ${data}`); }
    if (!chat) return onMessage(c.i, frame, at); // a raw server sends the bare bodies
    switch (frame.type) {
      case 'message': // a real client acks everything it receives
        c.ackIds.push(frame.id);
        if (c.ackIds.length >= ACK_BATCH) sendAcks(c);
        else if (!c.ackTimer) c.ackTimer = setTimeout(() => sendAcks(c), ACK_DELAY_MS);
        return onMessage(c.i, frame.body, at);
      case 'replayed': if (c.state === 'connecting') connected(c, true); return;
      case 'joined': if (c.state === 'joining') { c.state = 'joined'; counts.joined++; } return;
      case 'presence': counts.presence++; return;
      case 'error': counts.errors++; note(`client ${c.i}: ${data}`); return;
      default: // welcome, sent, acked: nothing to do
    }
  }

  let nextConnect = 0, connecting = 0;
  function connected(c, ok) {
    connecting--;
    if (ok) { c.state = 'ready'; counts.ready++; } else counts.connectFailed++;
    launchConnects();
  }
  function launchConnects() {
    // A bounded number of handshakes at once: thousands of SYNs at once
    // overflow the listen backlog and stall on retransmits.
    while (connecting < CONNECTS_AT_ONCE && nextConnect < clients.length) {
      const c = clients[nextConnect++];
      connecting++;
      c.state = 'connecting';
      c.ws = new WebSocket(chat ? `${base}/ws?token=${c.token}` : `${base}/`, ...(options.socketArgs?.(c.i) ?? []));
      options.onSocket?.(c.ws);
      c.ws.onopen = () => { if (!chat) connected(c, true); }; // chat: ready at `replayed`
      c.ws.onmessage = (event) => onFrame(c, event.data);
      c.ws.onerror = (event) => note(`client ${c.i}: ${event.message ?? 'socket error'}`);
      c.ws.onclose = (event) => {
        if (c.state === 'shutdown') return; // our own close at the end
        counts.closed++;
        note(`client ${c.i} closed: ${event.code}`);
        if (c.state === 'connecting') connected(c, false);
        c.state = 'closed';
      };
    }
  }

  const send = (c, body) => c.ws.send(JSON.stringify(chat ? { action: 'send', target: room, body } : body));
  // Steady rate: message s of the run (s = 0, 1, ...) leaves client s % n at
  // `start` + s / rate; this group sends the ones whose client it holds. A
  // 1 ms timer; each tick sends what is due by the clock, so late ticks catch up.
  function startLatency({ start, warmupS, seconds, rate, totalMsgs }) {
    [windowStart, windowEnd] = [start + warmupS * 1e9, start + (warmupS + seconds) * 1e9];
    const nextK = new Array(clients.length).fill(0);
    let next = 0; // the run's next message index
    sending = true;
    const tick = () => {
      const due = Math.min(totalMsgs, Math.floor(((now() - start) / 1e9) * rate));
      for (; next < due; next++) {
        const c = next % n;
        if (c < lo || c >= hi) continue;
        const t = now();
        if (t >= windowStart && t < windowEnd) counts.measuredSent++;
        counts.sent++;
        send(clients[c - lo], { t, c, k: nextK[c - lo]++ });
      }
      if (next >= totalMsgs || now() >= windowEnd) sending = false;
      else setTimeout(tick, 1);
    };
    tick();
  }

  return {
    connect() { launchConnects(); },
    join() { // max_members counts for the room's creator; the default 1000 is too few
      for (const c of clients) {
        c.state = 'joining';
        c.ws.send(JSON.stringify({ action: 'join', target: room, body: { max_members: 1000000 } }));
      }
    },
    /** Fan-out: every client sends m messages, round by round. */
    fanout(m) {
      for (let k = 0; k < m; k++)
        for (const c of clients) send(c, { t: now(), c: c.i, k });
    },
    startLatency,
    /** The counts so far, and the notes (problems worth printing) since the last call. */
    status() {
      const out = { ...counts, lastFrameNs, lastDeliveryNs, sending, notes };
      notes = [];
      return out;
    },
    latencies: () => latencies,
    close() { // done: drop every socket, no close handshake to wait for
      for (const c of clients) {
        c.state = 'shutdown';
        clearTimeout(c.ackTimer);
        if (c.ws) c.ws.terminate ? c.ws.terminate() : c.ws.close();
      }
    },
  };
}
