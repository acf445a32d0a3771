// Accounts in the page: the server password field appears when the server
// asks for one, bad credentials read in plain words, an expired token sends
// the user back to the login form with a clear message, logout ends the
// session for good.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, screenshot, waitOnline, withServerAndBrowser } from "./support/browser.mjs";

const env = withServerAndBrowser({ "auth.server_password": "letmein", "auth.token_ttl_s": "4" });

async function fillLogin(page, name, password, serverPassword) {
  await page.fill("#login-name", name);
  await page.fill("#login-password", password);
  await page.fill("#login-server-password", serverPassword);
}

test("register needs the server password; an expired token returns to the login form", async () => {
  const page = await openPage(env.browser, env.server);
  await page.locator("#server-password-row").waitFor(); // shown: the server has one
  await fillLogin(page, "olga", "password123", "wrong");
  await page.click("#register-button");
  await page.locator("#login-message", { hasText: "server password is wrong" }).waitFor();
  await fillLogin(page, "olga", "password123", "letmein");
  await page.click("#register-button");
  await waitOnline(page);
  // token_ttl_s = 4: the server closes the socket with 1008 when it expires.
  await page.locator("#login-view").waitFor({ timeout: 15000 });
  assert.equal(await page.locator("#login-message").textContent(),
    "Your session has expired. Please log in again.");
  await screenshot(page, "session-expired");
  // The dead session is gone from the tab: a reload stays on the form.
  await page.reload();
  await page.locator("#login-view").waitFor();
  assert.equal(await page.locator("#chat-view").isVisible(), false);
  await fillLogin(page, "olga", "wrong-password", "letmein");
  await page.click("#login-button");
  await page.locator("#login-message", { hasText: "Wrong name or password" }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("logout ends the session in this tab for good", async () => {
  const page = await openPage(env.browser, env.server);
  await fillLogin(page, "pia", "password123", "letmein");
  await page.click("#register-button");
  await waitOnline(page);
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("chat.session")).token);
  await page.click("#logout-button");
  await page.locator("#login-message", { hasText: "You logged out." }).waitFor();
  const me = await fetch(`${env.server.url}me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 401);
  await page.reload();
  await page.locator("#login-view").waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
