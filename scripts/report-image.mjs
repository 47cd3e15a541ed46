// Remakes an image of an HTML report's charts for the docs, e.g. docs/images/continual.jpg from
// `dying-relu continual --report continual.html`: the page in headless Chromium (/usr/bin/chromium
// or CHROMIUM_PATH), cropped to its charts.
//   node scripts/report-image.mjs REPORT.html OUT.jpg   (or OUT.png)
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [report, out] = process.argv.slice(2);
if (!report || !out) {
  console.error("usage: node scripts/report-image.mjs REPORT.html OUT.jpg");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 0.75 });
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.waitForSelector("#charts canvas");
  const charts = await page.locator("#charts").boundingBox();
  if (!charts) throw new Error(`${report} has no #charts`);
  const clip = { x: 0, y: charts.y - 8, width: 1100, height: charts.height + 16 };
  const jpeg = !out.endsWith(".png");
  await page.screenshot({
    path: out,
    clip,
    fullPage: true,
    ...(jpeg ? { type: "jpeg", quality: 75 } : { type: "png" }),
  });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
