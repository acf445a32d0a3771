// One logical connection to the server that outlives its WebSockets: it
// reconnects with exponential backoff and jitter, matches replies to
// requests by `ref`, and batches acks (docs/protocol.md, "Delivery").
//
// Callbacks: onFrame(frame) for every server frame, onStatus(state, detail)
// with state "connecting" | "online" | "waiting" | "stopped", and
// onAuthLost(text) once the token is no longer good (the socket then stops).

import { backoffDelay } from "./format.js";

const ACK_DELAY_MS = 250; // acks wait this long to travel together
const ACK_BATCH_MAX = 200;

export class ChatSocket {
  constructor({ url, checkToken, onFrame, onStatus, onAuthLost }) {
    this.url = url;
    this.checkToken = checkToken; // async () => true | false | null (unknown)
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.onAuthLost = onAuthLost;
    this.ws = null;
    this.attempt = 0;
    this.nextRef = 1;
    this.pending = new Map(); // ref -> {resolve, reject}
    this.acks = new Set();
    this.ackTimer = null;
    this.retryTimer = null;
    this.stopped = false;
    this.welcomed = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
    this.failPending("stopped");
    this.onStatus("stopped");
  }

  get online() {
    return this.welcomed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with the reply frame, rejects with an error frame. */
  request(action, target, body) {
    if (!this.online) return Promise.reject({ code: "offline", message: "not connected" });
    const ref = `r${this.nextRef++}`;
    const frame = { action, ref };
    if (target !== undefined) frame.target = target;
    if (body !== undefined) frame.body = body;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify(frame));
    });
  }

  /** Queues an ack for a shown message; acks leave in batches. */
  ack(id) {
    this.acks.add(id);
    if (this.acks.size >= ACK_BATCH_MAX) return this.flushAcks();
    if (!this.ackTimer) this.ackTimer = setTimeout(() => this.flushAcks(), ACK_DELAY_MS);
  }

  flushAcks() {
    clearTimeout(this.ackTimer);
    this.ackTimer = null;
    // Acks for a dead socket are dropped: the server replays what was not
    // acked, and the client acks it again when it shows up.
    if (!this.acks.size || !this.online) return;
    const ids = [...this.acks];
    this.acks.clear();
    this.ws.send(JSON.stringify({ action: "ack", body: { ids } }));
  }

  connect() {
    if (this.stopped) return;
    this.welcomed = false;
    this.onStatus("connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (ws !== this.ws) return; // an old socket closing late
      this.closed(ev);
    };
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return; // the server only sends JSON; ignore anything else
    }
    if (frame.type === "welcome") {
      this.welcomed = true;
      this.attempt = 0;
      this.onStatus("online");
    }
    if (frame.ref !== undefined && this.pending.has(frame.ref)) {
      const { resolve, reject } = this.pending.get(frame.ref);
      this.pending.delete(frame.ref);
      if (frame.type === "error") reject(frame);
      else resolve(frame);
    }
    this.onFrame(frame);
  }

  async closed(ev) {
    const wasWelcomed = this.welcomed;
    this.welcomed = false;
    this.ws = null;
    this.failPending("connection lost");
    if (this.stopped) return;
    if (ev.code === 1008) {
      // Logout elsewhere or token expiry: the server said so in the reason.
      return this.authLost(/logged out/.test(ev.reason)
        ? "You were logged out."
        : "Your session has expired. Please log in again.");
    }
    if (!wasWelcomed) {
      // A refused upgrade looks like any failed connect (1006); ask the
      // HTTP API whether the token is the reason.
      const good = await this.checkToken();
      if (this.stopped) return;
      if (good === false) return this.authLost("Your session has expired. Please log in again.");
    }
    const delay = backoffDelay(this.attempt++);
    this.onStatus("waiting", delay);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  authLost(text) {
    this.stop();
    this.onAuthLost(text);
  }

  failPending(why) {
    for (const { reject } of this.pending.values()) reject({ code: "offline", message: why });
    this.pending.clear();
  }
}
