// The login / register form. Asks /info whether the server wants its
// password, turns HTTP failures into plain words, and hands a fresh
// session {token, user_id, name} to onSession.

import { api } from "./api.js";

function explain(err, registering) {
  if (err.status === 0) return "Cannot reach the server. Is it running?";
  if (err.status === 401) return registering
    ? "The server password is wrong."
    : "Wrong name or password (or server password).";
  if (err.status === 409) return "That name is taken.";
  if (err.status === 503) return "The server is busy. Try again in a moment.";
  return err.message;
}

export function bindLogin(dom, onSession) {
  const busy = (on) => {
    dom.loginButton.disabled = on;
    dom.registerButton.disabled = on;
  };
  const submit = async (registering) => {
    if (!dom.loginForm.reportValidity()) return;
    const name = dom.loginName.value.trim();
    const password = dom.loginPassword.value;
    const serverPassword = dom.serverPassword.value;
    busy(true);
    dom.loginMessage.className = "notice";
    dom.loginMessage.textContent = registering ? "Registering…" : "Logging in…";
    try {
      if (registering) await api.register(name, password, serverPassword);
      const r = await api.login(name, password, serverPassword);
      dom.loginPassword.value = "";
      dom.loginMessage.textContent = "";
      onSession({ token: r.token, user_id: r.user_id, name: r.name });
    } catch (err) {
      dom.loginMessage.className = "notice error";
      dom.loginMessage.textContent = explain(err, registering);
    } finally {
      busy(false);
    }
  };
  dom.loginForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit(false);
  });
  dom.registerButton.addEventListener("click", () => submit(true));
}

/** Shows the form with `message` (e.g. why the session ended). */
export async function showLogin(dom, message, isError) {
  dom.chatView.hidden = true;
  dom.loginView.hidden = false;
  dom.loginMessage.className = isError ? "notice error" : "notice";
  dom.loginMessage.textContent = message || "";
  dom.loginName.focus();
  try {
    const info = await api.info();
    dom.serverPasswordRow.hidden = !info.server_password;
    dom.serverPassword.required = Boolean(info.server_password);
  } catch {
    if (!message) dom.loginMessage.textContent = "Cannot reach the server. Is it running?";
  }
}
