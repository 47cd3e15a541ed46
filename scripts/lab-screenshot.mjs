// Remakes docs/images/lab.jpg, the README's picture of the lab: the built page (dist/site/) in
// headless Chromium (/usr/bin/chromium or CHROMIUM_PATH) trains the notebook's four rates for 5
// epochs on a 6,000-image subset, and the live charts, unit grids and result table are captured.
//   node scripts/lab-screenshot.mjs   (after npm run build)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serveStatic } from "../dist/web/serve.js";

const root = new URL("..", import.meta.url).pathname;
const server = await serveStatic({ root: join(root, "dist/site") });
const profile = mkdtempSync(join(tmpdir(), "dying-relu-shot-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  viewport: { width: 1100, height: 900 },
  deviceScaleFactor: 0.6, // a small file: the picture is shown at about 660 pixels wide
});
try {
  const page = await context.newPage();
  await page.goto(new URL("?lr=0.5,0.1,0.01,0.001&epochs=5&subset=6000&autostart=1", server.url).href);
  await page.waitForSelector('#results[data-complete="true"]', { timeout: 300_000 });
  const top = await page.locator("#charts").boundingBox();
  const bottom = await page.locator("#results").boundingBox();
  if (!top || !bottom) throw new Error("the lab page has no #charts or #results");
  const clip = { x: 0, y: top.y - 8, width: 1100, height: bottom.y + bottom.height - top.y + 16 };
  const path = join(root, "docs/images/lab.jpg");
  await page.screenshot({ path, clip, type: "jpeg", quality: 75, fullPage: true });
  process.stdout.write(`wrote ${path}\n`);
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
