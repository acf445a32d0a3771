// A private room with a key: unlisted for others, refused without the key
// or with a wrong one (shown in plain words), entered with it; then chat.
// A room at max_members refuses the next one, also in plain words.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  joinRoom, openPage, registerIn, screenshot, sendText, waitForText, withServerAndBrowser,
} from "./support/browser.mjs";

const env = withServerAndBrowser();

test("a private room with a key lets in only those who know the key", async () => {
  const kim = await openPage(env.browser, env.server);
  const leo = await openPage(env.browser, env.server);
  await registerIn(kim, "kim");
  await registerIn(leo, "leo");

  await joinRoom(kim, "vault", { key: "s3cret", isPrivate: true, max: 5 });
  await kim.locator("#conv-title", { hasText: "vault" }).waitFor();
  await sendText(kim, "only for key holders");

  await leo.reload();
  await leo.locator('#status[data-state="online"]').waitFor();
  await leo.waitForTimeout(300);
  assert.equal(await leo.locator('#public-rooms [data-room="vault"]').count(), 0);

  await joinRoom(leo, "vault");
  await leo.locator("#new-room-error", { hasText: "needs its key" }).waitFor();
  await leo.fill("#new-room-key", "wrong-key");
  await leo.click('#new-room-form button[type="submit"]');
  await leo.waitForTimeout(300);
  assert.match(await leo.locator("#new-room-error").textContent(), /needs its key/);
  assert.notEqual(await leo.locator("#conv-title").textContent(), "vault");

  await leo.fill("#new-room-key", "s3cret");
  await leo.click('#new-room-form button[type="submit"]');
  await leo.locator("#conv-title", { hasText: "vault" }).waitFor();
  await waitForText(leo, "only for key holders"); // page 0 of its history
  await sendText(leo, "got in with the key");
  await waitForText(kim, "got in with the key");
  await kim.locator("#member-list li", { hasText: "leo" }).waitFor();
  await screenshot(leo, "private-room");

  // A full room is refused in plain words next to the form.
  await joinRoom(kim, "tiny", { max: 1 });
  await kim.locator("#conv-title", { hasText: "tiny" }).waitFor();
  await joinRoom(leo, "tiny");
  await leo.locator("#new-room-error", { hasText: "That room is full." }).waitFor();
  assert.deepEqual(kim.errors, []);
  assert.deepEqual(leo.errors, []);
  await kim.context().close();
  await leo.context().close();
});
