// The server restarts mid-session: the page shows it is offline, reconnects
// by itself with backoff, shows the replayed backlog once (dedupe by id) and
// carries on chatting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { register, TcpClient } from "./support/tcp_client.mjs";
import {
  joinRoom, openPage, registerIn, screenshot, sendText, shownTexts, waitForText, withServerAndBrowser,
} from "./support/browser.mjs";

const env = withServerAndBrowser();

test("the page reconnects by itself after a server restart and carries on", async () => {
  const mia = await openPage(env.browser, env.server);
  await registerIn(mia, "mia");
  await joinRoom(mia, "ops");
  await mia.locator("#conv-title", { hasText: "ops" }).waitFor();
  await register(env.server, "ned");
  const ned = await TcpClient.login(env.server, "ned");
  await ned.call("join", "ops");
  await sendText(mia, "before restart");
  await ned.call("send", "ops", { text: "just before restart" });
  await waitForText(mia, "just before restart");
  ned.close();

  await env.server.stop(); // SIGTERM: sockets get 1001
  await mia.locator('#status[data-state="waiting"]').waitFor();
  assert.match(await mia.locator("#status").textContent(), /offline: retrying in \d+ s/);
  await screenshot(mia, "server-down");
  // Typing while the server is down is kept as "not sent" with a Retry button.
  await mia.fill("#message-input", "typed while down");
  await mia.press("#message-input", "Enter");
  await mia.locator("#messages .message.failed").waitFor();

  await env.server.relaunch();
  await mia.locator('#status[data-state="online"]').waitFor({ timeout: 20000 });
  await mia.click("#messages .message.failed button.retry");
  await mia.locator("#messages .message.pending").waitFor({ state: "detached" });
  const ned2 = await TcpClient.login(env.server, "ned");
  await ned2.call("send", "ops", { text: "after restart" });
  await waitForText(mia, "after restart");
  await sendText(mia, "still here");
  await ned2.waitFor((f) => f.type === "message" && f.body.text === "still here");
  ned2.close();
  assert.deepEqual(await shownTexts(mia),
    ["before restart", "just before restart", "typed while down", "after restart", "still here"]);
  const ids = await mia.$$eval("#messages .message[data-id]", (els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, ids.length);
  await screenshot(mia, "after-restart");
  assert.deepEqual(mia.errors, []);
  await mia.context().close();
});
