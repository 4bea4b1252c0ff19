#!/usr/bin/env node
// Copies the dashboard screenshots the browser tests wrote (test-output/screenshots/) into
// docs/images/ for the README and docs, shrunk: scaled to 960 px wide in Chromium, then reduced
// to a 256-colour palette with pngquant when it is installed (apt-get install pngquant).
// Run after `npm test` (or `node scripts/run-tests.mjs dashboard-browser`).
/* global Image, document */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const from = join(root, "test-output", "screenshots");
const to = join(root, "docs", "images");
const WANTED = ["overview", "overview-phone", "agents", "agent-detail", "models", "model-detail", "routes", "route-detail", "alerts", "alert-detail", "report", "slos", "slo-detail", "alert-anomaly"];
if (!existsSync(from)) {
  console.error(`no screenshots in ${from}: run the browser tests first (node scripts/run-tests.mjs dashboard-browser)`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage();
const pngquant = spawnSync("pngquant", ["--version"]).status === 0;
for (const name of WANTED) {
  const src = join(from, `${name}.png`);
  if (!existsSync(src)) {
    console.warn(`missing ${src}`);
    continue;
  }
  const dataUrl = `data:image/png;base64,${readFileSync(src).toString("base64")}`;
  const out = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const width = Math.min(960, img.naturalWidth);
    const c = document.createElement("canvas");
    c.width = width;
    c.height = Math.round((img.naturalHeight * width) / img.naturalWidth);
    const g = c.getContext("2d");
    g.imageSmoothingQuality = "high";
    g.drawImage(img, 0, 0, c.width, c.height);
    return c.toDataURL("image/png").split(",")[1];
  }, dataUrl);
  const dest = join(to, `${name}.png`);
  writeFileSync(dest, Buffer.from(out, "base64"));
  if (pngquant) spawnSync("pngquant", ["--force", "--skip-if-larger", "--quality", "70-95", "--output", dest, dest]);
  console.log(`${dest}: ${Math.round(statSync(dest).size / 1024)} KiB`);
}
await browser.close();
