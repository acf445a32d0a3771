// The chat view's controller: server frames in (socket.js), the store
// updated (conversations.js), the DOM redrawn once per animation frame
// (render.js, sidebar.js), user actions out as requests.
//
// Delivery rules it keeps (docs/protocol.md): every `message` and `direct`
// is added by id (so a replayed copy shows once) and then acked in batches;
// history pages are only shown, never acked.

import { api, socketUrl } from "./api.js";
import { ChatSocket } from "./socket.js";
import { Store } from "./conversations.js";
import { renderMembers, renderMessages } from "./render.js";
import { OFFER_MAX, renderSidebar } from "./sidebar.js";
import { plainError, USER_NAME } from "./format.js";
import { bindControls } from "./controls.js";

const WHO_REFRESH_MS = 20000; // online dots: presence events carry joins and leaves only
const CURRENT_KEY = "chat.current";
const DMS_KEY = "chat.dms";

export class Chat {
  constructor(dom, session, onEnd) {
    this.dom = dom;
    this.session = session; // {token, user_id, name}
    this.onEnd = onEnd; // (text) => back to the login form
    this.store = new Store();
    this.nextLocal = 1;
    this.drawQueued = false;
    this.socket = new ChatSocket({
      url: socketUrl(session.token),
      checkToken: () => api.me(session.token).then(() => true,
        (err) => (err.status === 401 ? false : null)),
      onFrame: (f) => this.onFrame(f),
      onStatus: (state, detail) => this.showStatus(state, detail),
      onAuthLost: (text) => this.end(text),
    });
    this.unbind = bindControls(this, dom);
    this.whoTimer = setInterval(() => this.refreshWho(), WHO_REFRESH_MS);
  }

  start() {
    // The frame limit: longer messages are refused here, since the server's
    // too_large error cannot name the request it refuses.
    this.maxFrameBytes = Infinity;
    api.info().then((info) => { this.maxFrameBytes = info.max_frame_bytes; }, () => {});
    this.store.restoreDms(sessionStorage.getItem(DMS_KEY));
    this.dom.meName.textContent = this.session.name;
    this.socket.start();
    this.draw();
  }

  /** Stops everything this view started; the caller shows the login form. */
  end(text) {
    clearInterval(this.whoTimer);
    this.unbind();
    this.socket.stop();
    sessionStorage.removeItem(DMS_KEY);
    sessionStorage.removeItem(CURRENT_KEY);
    this.onEnd(text);
  }

  async logout() {
    this.socket.flushAcks();
    await api.logout(this.session.token).catch(() => {});
    this.end("You logged out.");
  }

  showStatus(state, detail) {
    const text = {
      connecting: "connecting…",
      online: "connected",
      waiting: `offline: retrying in ${Math.ceil((detail ?? 0) / 1000)} s`,
      stopped: "offline",
    }[state];
    this.dom.status.textContent = text;
    this.dom.status.dataset.state = state;
  }

  onFrame(f) {
    const handler = {
      welcome: () => this.welcome(f),
      message: () => this.deliver(this.store.room(f.room), f),
      direct: () => this.deliver(this.store.dm(this.peerOf(f)), f),
      presence: () => this.presence(f),
      truncated: () => this.store.room(f.room).addLine("notice",
        "Older messages were cut while you were away: scroll up to load them."),
      error: () => f.ref === undefined && this.showError(plainError(f)),
    }[f.type];
    if (handler) {
      handler();
      this.draw();
    }
  }

  welcome(f) {
    this.store.me = { user_id: f.user_id, name: f.name, channel: f.channel };
    this.refreshRooms().then(() => {
      if (!this.store.current || !this.store.get(this.store.current)) {
        const saved = sessionStorage.getItem(CURRENT_KEY);
        this.open(this.store.get(saved) ? saved : `room:${f.channel}`);
      } else {
        this.refreshWho();
      }
    });
  }

  // A direct's conversation is named for its sender (the server sends the
  // sender no copy, so every incoming direct is from the partner).
  peerOf(f) {
    return f.from.name;
  }

  deliver(conv, f) {
    const fresh = conv.addMessage({ id: f.id, seq: f.seq, ts: f.ts, from: f.from, body: f.body });
    this.socket.ack(f.id);
    if (!fresh) return;
    const mine = f.from.user_id === this.session.user_id;
    if (mine) {
      // A send whose "sent" was lost with the socket came back by replay.
      const same = JSON.stringify(f.body);
      conv.pending = conv.pending.filter((p) => !(p.failed && JSON.stringify(p.body) === same));
    } else if (conv.key !== this.store.current || document.hidden) {
      conv.unread++;
    }
  }

  presence(f) {
    const conv = this.store.rooms.get(f.room);
    if (!conv) return;
    if (f.event === "join") conv.memberJoined(f.user);
    else conv.memberLeft(f.user);
    conv.addLine("presence", `${f.user.name} ${f.event === "join" ? "joined" : "left"}`);
  }

  async refreshRooms() {
    try {
      // The user's rooms and a page of the others: a server with thousands
      // of users has thousands of channels, and the sidebar shows 30.
      const reply = await this.socket.request("rooms", undefined, { offer: OFFER_MAX });
      this.store.applyRoomList(reply.rooms, reply.more === true);
      this.draw();
    } catch { /* offline: the next welcome asks again */ }
  }

