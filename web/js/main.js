// Entry point of the browser client: finds the page's elements, resumes a
// session kept in sessionStorage (if its token is still good) or shows the
// login form, and switches between the two views.

import { api } from "./api.js";
import { bindLogin, showLogin } from "./login.js";
import { Chat } from "./chat.js";

const SESSION_KEY = "chat.session";

const $ = (id) => document.getElementById(id);
const dom = {
  root: $("chat-view"),
  loginView: $("login-view"), chatView: $("chat-view"),
  loginForm: $("login-form"), loginMessage: $("login-message"),
  loginName: $("login-name"), loginPassword: $("login-password"),
  serverPasswordRow: $("server-password-row"), serverPassword: $("login-server-password"),
  loginButton: $("login-button"), registerButton: $("register-button"),
  status: $("status"), meName: $("me-name"), logout: $("logout-button"),
  menuButton: $("menu-button"), membersButton: $("members-button"),
  myRooms: $("my-rooms"), dmList: $("dm-list"), publicRooms: $("public-rooms"),
  newDmForm: $("new-dm-form"), newDmName: $("new-dm-name"),
  newRoom: $("new-room"), newRoomForm: $("new-room-form"), newRoomName: $("new-room-name"),
  newRoomKey: $("new-room-key"), newRoomPrivate: $("new-room-private"),
  newRoomMax: $("new-room-max"), newRoomError: $("new-room-error"),
  title: $("conv-title"), leave: $("leave-button"),
  messages: $("messages"), memberList: $("member-list"),
  composer: $("composer"), input: $("message-input"), composerError: $("composer-error"),
};

function startChat(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  dom.loginView.hidden = true;
  dom.chatView.hidden = false;
  new Chat(dom, session, (text) => {
    sessionStorage.removeItem(SESSION_KEY);
    showLogin(dom, text, text !== "You logged out.");
  }).start();
}

async function resume() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch { /* unreadable: log in again */ }
  if (!session?.token) return showLogin(dom, "");
  try {
    await api.me(session.token);
  } catch (err) {
    if (err.status === 401) {
      sessionStorage.removeItem(SESSION_KEY);
      return showLogin(dom, "Your session has expired. Please log in again.", true);
    }
    // Server unreachable: the chat view shows it and keeps reconnecting.
  }
  startChat(session);
}

bindLogin(dom, startChat);
resume();
