// The sidebar: the user's rooms and direct conversations with unread
// counts, and the public rooms on offer. Clicks come back as data-key /
// data-room attributes that chat.js handles (one listener per list).

import { el } from "./render.js";

// Rooms (and channels) on offer shown in the sidebar: chat.js asks the
// server for this many of each (`rooms` with an offer).
export const OFFER_MAX = 30;

function convItem(conv, current, label) {
  const li = el("li", { class: conv.key === current ? "active" : "", "data-key": conv.key },
    el("button", { type: "button", class: "conv", "data-key": conv.key },
      el("span", { class: "name", text: label }),
      conv.unread ? el("span", { class: "unread", text: String(conv.unread), title: "unread" }) : null));
  return li;
}

export function renderSidebar(store, dom) {
  const { rooms, dms } = store.sidebar();
  dom.myRooms.replaceChildren(...rooms.map((c) =>
    convItem(c, store.current, c.name === store.me?.channel ? `${c.name} (you)` : c.name)));
  dom.dmList.replaceChildren(...dms.map((c) => convItem(c, store.current, c.name)));
  // Rooms first, then people's channels (@name), a bounded number of each:
  // a big server has thousands of channels; the form joins any by name.
  const offer = (r) => el("li", {},
    el("span", { class: "name", text: r.name }),
    el("span", { class: "count", text: `${r.members}`, title: "members" }),
    el("button", { type: "button", class: "join small", "data-room": r.name, text: "Join" }));
  const items = [];
  for (const list of [store.publicRooms.filter((r) => !r.name.startsWith("@")),
    store.publicRooms.filter((r) => r.name.startsWith("@"))]) {
    items.push(...list.slice(0, OFFER_MAX).map(offer));
  }
  if (store.moreOnOffer) {
    items.push(el("li", { class: "muted", text: "…and more: join by name below" }));
  }
  if (!items.length) items.push(el("li", { class: "muted", text: "no other public rooms" }));
  dom.publicRooms.replaceChildren(...items);
  const total = [...rooms, ...dms].reduce((n, c) => n + c.unread, 0);
  document.title = total ? `(${total}) chat-actors` : "chat-actors";
}
