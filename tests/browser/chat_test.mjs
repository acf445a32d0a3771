// Two people in two browser contexts: a room conversation both ways, a DM,
// unread counts, a body that tries HTML injection, and three DMs sent while
// the other has closed the page that show exactly once after logging back in;
// the phone layout's drawer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TcpClient } from "./support/tcp_client.mjs";
import {
  joinRoom, loginIn, openConversation, openPage, registerIn, screenshot,
  sendText, shownTexts, startDm, waitForText, withServerAndBrowser,
} from "./support/browser.mjs";

const env = withServerAndBrowser();

test("two users chat in a room, both ways, and DM each other", async () => {
  const ann = await openPage(env.browser, env.server);
  const ben = await openPage(env.browser, env.server);
  await registerIn(ann, "ann");
  await registerIn(ben, "ben");

  await joinRoom(ann, "lounge");
  await ann.locator("#conv-title", { hasText: "lounge" }).waitFor();
  // ben sees lounge on offer among the public rooms and joins it from there.
  await ben.reload();
  await ben.locator('#public-rooms button[data-room="lounge"]').click();
  await ben.locator("#conv-title", { hasText: "lounge" }).waitFor();
  await ann.locator("#messages .presence", { hasText: "ben joined" }).waitFor();
  await ann.locator('#member-list li', { hasText: "ben" }).waitFor();

  await sendText(ann, "hello from ann");
  await waitForText(ben, "hello from ann");
  await sendText(ben, "hi ann, ben here");
  await waitForText(ann, "hi ann, ben here");
  assert.deepEqual(await shownTexts(ann), ["hello from ann", "hi ann, ben here"]);
  assert.deepEqual(await shownTexts(ben), ["hello from ann", "hi ann, ben here"]);
  assert.equal(await ben.locator("#messages .message .from").first().textContent(), "ann");

  // A DM from ben: ann is in lounge, so the DM shows up as unread.
  await startDm(ben, "ann");
  await sendText(ben, "a private word");
  const badge = ann.locator('.conv[data-key="dm:ben"] .unread');
  await badge.waitFor();
  assert.equal(await badge.textContent(), "1");
  await openConversation(ann, "dm:ben");
  await waitForText(ann, "a private word");
  await badge.waitFor({ state: "detached" });
  await sendText(ann, "thanks, ben");
  await waitForText(ben, "thanks, ben");
  assert.deepEqual(await shownTexts(ben), ["a private word", "thanks, ben"]);

  // Messages in lounge while ann reads the DM count as unread there.
  await openConversation(ben, "room:lounge");
  await sendText(ben, "back in lounge");
  await ann.locator('.conv[data-key="room:lounge"] .unread', { hasText: "1" }).waitFor();
  await openConversation(ann, "room:lounge");
  await waitForText(ann, "back in lounge");
  await screenshot(ann, "chat-room");
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(ben.errors, []);
  await ann.context().close();
  await ben.context().close();
});

test("a message body with HTML shows as those characters; a too long one is refused", async () => {
  const cat = await openPage(env.browser, env.server);
  await registerIn(cat, "cat");
  await joinRoom(cat, "xss");
  await cat.locator("#conv-title", { hasText: "xss" }).waitFor();
  const evil = "<img src=x onerror=alert(1)>";
  await sendText(cat, evil);
  await sendText(cat, "see https://example.org/path?q=1 and javascript:alert(2)");
  assert.deepEqual(await shownTexts(cat),
    [evil, "see https://example.org/path?q=1 and javascript:alert(2)"]);
  assert.equal(await cat.locator("#messages img").count(), 0);
  const links = await cat.$$eval("#messages a", (as) => as.map((a) => [a.href, a.rel]));
  assert.deepEqual(links, [["https://example.org/path?q=1", "noopener noreferrer"]]);
  await screenshot(cat, "xss-as-text");
  // Too long for max_frame_bytes (64 KiB): refused, in plain words by the input.
  await cat.fill("#message-input", "x".repeat(70000));
  await cat.press("#message-input", "Enter");
  await cat.locator("#composer-error", { hasText: "That message is too long." }).waitFor();
  assert.equal(await cat.locator("#messages .message.pending").count(), 0);
  assert.deepEqual(cat.errors, []); // no alert() dialog, no script error
  await cat.context().close();
});

test("DMs sent while the page was closed show exactly once after logging in", async () => {
  const dan = await openPage(env.browser, env.server);
  const eve = await openPage(env.browser, env.server);
  await registerIn(dan, "dan");
  await registerIn(eve, "eve");
  await dan.context().close(); // dan closes the browser window

  await startDm(eve, "dan");
  for (const n of [1, 2, 3]) await sendText(eve, `while you were out ${n}`);

  const again = await openPage(env.browser, env.server);
  await loginIn(again, "dan");
  const badge = again.locator('.conv[data-key="dm:eve"] .unread');
  await badge.waitFor();
  assert.equal(await badge.textContent(), "3");
  await openConversation(again, "dm:eve");
  await waitForText(again, "while you were out 3");
  assert.deepEqual(await shownTexts(again),
    ["while you were out 1", "while you were out 2", "while you were out 3"]);
  // Acked: a reload (new socket, same tab) keeps the conversation and the
  // server replays none of it again, so nothing doubles and nothing is unread.
  await again.waitForTimeout(600); // acks leave in batches every 250 ms
  await again.reload();
  await again.locator('#status[data-state="online"]').waitFor();
  await openConversation(again, "dm:eve");
  await again.waitForTimeout(500);
  assert.deepEqual(await shownTexts(again),
    ["while you were out 1", "while you were out 2", "while you were out 3"]);
  const probe = await TcpClient.login(env.server, "dan");
  assert.equal((await probe.waitFor((f) => f.type === "replayed")).count, 0);
  probe.close();
  await screenshot(again, "offline-dms");
  assert.deepEqual(again.errors, []);
  await again.context().close();
  await eve.context().close();
});

test("on a phone the sidebar is a drawer behind the menu button", async () => {
  const page = await openPage(env.browser, env.server, { width: 390, height: 760 });
  await registerIn(page, "quin");
  assert.equal(await page.locator("#sidebar").isVisible(), false);
  assert.equal(await page.locator("#message-input").isVisible(), true);
  await page.click("#menu-button");
  await page.locator("#sidebar").waitFor();
  await screenshot(page, "phone-drawer");
  await page.click('.conv[data-key="room:@quin"]');
  await page.locator("#sidebar").waitFor({ state: "hidden" });
  await screenshot(page, "phone-chat");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
