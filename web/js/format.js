// Pure helpers for the browser client: how a message body, a time and an
// error read to a person, and how a text splits into plain parts and links.
// No DOM here, so tests/web runs these under Node.

/** The text a message body shows: its "text" field, else its JSON. */
export function bodyText(body) {
  if (body && typeof body.text === "string") return body.text;
  return JSON.stringify(body ?? null);
}

const pad = (n) => String(n).padStart(2, "0");

/** "14:05" for a Unix time in milliseconds (local time). */
export function clockTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "2026-11-23 14:05:09" for a tooltip. */
export function fullTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${clockTime(ms)}:${pad(d.getSeconds())}`;
}

// Messages from one sender closer together than this share one header.
export const GROUP_GAP_MS = 5 * 60 * 1000;

/** Whether `msg` continues the group started by `prev` (same sender, close in time). */
export function continuesGroup(prev, msg) {
  return Boolean(prev && prev.kind === "message" && msg.kind === "message" &&
    prev.from.user_id === msg.from.user_id && msg.ts - prev.ts < GROUP_GAP_MS);
}

const LINK = /\bhttps?:\/\/[^\s<>"']+/g;

/**
 * Splits text into [{text}] and [{text, href}] parts. Only http(s) URLs
 * become links, and trailing punctuation stays text ("see http://x.org.").
 */
export function linkParts(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let url = match[0].replace(/[.,;:!?)\]]+$/, "");
    let href = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch { /* not a URL after all: stays text */ }
    if (!href) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ text: url, href });
    last = match.index + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

const PLAIN = {
  room_full: "That room is full.",
  forbidden: "That room needs its key (or you are not allowed there).",
  not_member: "Join the room before sending to it.",
  unknown_room: "There is no room by that name.",
  unknown_user: "There is no user by that name.",
  too_large: "That message is too long.",
  unauthorized: "Your session has expired. Please log in again.",
  offline: "Not connected right now; try again in a moment.",
};

/** An error frame (or {code, message}) in plain words. */
export function plainError(err) {
  if (err.code === "rate_limited") {
    const wait = Number(err.retry_after_ms);
    return wait > 0
      ? `You are sending too fast. Wait ${Math.ceil(wait / 1000)} s.`
      : "You are sending too fast. Wait a moment.";
  }
  if (PLAIN[err.code]) return PLAIN[err.code];
  if (err.code === "bad_request") return `The server refused that: ${err.message}`;
  return err.message || "Something went wrong.";
}

/** Reconnect delay: exponential from `base` up to `max`, with full jitter on the upper half. */
export function backoffDelay(attempt, random = Math.random, base = 500, max = 15000) {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}

/** Room and user names the server accepts (docs/protocol.md). */
export const ROOM_NAME = /^(@?[A-Za-z0-9_.-]{1,64})$/;
export const USER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