  async refreshWho() {
    const conv = this.store.get(this.store.current);
    if (!conv || conv.kind !== "room" || !this.socket.online) return;
    try {
      const reply = await this.socket.request("who", conv.name);
      conv.setMembers(reply.members);
      this.draw();
    } catch { /* left meanwhile, or offline */ }
  }

  open(key) {
    const conv = this.store.get(key);
    if (!conv) return;
    this.store.current = key;
    conv.unread = 0;
    sessionStorage.setItem(CURRENT_KEY, key);
    this.showError("");
    this.dom.root.classList.remove("show-sidebar");
    if (conv.kind === "room") {
      if (conv.history.next === 0) this.loadHistory(conv);
      this.refreshWho();
    }
    this.draw();
    this.dom.input.focus();
  }

  async loadHistory(conv) {
    const h = conv.history;
    if (h.loading || !h.more || Date.now() < h.pausedUntil) return;
    h.loading = true;
    this.draw();
    try {
      const page = await api.history(this.session.token, conv.name, h.next);
      for (const m of page.messages) conv.addMessage(m);
      h.more = page.has_more;
      h.next++;
    } catch (err) {
      if (err.status === 401) return this.end("Your session has expired. Please log in again.");
      if (err.status === 403 || err.status === 404) h.more = false;
      else h.pausedUntil = Date.now() + 5000; // server unreachable: not in a loop
    } finally {
      h.loading = false;
      this.draw();
    }
  }

  send(text) {
    const conv = this.store.get(this.store.current);
    if (!conv || !text.trim()) return false;
    const frame = { action: "send", target: `@${conv.name}`, body: { text }, ref: "r0000000" };
    if (new TextEncoder().encode(JSON.stringify(frame)).length > this.maxFrameBytes) {
      this.showError(plainError({ code: "too_large" }));
      return false; // the text stays in the input, to be shortened
    }
    this.showError("");
    this.post(conv, { text });
    return true;
  }

  post(conv, body) {
    const p = { ref: `p${this.nextLocal++}`, body, ts: Date.now() };
    conv.pending.push(p);
    const target = conv.kind === "room" ? conv.name : `@${conv.name}`;
    this.socket.request(conv.kind === "room" ? "send" : "dm", target, body).then((sent) => {
      conv.pending = conv.pending.filter((x) => x !== p);
      // The room echo may come before or after "sent"; a direct has no echo.
      conv.addMessage({ id: sent.id, seq: sent.seq, ts: p.ts, from: this.store.me, body });
      this.draw();
    }, (err) => {
      if (err.code === "offline") p.failed = true;
      else {
        conv.pending = conv.pending.filter((x) => x !== p);
        this.showError(plainError(err));
      }
      this.draw();
    });
    this.draw();
  }

  retry(ref) {
    const conv = this.store.get(this.store.current);
    const p = conv?.pending.find((x) => x.ref === ref);
    if (!p) return;
    conv.pending = conv.pending.filter((x) => x !== p);
    this.post(conv, p.body);
  }

  async join(name, body, onError) {
    try {
      const joined = await this.socket.request("join", name, body);
      const conv = this.store.room(joined.room);
      conv.setMembers(joined.members);
      this.store.publicRooms = this.store.publicRooms.filter((r) => r.name !== joined.room);
      this.open(conv.key);
      return true;
    } catch (err) {
      onError(err);
      return false;
    }
  }

  async leave() {
    const conv = this.store.get(this.store.current);
    if (!conv || conv.kind !== "room") return;
    try {
      await this.socket.request("leave", conv.name);
      this.store.dropRoom(conv.name);
      this.open(`room:${this.store.me.channel}`);
      this.refreshRooms();
    } catch (err) {
      this.showError(plainError(err));
    }
  }

  openDm(name) {
    const peer = name.replace(/^@/, "");
    if (!USER_NAME.test(peer)) return false;
    this.open(this.store.dm(peer).key);
    return true;
  }

  showError(text) {
    this.dom.composerError.textContent = text;
  }

  /** Redraws once per animation frame however many frames arrived. */
  draw() {
    if (this.drawQueued) return;
    this.drawQueued = true;
    // Background tabs get no animation frames; their title still counts unread.
    const later = document.hidden ? (f) => setTimeout(f, 100) : requestAnimationFrame;
    later(() => {
      this.drawQueued = false;
      const conv = this.store.get(this.store.current);
      if (conv && !document.hidden) conv.unread = 0;
      sessionStorage.setItem(DMS_KEY, this.store.dmSnapshot());
      renderSidebar(this.store, this.dom);
      renderMessages(this.dom.messages, conv, this.store.me);
      // Still at the top (or nothing to scroll yet): the reader wants older pages.
      if (conv?.kind === "room" && this.dom.messages.scrollTop < 60) this.loadHistory(conv);
      renderMembers(this.dom.memberList, conv);
      this.dom.title.textContent = !conv ? "…" : conv.kind === "room" ? conv.name : `@${conv.name}`;
      this.dom.leave.hidden = !conv || conv.kind !== "room" || conv.name === this.store.me?.channel;
      this.dom.membersButton.hidden = !conv || conv.kind !== "room";
    });
  }
}
