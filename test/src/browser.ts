/** Debian's Chromium driven by playwright-core for the dashboard suites: launch flags, console-error capture, screenshots. */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`; `npm test` installs it as root). */
export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots land here (not committed; `scripts/readme-screenshots.mjs` copies them for the README). */
export const SCREENSHOT_DIR = fileURLToPath(new URL("../../test-output/screenshots/", import.meta.url));

/** Why the browser suites cannot run here, or null when they can (CI never skips: see scripts/system-packages.mjs). */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package (scripts/system-packages.mjs)`);
  return `${CHROMIUM} is missing: apt-get install chromium`;
}

/** Launches headless Chromium with the flags this machine needs (no sandbox as root, no GPU, no background network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  });
}

/** A page whose console errors, uncaught exceptions and failed requests are collected in `problems`. */
export interface WatchedPage {
  page: Page;
  problems: string[];
}

/** Opens a page in `context` that records every console error, page error and failed request. */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A poll cancelled by navigation is not a failure of the page.
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  return { page, problems };
}

/** Saves a screenshot of the viewport as `<name>.png` under SCREENSHOT_DIR and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
