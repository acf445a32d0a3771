// Unit tests of web/js/conversations.js: dedupe by id (a replayed copy is
// shown once), ordering by seq for rooms and by time for directs, presence
// lines after what was known, the room list split, and the saved directs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Conversation, Store } from "../../web/js/conversations.js";

const from = { user_id: "u1", name: "ann" };
const texts = (conv) => conv.items.map((it) => it.text ?? it.body.text);

test("a room keeps one copy per id, in seq order whatever the arrival order", () => {
  const room = new Conversation("room", "lounge");
  assert.equal(room.addMessage({ id: "m3", seq: 3, ts: 3, from, body: { text: "c" } }), true);
  assert.equal(room.addMessage({ id: "m1", seq: 1, ts: 1, from, body: { text: "a" } }), true);
  assert.equal(room.addMessage({ id: "m3", seq: 3, ts: 3, from, body: { text: "c" }, replay: true }), false);
  room.addMessage({ id: "m2", seq: 2, ts: 2, from, body: { text: "b" } });
  assert.deepEqual(texts(room), ["a", "b", "c"]);
  assert.equal(room.oldestSeq, 1);
});

test("presence lines stay after the messages known when they came", () => {
  const room = new Conversation("room", "lounge");
  room.addMessage({ id: "m5", seq: 5, ts: 5, from, body: { text: "five" } });
  room.addLine("presence", "ben joined");
  room.addMessage({ id: "m6", seq: 6, ts: 6, from, body: { text: "six" } });
  room.addMessage({ id: "m4", seq: 4, ts: 4, from, body: { text: "four (history)" } });
  assert.deepEqual(texts(room), ["four (history)", "five", "ben joined", "six"]);
});

test("directs order by time, then by id number", () => {
  const dm = new Conversation("dm", "ben");
  dm.addMessage({ id: "d10", ts: 100, from, body: { text: "second" } });
  dm.addMessage({ id: "d9", ts: 100, from, body: { text: "first" } });
  dm.addMessage({ id: "d2", ts: 50, from, body: { text: "earliest" } });
  assert.deepEqual(texts(dm), ["earliest", "first", "second"]);
});

test("the room list splits own rooms from rooms on offer", () => {
  const store = new Store();
  store.me = { user_id: "u1", name: "ann", channel: "@ann" };
  store.applyRoomList([
    { name: "@ann", members: 1, private: true, member: true },
    { name: "zoo", members: 3, private: false, member: true },
    { name: "attic", members: 2, private: false, member: false },
  ]);
  assert.deepEqual(store.sidebar().rooms.map((c) => c.name), ["@ann", "zoo"]);
  assert.deepEqual(store.publicRooms.map((r) => r.name), ["attic"]);
  assert.equal(store.moreOnOffer, false);
  store.applyRoomList([{ name: "attic", members: 2, private: false, member: false }], true);
  assert.equal(store.moreOnOffer, true); // the reply's `more`: the sidebar says so
  assert.equal(store.get("room:zoo").name, "zoo");
  assert.equal(store.get("dm:nobody"), null);
});

test("direct conversations survive a snapshot and restore without doubling", () => {
  const store = new Store();
  store.dm("ben").addMessage({ id: "d1", ts: 1, from, body: { text: "hi" } });
  const saved = store.dmSnapshot();
  const again = new Store();
  again.restoreDms(saved);
  again.restoreDms(saved);
  assert.deepEqual(texts(again.dm("ben")), ["hi"]);
  const fresh = new Store();
  fresh.restoreDms("not json");
  assert.equal(fresh.dms.size, 0);
});
