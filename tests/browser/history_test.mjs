// History paging by scrolling: 250 messages seeded over TCP before the
// reader joins the room; the page shows page 0 (the newest 100), and
// scrolling to the top loads the pages before it until "the beginning of
// this room", each message once and in seq order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { register, TcpClient } from "./support/tcp_client.mjs";
import {
  joinRoom, openPage, registerIn, screenshot, shownTexts, withServerAndBrowser,
} from "./support/browser.mjs";

// The seeding client sends 250 frames at once: more than a connection's
// default frame budget (burst 100, then rate_limited).
const env = withServerAndBrowser({ "limits.burst": "1000" });

test("scrolling up loads older history pages until the beginning", async () => {
  await register(env.server, "hal");
  const hal = await TcpClient.login(env.server, "hal");
  await hal.call("join", "archive");
  for (let n = 1; n <= 250; n++) hal.write({ action: "send", target: "archive", body: { text: `old ${n}` } });
  await hal.waitFor((f) => f.type === "sent" && f.seq === 250, 20000);
  hal.close();

  // ivy joins afterwards: the 250 are history to her, not a backlog.
  const page = await openPage(env.browser, env.server, { width: 1000, height: 700 });
  await registerIn(page, "ivy");
  await joinRoom(page, "archive");
  await page.locator("#conv-title", { hasText: "archive" }).waitFor();
  await page.locator("#messages .message .text", { hasText: "old 250" }).waitFor();
  const firstPage = await shownTexts(page);
  assert.equal(firstPage.length, 100); // page 0 only, while the reader is at the bottom
  assert.equal(firstPage[0], "old 151");
  const edge = page.locator("#messages .history-edge");
  for (let i = 0; i < 10 && !(await edge.textContent()).includes("beginning"); i++) {
    await page.$eval("#messages", (pane) => { pane.scrollTop = 0; });
    await page.waitForTimeout(300);
  }
  assert.equal(await edge.textContent(), "the beginning of this room");
  const texts = await shownTexts(page);
  assert.equal(texts.length, 250);
  assert.deepEqual(texts, Array.from({ length: 250 }, (_, i) => `old ${i + 1}`));
  // The reader stays near the top after the last page came in.
  assert.ok(await page.$eval("#messages", (pane) => pane.scrollTop < pane.scrollHeight / 2));
  await screenshot(page, "history-top");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
