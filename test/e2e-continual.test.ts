// End to end in a real Chromium: the lab's Continual mode (dist/site/continual.html) trains two
// methods through a few short tasks, draws them against the task, and hands out a results file
// that the CLI's schema accepts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { haveChromium } from "./support/chromium.js";
import { ARTIFACTS, launchLab, type Lab } from "./support/lab-browser.js";
import { checkContinualReport } from "../src/study/continual-schema.js";
import type { ContinualReport } from "../src/study/continual-schema.js";

describe.runIf(haveChromium)("the lab's Continual mode in headless Chromium", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await launchLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("trains bp and cbp through 3 tasks, charts them and downloads a valid results file", async () => {
    const { page, problems } = await lab.open(
      "continual.html?tasks=3&per-task=600&layers=32,32&method=bp,cbp&autostart=1",
    );
    await page.waitForSelector('#results[data-complete="true"]', { timeout: 120_000 });
    expect(await page.getAttribute("body", "data-status")).toBe("done");

    const rows = await page.$$eval("#results-table tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-method")));
    expect(rows).toEqual(["bp", "cbp"]);
    const lines = await page.$$eval("#runs li", (lis) => lis.map((li) => li.textContent ?? ""));
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatch(
        /done: 3 tasks, last online accuracy \d+\.\d% · dead \d+\.\d% · \|w\| 0\.\d{4} · [\d,]+ steps\/s/,
      );
    expect(await page.locator(".chart canvas").count()).toBe(4);
    expect(await page.textContent("#cli")).toBe("dying-relu continual --tasks 3 --per-task 600 --layers 32,32");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    const file = join(ARTIFACTS, "lab-continual.json");
    await download.saveAs(file);
    const report = checkContinualReport<ContinualReport>(JSON.parse(readFileSync(file, "utf8")), file);
    expect(report.runs.map((r) => r.method)).toEqual(["bp", "cbp"]);
    for (const run of report.runs) {
      expect(run.tasks.map((t) => t.task)).toEqual([1, 2, 3]);
      expect(run.tasks[2].onlineAccuracy).toBeGreaterThan(0.2); // above chance after 1,200 examples
    }
    expect(report.config).toMatchObject({ tasks: 3, perTask: 600, layers: [32, 32], methods: ["bp", "cbp"] });
    await page.screenshot({ path: join(ARTIFACTS, "lab-continual.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows bad URL values in the page and does not start", async () => {
    const { page, problems } = await lab.open("continual.html?tasks=0&method=bp,magic&autostart=1");
    expect(await page.textContent("#f-tasks-error")).toBe("tasks must be an integer in [1, 100000], got 0");
    expect(await page.textContent("#f-method-error")).toBe(
      'methods must be one of bp, l2, snp, redo, cbp, got "magic"',
    );
    expect(await page.isDisabled("#start")).toBe(true);
    expect(await page.getAttribute("body", "data-status")).toBe("idle");
    // The method boxes show the page's defaults (bp, cbp) until the URL's methods are fixed.
    await page.fill("#f-tasks", "2");
    expect(await page.isDisabled("#start")).toBe(false);
    expect(new URL(page.url()).searchParams.get("tasks")).toBe("2");
    expect(problems).toEqual([]);
    await page.close();
  });
});
