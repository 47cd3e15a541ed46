// End to end in a real Chromium: the built lab page (dist/site/) served from this process trains
// two learning rates for one epoch on a 3000-image subset and shows the final table.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import { haveChromium } from "./support/chromium.js";
import { ARTIFACTS as artifacts, launchLab, type Lab } from "./support/lab-browser.js";

describe.runIf(haveChromium)("the lab page in headless Chromium", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await launchLab();
  });
  afterAll(async () => {
    await lab?.close();
  });
  const open = (query: string, notIsolated = false) => lab.open(query, notIsolated);

  it("trains two rates for one epoch on a subset and shows a sane final table", async () => {
    const { page, problems } = await open("?lr=0.5,0.01&epochs=1&subset=3000&autostart=1");
    await page.waitForSelector('#results[data-complete="true"]', { timeout: 90_000 });

    const rows = await page.$$eval("#results-table tbody tr", (trs) =>
      trs.map((tr) => ({
        lr: Number(tr.getAttribute("data-lr")),
        dead: Array.from(tr.querySelectorAll("td[data-dead]"), (td) => [
          Number(td.getAttribute("data-dead")),
          Number(td.getAttribute("data-units")),
        ]),
        accuracy: Number(tr.querySelector("td[data-accuracy]")?.getAttribute("data-accuracy")),
      })),
    );
    expect(rows.map((r) => r.lr)).toEqual([0.5, 0.01]);
    for (const r of rows) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.dead.map(([, units]) => units)).toEqual([128, 64, 32]);
      for (const [dead, units] of r.dead) {
        expect(Number.isInteger(dead)).toBe(true);
        expect(dead).toBeGreaterThanOrEqual(0);
        expect(dead).toBeLessThanOrEqual(units);
      }
    }
    // 0.01 learns on 2400 images in one epoch; 0.5 is the notebook's collapse.
    expect(rows[1].accuracy).toBeGreaterThan(0.6);

    // The grids show every unit after the epoch, and agree with the table.
    const grid = await page.$$eval("#grid-0 .cells", (grids) =>
      grids.map((g) => [g.querySelectorAll("i.dead").length, g.querySelectorAll("i").length]),
    );
    expect(grid).toEqual(rows[0].dead);
    // The engine in use and its speed are shown; the charts were drawn.
    // npm run serve sends COOP/COEP, so the page is cross-origin isolated and runs on every core.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.textContent("#engine-text")).toMatch(
      new RegExp(`^wasm-(relaxed|simd) · .* · ${cores} threads?$`),
    );
    expect(await page.textContent("#speed-text")).toMatch(/^\d+\.\d+ ms\/step/);
    expect(await page.locator(".chart canvas").count()).toBe(6);
    // The settings stay in the URL.
    expect(new URL(page.url()).searchParams.get("lr")).toBe("0.5,0.01");

    await page.screenshot({ path: join(artifacts, "lab-1280.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    // The charts follow the new width before the picture is taken.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll(".chart canvas")).every((c) => c.getBoundingClientRect().width <= 390),
    );
    await page.screenshot({ path: join(artifacts, "lab-390.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("compares ReLU with Leaky ReLU picked in the page: fewer dead units at rate 0.1", async () => {
    const { page, problems } = await open("?lr=0.1&epochs=1&subset=3000");
    // Tick leaky_relu beside relu: the URL and the CLI line follow, one run per activation.
    await page.check("#f-act-leaky_relu");
    expect(new URL(page.url()).searchParams.get("act")).toBe("relu,leaky_relu");
    expect(await page.textContent("#cli")).toContain("--activation relu,leaky_relu");
    expect(await page.$$eval("#grids .rate-row", (rows) => rows.map((r) => r.getAttribute("data-activation")))).toEqual(
      ["relu", "leaky_relu"],
    );
    await page.click("#start");
    await page.waitForSelector('#results[data-complete="true"]', { timeout: 90_000 });

    const rows = await page.$$eval("#results-table tbody tr", (trs) =>
      trs.map((tr) => ({
        activation: tr.getAttribute("data-activation"),
        definition: tr.querySelector("td[data-definition]")?.getAttribute("data-definition"),
        dead: Array.from(tr.querySelectorAll("td[data-dead]"), (td) => Number(td.getAttribute("data-dead"))),
        nearlyDead: Array.from(tr.querySelectorAll("td[data-dead]"), (td) =>
          Number(td.getAttribute("data-nearly-dead")),
        ),
        dormant: Array.from(tr.querySelectorAll("td[data-dead]"), (td) => td.getAttribute("data-dormant")),
        revived: Array.from(tr.querySelectorAll("td[data-dead]"), (td) => td.getAttribute("data-revived")),
      })),
    );
    expect(rows.map((r) => [r.activation, r.definition])).toEqual([
      ["relu", "zero"],
      ["leaky_relu", "never-positive"],
    ]);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const [relu, leaky] = rows;
    // At 0.1 most ReLU units die in one epoch; Leaky ReLU keeps far more of them alive.
    expect(sum(relu.dead)).toBeGreaterThan(100);
    expect(sum(leaky.dead)).toBeLessThan(sum(relu.dead) / 2);
    for (const r of rows) {
      r.dead.forEach((d, l) => expect(r.nearlyDead[l]).toBeGreaterThanOrEqual(d));
      for (const v of [...r.dormant, ...r.revived]) expect(v).toMatch(/^\d+$/);
    }
    // Each run's grid agrees with its row.
    for (const i of [0, 1]) {
      const grid = await page.$$eval(`#grid-${i} .cells`, (grids) =>
        grids.map((g) => g.querySelectorAll("i.dead").length),
      );
      expect(grid).toEqual(rows[i].dead);
    }
    // The dead-unit charts start before training and switch to the other definitions.
    expect(await page.textContent("#charts")).toContain("epoch 0 is before training");
    await page.selectOption("#dead-metric", "dormant");
    expect(await page.textContent("#charts")).toContain("τ-dormant units in dense_1");
    expect(await page.locator(".chart canvas").count()).toBe(6);

    await page.screenshot({ path: join(artifacts, "lab-compare-1280.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows bad remedy values in the page and does not start", async () => {
    const { page, problems } = await open("?opt=adam&momentum=0.9&clipnorm=1&clipvalue=1&act=relu,swish");
    const errors = await page.textContent("#errors");
    expect(errors).toContain('Hidden activations: activations must be one of relu, leaky_relu, elu, gelu, got "swish"');
    expect(errors).toContain("Momentum: momentum applies only to sgd and rmsprop, and the optimizer is adam");
    expect(errors).toContain("Clip value: give only one of clipnorm, clipvalue and global clipnorm (as Keras)");
    expect(await page.isDisabled("#start")).toBe(true);
    expect(await page.getAttribute("#f-momentum", "aria-invalid")).toBe("true");
    // The checkboxes hold only the known activation; choosing sgd and clearing the clip value fixes the rest.
    expect(await page.isChecked("#f-act-relu")).toBe(true);
    expect(await page.isChecked("#f-act-leaky_relu")).toBe(false);
    await page.selectOption("#f-opt", "sgd");
    expect(await page.textContent("#errors")).not.toContain("Momentum");
    expect(await page.isDisabled("#start")).toBe(true);
    await page.fill("#f-clipvalue", "");
    expect(await page.isHidden("#errors")).toBe(true);
    expect(await page.isDisabled("#start")).toBe(false);
    const url = new URL(page.url()).searchParams;
    // relu alone is the default, so the link leaves it out.
    expect([url.get("opt"), url.get("momentum"), url.get("clipnorm"), url.get("clipvalue"), url.get("act")]).toEqual([
      "sgd",
      "0.9",
      "1",
      null,
      null,
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows bad URL values in the page and does not start", async () => {
    const { page, problems } = await open("?lr=0.5,fast&epochs=0&autostart=1");
    const errors = await page.textContent("#errors");
    expect(errors).toContain('learning rates must be a positive number, got "fast"');
    expect(errors).toContain("epochs must be between 1 and 100, got 0");
    expect(errors).toContain("autostart=1 was ignored");
    expect(await page.isDisabled("#start")).toBe(true);
    expect(await page.getAttribute("body", "data-status")).toBe("idle");
    // Fixing the field re-enables the start button and updates the URL.
    await page.fill("#f-lr", "0.5,0.01");
    await page.fill("#f-epochs", "1");
    expect(await page.isDisabled("#start")).toBe(false);
    expect(new URL(page.url()).searchParams.get("epochs")).toBe("1");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("falls back to one thread on a page that is not cross-origin isolated, and says why", async () => {
    const { page, problems } = await open("?lr=0.01&epochs=1&subset=600&probe=100&batch=64&autostart=1", true);
    await page.waitForSelector('body[data-status="failed"], #results[data-complete="true"]', { timeout: 60_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.textContent("#engine-text")).toMatch(
      /^wasm-(relaxed|simd) · .* · 1 thread: the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\)$/,
    );
    expect(await page.locator("#results-table tbody tr").count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("trains with the plain-JavaScript twin engine when asked", async () => {
    const { page, problems } = await open("?lr=0.01&epochs=1&subset=600&probe=100&batch=64&engine=js&autostart=1");
    await page.waitForSelector('body[data-status="failed"], #results[data-complete="true"]', { timeout: 60_000 });
    expect(await page.isHidden("#errors")).toBe(true);
    expect(await page.textContent("#errors")).toBe("");
    expect(await page.textContent("#engine-text")).toBe("js · plain JavaScript, no SIMD");
    expect(await page.locator("#results-table tbody tr").count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
