// What the client knows: one Conversation per room the user is in and per
// direct-message partner, each an ordered, id-deduplicated list of items.
// Pure data (no DOM), so tests/web checks ordering and dedupe under Node.
//
// Items: {kind:"message", id, seq?, ts, from, body, replay?} for chat,
// {kind:"presence" | "notice", text} for lines between them. Rooms order by
// seq, direct conversations by (ts, id number); a presence or notice line
// stays after the newest message known when it arrived.

const compareKeys = (a, b) => a[0] - b[0] || a[1] - b[1];

export class Conversation {
  constructor(kind, name) {
    this.kind = kind; // "room" | "dm"
    this.name = name; // room name, or the partner's user name
    this.key = `${kind}:${name}`;
    this.items = [];
    this.ids = new Set();
    this.pending = []; // {ref, body, ts, failed?}: sent, "sent" not yet back
    this.unread = 0;
    this.members = new Map(); // user_id -> {user_id, name, online}
    this.history = { next: 0, more: true, loading: false, pausedUntil: 0 };
    this.lineCount = 0;
    this.top = 0; // newest sort position seen
  }

  sortKey(msg) {
    if (this.kind === "room") return [msg.seq, 0];
    return [msg.ts, Number(String(msg.id).replace(/\D/g, "")) || 0];
  }

  /** Adds a message unless its id is known; returns whether it was new. */
  addMessage(msg) {
    if (this.ids.has(msg.id)) return false;
    this.ids.add(msg.id);
    const item = { ...msg, kind: "message", sort: this.sortKey(msg) };
    let i = this.items.length;
    while (i > 0 && compareKeys(this.items[i - 1].sort, item.sort) > 0) i--;
    this.items.splice(i, 0, item);
    if (item.sort[0] > this.top) this.top = item.sort[0];
    return true;
  }

  /** Adds a presence or notice line after everything known so far. */
  addLine(kind, text) {
    this.items.push({ kind, text, sort: [this.top, 1e9 + ++this.lineCount] });
  }

  /** The oldest message's seq (rooms), for "older messages" markers. */
  get oldestSeq() {
    const first = this.items.find((it) => it.kind === "message");
    return first ? first.seq : null;
  }

  setMembers(list) {
    this.members = new Map(list.map((m) => [m.user_id, { ...m }]));
  }

  memberJoined(user) {
    const known = this.members.get(user.user_id);
    this.members.set(user.user_id, { ...user, online: known ? known.online : true });
  }

  memberLeft(user) {
    this.members.delete(user.user_id);
  }
}

export class Store {
  constructor() {
    this.me = null; // {user_id, name, channel}
    this.rooms = new Map(); // rooms the user is in
    this.dms = new Map();
    this.publicRooms = []; // from `rooms`: ones the user is not in
    this.moreOnOffer = false; // `rooms` left some out (its `more`)
    this.current = null; // a conversation key
  }

  room(name) {
    if (!this.rooms.has(name)) this.rooms.set(name, new Conversation("room", name));
    return this.rooms.get(name);
  }

  dm(peer) {
    if (!this.dms.has(peer)) this.dms.set(peer, new Conversation("dm", peer));
    return this.dms.get(peer);
  }

  get(key) {
    if (!key) return null;
    const [kind, ...rest] = key.split(":");
    const name = rest.join(":");
    return (kind === "room" ? this.rooms : this.dms).get(name) ?? null;
  }

  /** Applies a `rooms` reply: own rooms join the sidebar, others are offers. */
  applyRoomList(list, more = false) {
    this.moreOnOffer = more;
    this.publicRooms = [];
    for (const r of list) {
      if (r.member) this.room(r.name).info = r;
      else this.publicRooms.push(r);
    }
  }

  dropRoom(name) {
    this.rooms.delete(name);
    if (this.current === `room:${name}`) this.current = null;
  }

  /**
   * Direct conversations as JSON (newest `keep` messages each). The server
   * has no history of directs, so the tab keeps them across reloads.
   */
  dmSnapshot(keep = 200) {
    const out = {};
    for (const [peer, conv] of this.dms) {
      out[peer] = conv.items.filter((it) => it.kind === "message").slice(-keep)
        .map(({ id, ts, from, body }) => ({ id, ts, from, body }));
    }
    return JSON.stringify(out);
  }

  restoreDms(json) {
    let saved = {};
    try {
      saved = JSON.parse(json) || {};
    } catch { /* unreadable: start empty */ }
    for (const [peer, messages] of Object.entries(saved)) {
      if (!Array.isArray(messages)) continue;
      const conv = this.dm(peer);
      for (const m of messages) conv.addMessage(m);
    }
  }

  /** Rooms by name with the user's own channel first, then DMs by name. */
  sidebar() {
    const own = this.me?.channel;
    const rooms = [...this.rooms.values()].sort((a, b) =>
      (b.name === own) - (a.name === own) || a.name.localeCompare(b.name));
    const dms = [...this.dms.values()].sort((a, b) => a.name.localeCompare(b.name));
    return { rooms, dms };
  }
}
