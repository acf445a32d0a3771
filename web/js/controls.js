// The chat view's inputs: composer, sidebar lists and forms, header
// buttons, scrolling for history. Each listener calls one Chat method;
// bindControls returns a function that removes them all (logout, expiry).

import { plainError, ROOM_NAME } from "./format.js";

export function bindControls(chat, dom) {
  const off = [];
  const on = (target, type, fn) => {
    target.addEventListener(type, fn);
    off.push(() => target.removeEventListener(type, fn));
  };

  on(dom.composer, "submit", (ev) => {
    ev.preventDefault();
    if (chat.send(dom.input.value)) dom.input.value = "";
  });
  on(dom.input, "keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      dom.composer.requestSubmit();
    }
  });
  on(dom.messages, "click", (ev) => {
    const retry = ev.target.closest("button.retry");
    if (retry) chat.retry(retry.dataset.ref);
  });
  on(dom.messages, "scroll", () => {
    const conv = chat.store.get(chat.store.current);
    if (conv?.kind === "room" && dom.messages.scrollTop < 60) chat.loadHistory(conv);
  });

  for (const list of [dom.myRooms, dom.dmList]) {
    on(list, "click", (ev) => {
      const item = ev.target.closest("[data-key]");
      if (item) chat.open(item.dataset.key);
    });
  }
  on(dom.publicRooms, "click", (ev) => {
    const button = ev.target.closest("button[data-room]");
    if (!button) return;
    const name = button.dataset.room;
    chat.join(name, {}, (err) => {
      if (err.code !== "forbidden") return chat.showError(plainError(err));
      // A keyed room: ask for the key in the join form.
      dom.newRoom.open = true;
      dom.newRoomName.value = name;
      dom.newRoomError.textContent = "That room needs its key.";
      dom.newRoomKey.focus();
    });
  });

  on(dom.newRoomForm, "submit", async (ev) => {
    ev.preventDefault();
    const name = dom.newRoomName.value.trim();
    if (!ROOM_NAME.test(name)) {
      dom.newRoomError.textContent = "Room names are 1-64 letters, digits, _ . or -.";
      return;
    }
    const body = {};
    if (dom.newRoomKey.value) body.key = dom.newRoomKey.value;
    if (dom.newRoomPrivate.checked) body.private = true;
    if (dom.newRoomMax.value) body.max_members = Number(dom.newRoomMax.value);
    dom.newRoomError.textContent = "";
    const ok = await chat.join(name, body, (err) => {
      dom.newRoomError.textContent = plainError(err);
    });
    if (ok) {
      dom.newRoomForm.reset();
      dom.newRoom.open = false;
    }
  });

  on(dom.newDmForm, "submit", (ev) => {
    ev.preventDefault();
    if (chat.openDm(dom.newDmName.value.trim())) dom.newDmName.value = "";
    else chat.showError("User names are 1-32 letters, digits, _ . or -.");
  });

  on(dom.leave, "click", () => chat.leave());
  on(dom.logout, "click", () => chat.logout());
  on(dom.menuButton, "click", () => toggle(dom, "show-sidebar", dom.menuButton));
  on(dom.membersButton, "click", () => toggle(dom, "show-members", dom.membersButton));
  on(document, "visibilitychange", () => chat.draw());
  return () => off.forEach((f) => f());
}

function toggle(dom, cls, button) {
  const shown = dom.root.classList.toggle(cls);
  button.setAttribute("aria-expanded", String(shown));
}
