// Debian's chromium driven by playwright-core, with the flags that work
// offline, plus the page steps every scenario shares (register, log in,
// join, send, read the message pane) written against the client's DOM ids.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { Server, sourceDir, tls } from "./server.mjs";

export const outputDir = process.env.BROWSER_TEST_OUTPUT || join(sourceDir, "build", "browser-output");
mkdirSync(outputDir, { recursive: true });

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
      // The TLS runs' self-signed certificate.
      ...(tls ? ["--ignore-certificate-errors"] : [])],
  });
}

/**
 * One server (with `settings` over the test defaults) and one chromium for a
 * test file: started before its first test, closed after its last.
 * Returns {server, browser}, filled in once they run.
 */
export function withServerAndBrowser(settings = {}) {
  const env = {};
  before(async () => {
    env.server = await Server.start(settings);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** A page in its own browser context (own sessionStorage), errors collected. */
export async function openPage(browser, server, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors: tls });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (err) => page.errors.push(String(err)));
  page.on("dialog", (d) => {
    page.errors.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(server.url);
  if (tls && !page.url().startsWith("https://")) throw new Error(`not over https: ${page.url()}`);
  await page.locator("#login-form").waitFor();
  return page;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(outputDir, `${name}.png`) });
}

async function submitLogin(page, name, password, button) {
  await page.fill("#login-name", name);
  await page.fill("#login-password", password);
  await page.click(button);
}

export async function waitOnline(page) {
  await page.locator('#status[data-state="online"]').waitFor();
}

export async function registerIn(page, name, password = "password123") {
  await submitLogin(page, name, password, "#register-button");
  await waitOnline(page);
  await page.locator("#conv-title", { hasText: `@${name}` }).waitFor();
}

export async function loginIn(page, name, password = "password123") {
  await submitLogin(page, name, password, "#login-button");
  await waitOnline(page);
}

/** Joins (or creates) a room through the "New room, or join by name" form. */
export async function joinRoom(page, name, { key, isPrivate, max } = {}) {
  await page.click("#new-room summary");
  await page.fill("#new-room-name", name);
  if (key) await page.fill("#new-room-key", key);
  if (isPrivate) await page.check("#new-room-private");
  if (max) await page.fill("#new-room-max", String(max));
  await page.click('#new-room-form button[type="submit"]');
}

/** Opens (or starts) the direct conversation with `name`. */
export async function startDm(page, name) {
  await page.fill("#new-dm-name", name);
  await page.click('#new-dm-form button[type="submit"]');
  await page.locator("#conv-title", { hasText: `@${name}` }).waitFor();
}

export async function openConversation(page, key) {
  await page.click(`.conv[data-key="${key}"]`);
  await page.locator("#conv-title", { hasText: key.replace(/^room:/, "").replace(/^dm:/, "@") }).waitFor();
}

/** Types `text` and presses Enter; resolves once the server said "sent". */
export async function sendText(page, text) {
  // Waits for one more confirmed message of ours with this text, not for
  // "no pending message left": the pending one appears only once the page
  // has handled the key, so that wait could pass before it existed and the
  // next send would find two pending (seen once under a loaded -j2 run).
  const confirmed = ".message.mine:not(.pending) .text";
  const before = await page.$$eval(`#messages ${confirmed}`,
    (els, t) => els.filter((e) => e.textContent === t).length, text);
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
  await page.waitForFunction(([sel, t, n]) =>
    [...document.querySelectorAll(sel)].filter((e) => e.textContent === t).length > n,
    [`#messages ${confirmed}`, text, before]);
}

/** The texts of the confirmed messages in the open conversation, top to bottom. */
export function shownTexts(page) {
  return page.$$eval("#messages .message:not(.pending) .text", (els) => els.map((e) => e.textContent));
}

/** Waits until the open conversation shows `text`. */
export async function waitForText(page, text) {
  await page.locator("#messages .message:not(.pending) .text", { hasText: text }).first().waitFor();
}
