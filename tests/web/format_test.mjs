// Unit tests of web/js/format.js (pure helpers of the browser client), run
// by Node's test runner: link splitting that never makes a javascript: link,
// message grouping, plain-word errors and the reconnect backoff.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelay, bodyText, continuesGroup, GROUP_GAP_MS, linkParts, plainError,
} from "../../web/js/format.js";

test("only http and https URLs become links, without trailing punctuation", () => {
  assert.deepEqual(linkParts("see https://example.org/a?b=1. and http://x.io)"), [
    { text: "see " },
    { text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
    { text: ". and " },
    { text: "http://x.io", href: "http://x.io/" },
    { text: ")" },
  ]);
  assert.deepEqual(linkParts("javascript:alert(1) data:text/html,<b>"), [
    { text: "javascript:alert(1) data:text/html,<b>" },
  ]);
  assert.deepEqual(linkParts("<img src=x onerror=alert(1)>"), [{ text: "<img src=x onerror=alert(1)>" }]);
  assert.deepEqual(linkParts(""), []);
});

test("a body shows its text, or its JSON when it has none", () => {
  assert.equal(bodyText({ text: "hi" }), "hi");
  assert.equal(bodyText({ n: 1 }), '{"n":1}');
  assert.equal(bodyText({ text: 5 }), '{"text":5}');
  assert.equal(bodyText(undefined), "null");
});

test("messages group by sender within five minutes", () => {
  const ann = { user_id: "a" };
  const msg = (from, ts) => ({ kind: "message", from, ts });
  assert.equal(continuesGroup(msg(ann, 0), msg(ann, GROUP_GAP_MS - 1)), true);
  assert.equal(continuesGroup(msg(ann, 0), msg(ann, GROUP_GAP_MS)), false);
  assert.equal(continuesGroup(msg(ann, 0), msg({ user_id: "b" }, 1)), false);
  assert.equal(continuesGroup({ kind: "presence" }, msg(ann, 1)), false);
  assert.equal(continuesGroup(null, msg(ann, 1)), false);
});

test("error codes read as plain words", () => {
  assert.equal(plainError({ code: "room_full", message: "x" }), "That room is full.");
  assert.equal(plainError({ code: "rate_limited", retry_after_ms: 1500 }),
    "You are sending too fast. Wait 2 s.");
  assert.match(plainError({ code: "bad_request", message: "target must be a room" }),
    /target must be a room/);
  assert.equal(plainError({ code: "new_code", message: "server text" }), "server text");
});

test("reconnect delays grow exponentially, are jittered and capped", () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(0, () => 1), 500);
  assert.equal(backoffDelay(3, () => 0), 2000);
  assert.equal(backoffDelay(3, () => 1), 4000);
  assert.equal(backoffDelay(50, () => 1), 15000);
  assert.equal(backoffDelay(50, () => 0), 7500);
});
