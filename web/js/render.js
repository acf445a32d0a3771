// Turns conversations into DOM. Every piece of user text goes in through
// textContent (never innerHTML), so a body like <img onerror=...> shows as
// those characters; links are <a> elements built from linkParts().

import { bodyText, clockTime, continuesGroup, fullTime, linkParts } from "./format.js";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function textWithLinks(text) {
  const span = el("span", { class: "text" });
  for (const part of linkParts(text)) {
    if (!part.href) span.append(document.createTextNode(part.text));
    else span.append(el("a", { href: part.href, text: part.text, target: "_blank", rel: "noopener noreferrer" }));
  }
  return span;
}

function messageNode(item, prev, me) {
  const grouped = continuesGroup(prev, item);
  const node = el("div", {
    class: `message${grouped ? " grouped" : ""}${item.from.user_id === me?.user_id ? " mine" : ""}`,
    "data-id": item.id,
  });
  if (!grouped) {
    node.append(el("div", { class: "meta" },
      el("span", { class: "from", text: item.from.name }),
      el("time", { class: "time", text: clockTime(item.ts), title: fullTime(item.ts) })));
  }
  node.append(textWithLinks(bodyText(item.body)));
  return node;
}

function pendingNode(p, me) {
  const node = el("div", { class: `message mine pending${p.failed ? " failed" : ""}`, "data-ref": p.ref },
    el("div", { class: "meta" },
      el("span", { class: "from", text: me?.name ?? "" }),
      el("span", { class: "time", text: p.failed ? "not sent" : "sending…" })),
    textWithLinks(bodyText(p.body)));
  if (p.failed) node.append(el("button", { class: "retry secondary small", type: "button", text: "Retry", "data-ref": p.ref }));
  return node;
}

/** Redraws the message pane for `conv`, keeping the reader's place. */
export function renderMessages(pane, conv, me) {
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  const oldHeight = pane.scrollHeight;
  const oldTop = pane.scrollTop;
  const firstBefore = pane.dataset.first;
  const frag = document.createDocumentFragment();
  if (!conv) {
    pane.replaceChildren(el("p", { class: "empty", text: "Pick a room or a conversation." }));
    return;
  }
  if (conv.kind === "room") {
    const h = conv.history;
    frag.append(el("p", {
      class: "history-edge",
      text: h.loading ? "loading older messages…" : h.more ? "scroll up for older messages" : "the beginning of this room",
    }));
  }
  let prev = null;
  for (const item of conv.items) {
    if (item.kind === "message") frag.append(messageNode(item, prev, me));
    else frag.append(el("p", { class: item.kind, text: item.text }));
    prev = item;
  }
  for (const p of conv.pending) frag.append(pendingNode(p, me));
  pane.replaceChildren(frag);
  const first = conv.items[0]?.id ?? "";
  pane.dataset.first = first;
  pane.dataset.key = conv.key;
  if (atBottom || pane.dataset.shown !== conv.key) {
    pane.scrollTop = pane.scrollHeight;
  } else if (firstBefore !== first) {
    // Older messages came in above: keep the same message under the eye.
    pane.scrollTop = oldTop + (pane.scrollHeight - oldHeight);
  } else {
    pane.scrollTop = oldTop;
  }
  pane.dataset.shown = conv.key;
}

/** The member list with online dots, online members first. */
export function renderMembers(list, conv) {
  const members = conv ? [...conv.members.values()] : [];
  members.sort((a, b) => (b.online - a.online) || a.name.localeCompare(b.name));
  list.replaceChildren(...members.map((m) =>
    el("li", { "data-user": m.user_id },
      el("span", { class: `dot${m.online ? " online" : ""}`, title: m.online ? "online" : "offline" }),
      el("span", { text: m.name }))));
}
