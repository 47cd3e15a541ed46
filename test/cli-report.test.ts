// `--report FILE` on sweep and merge: one self-contained HTML page, through the built bin.
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mnistFolder } from "./support/idx-files.js";
import { cli } from "./support/cli.js";
import { deathCells, escapeHtml, htmlReport } from "../src/cli/html-report.js";

let data: string;
let dir: string;
// 2 rates × 2 seeds, 1 epoch.
const SWEEP = () => [
  "sweep",
  "--data",
  data,
  "--lr",
  "0.01,0.1",
  "--seeds",
  "2",
  "--seed",
  "5",
  "--epochs",
  "1",
  "--batch-size",
  "64",
  "--layers",
  "16,8",
  "--probe",
  "100",
  "--workers",
  "1",
];
let run: { code: number; stdout: string; stderr: string };
let html: string;

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const embedded = (page: string) =>
  JSON.parse(page.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]);
const cellsOf = (page: string) => [...page.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);

beforeAll(async () => {
  data = mnistFolder(1200, 200);
  dir = mkdtempSync(join(tmpdir(), "dying-relu-report-"));
  run = await cli(...SWEEP(), "--json", join(dir, "all.json"), "--report", join(dir, "report.html"));
  html = readFileSync(join(dir, "report.html"), "utf8");
});

describe("dying-relu sweep --report", () => {
  it("writes one HTML page whose embedded JSON holds the runs", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Wrote ${join(dir, "report.html")}`);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    for (const tag of ["html", "head", "body"]) {
      expect(count(html, new RegExp(`<${tag}[ >]`, "g"))).toBe(1);
      expect(count(html, new RegExp(`</${tag}>`, "g"))).toBe(1);
    }
    expect(count(html, /<script[ >]/g)).toBe(count(html, /<\/script>/g));
    const report = embedded(html);
    const json = JSON.parse(readFileSync(join(dir, "all.json"), "utf8"));
    expect(report.config).toEqual(json.config);
    expect(
      report.runs.map((r: { learningRate: number; seed: number; history: unknown; deadUnits: unknown }) => [
        r.learningRate,
        r.seed,
        r.history,
        r.deadUnits,
      ]),
    ).toEqual(
      json.runs.map((r: { learningRate: number; seed: number; history: unknown; deadUnits: unknown }) => [
        r.learningRate,
        r.seed,
        r.history,
        r.deadUnits,
      ]),
    );
  });

  it("has the config and the table the CLI printed", () => {
    for (const text of ["MLP 784-16-8-10, Adam", "0.01, 0.1", "5–6 (2)", "relu", "glorot_uniform"])
      expect(html).toContain(text);
    const threads = embedded(html).config.threads;
    expect(html).toContain(`, ${threads} thread${threads === 1 ? "" : "s"} per run`);
    const cells = cellsOf(html);
    for (const lr of ["0.01", "0.1"]) {
      const line = run.stdout.split("\n").find((l) => l.startsWith(`${lr} `))!;
      // The printed row: rate, seeds, dead per layer and val_accuracy as "m% ± s (a–b)", diverged.
      const figures = line.match(/\d+\.\d\d% ± \d+\.\d\d \(\d+\.\d–\d+\.\d\)/g)!;
      expect(figures).toHaveLength(3);
      const at = cells.indexOf(lr);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(cells.slice(at, at + 8)).toEqual([lr, "relu", "glorot_uniform", "2", ...figures, "0/2"]);
    }
  });

  it("is self-contained: inline uPlot, no scripts or styles from the network", () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain("uPlot");
  });

  it("draws every run's final dead masks as unit grids, one square per unit", () => {
    const report = embedded(html);
    const grids = [
      ...html.matchAll(
        /<div class="cells" style="--cols:(\d+)" data-layer="([^"]+)" data-mask="([01]+)"[^>]*>((?:<[ib]><\/[ib]>)*)<\/div>/g,
      ),
    ].map(([, cols, layer, mask, cells]) => ({
      cols: Number(cols),
      layer,
      mask,
      cells: [...cells.matchAll(/<([ib])>/g)].map((m) => (m[1] === "b" ? "1" : "0")).join(""),
    }));
    // 4 runs × 2 layers, in the runs' order, each square as its unit's mask says (b: dead).
    expect(grids.map((g) => [g.layer, g.mask])).toEqual(
      report.runs.flatMap((r: { deadMasks: string[] }) => r.deadMasks.map((m, l) => [`dense_${l + 1}`, m])),
    );
    for (const g of grids) expect(g.cells).toBe(g.mask);
    expect(grids.map((g) => g.cols)).toEqual([8, 8, 8, 8, 8, 8, 8, 8]);
    // Each grid's heading has the count deadUnits gives and the definition used.
    const heads = [...html.matchAll(/<small>(dense_\d): (\d+)\/(\d+) dead \(output exactly 0\)<\/small>/g)].map((m) => [
      m[1],
      Number(m[2]),
      Number(m[3]),
    ]);
    expect(heads).toEqual(
      report.runs.flatMap((r: { deadUnits: { layer: string; dead: number; units: number }[] }) =>
        r.deadUnits.map((d) => [d.layer, d.dead, d.units]),
      ),
    );
    for (const r of report.runs)
      expect(html).toContain(`<h3>lr ${r.learningRate} · relu · glorot_uniform · seed ${r.seed}</h3>`);
    expect(html).not.toContain("not in the --json report");
  });

  it("says when the dead units died: never fired, or the epoch after which they last fired; and the revivals", () => {
    // A hand-made run of 3 epochs: unit 0 never fired, unit 1 last fired before training (died in
    // epoch 1), unit 2 last fired after epoch 2 (died in epoch 3), unit 3 alive; 2 + 1 revivals.
    const run = {
      learningRate: 0.1,
      seed: 1,
      history: { loss: [], accuracy: [], val_loss: [], val_accuracy: [] },
      diverged: null,
      seconds: 1,
      deadUnits: [{ layer: "dense_1", units: 4, dead: 3, fraction: 0.75 }],
      deadUnitsPerEpoch: [
        [{ layer: "dense_1", units: 4, dead: 2, fraction: 0.5, revived: 2 }],
        [{ layer: "dense_1", units: 4, dead: 2, fraction: 0.5, revived: 0 }],
        [{ layer: "dense_1", units: 4, dead: 3, fraction: 0.75, revived: 1 }],
      ],
      deadMasks: ["1110"],
      lastFiredEpoch: [[-1, -1, 1, 2]],
      lastFiredStep: [[-1, 0, 20, 30]],
    };
    expect(deathCells(run)).toEqual(["3 dead: 1 never fired, 1 in epoch 1, 1 in epoch 3; 3 revived"]);
    expect(deathCells({ ...run, lastFiredStep: undefined })).toBeNull();
    // The sweep's page has the table, one row per run, with the runs' own figures.
    const report = embedded(html);
    const table = html.slice(
      html.indexOf('<table class="deaths">'),
      html.indexOf("</table>", html.indexOf('<table class="deaths">')),
    );
    for (const r of report.runs) for (const cell of deathCells(r)!) expect(table).toContain(`<td>${cell}</td>`);
    expect(count(table, /<tr>/g)).toBe(1 + report.runs.length);
  });

  it("says so for runs from files without masks", () => {
    const report = embedded(html);
    const old = htmlReport({
      ...report,
      runs: report.runs.map(({ deadMasks: _, ...r }: { deadMasks: string[] }) => r),
    });
    expect(old).not.toMatch(/class="cells"/);
    expect(count(old, /no per-unit mask in this run's file/g)).toBe(8);
  });

  it("refuses an existing file without --force, before training, with exit code 2", async () => {
    const file = join(dir, "taken.html");
    writeFileSync(file, "mine");
    const r = await cli(...SWEEP(), "--report", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--report .*taken\.html already exists; pass --force to overwrite it/);
    expect(r.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toBe("mine");
    const missing = await cli(...SWEEP(), "--report", join(dir, "no-such-dir", "r.html"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot be written/);
    const forced = await cli(...SWEEP(), "--report", file, "--force");
    expect(forced.code).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^<!DOCTYPE html>/);
  });

  it("merge --report writes the merged report's page", async () => {
    const parts = [1, 2].map((k) => join(dir, `part${k}.json`));
    for (const [k, file] of parts.entries())
      expect((await cli(...SWEEP(), "--shard", `${k + 1}/2`, "--json", file)).code).toBe(0);
    const out = join(dir, "merged.html");
    const m = await cli("merge", ...parts, "--report", out);
    expect(m.stderr).toBe("");
    expect(m.code).toBe(0);
    const page = readFileSync(out, "utf8");
    const report = embedded(page);
    expect(report.config.shard).toBeNull();
    expect(report.runs).toHaveLength(4);
    expect(cellsOf(page).filter((c) => /%/.test(c))).toEqual(cellsOf(html).filter((c) => /%/.test(c)));
    // merge keeps the per-unit masks, and the page draws them.
    expect(report.runs.map((r: { deadMasks: string[] }) => r.deadMasks)).toEqual(
      embedded(html).runs.map((r: { deadMasks: string[] }) => r.deadMasks),
    );
    expect(page.match(/data-mask="[01]+"/g)).toEqual(html.match(/data-mask="[01]+"/g));
    expect(existsSync(out)).toBe(true);
    const again = await cli("merge", ...parts, "--report", out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });
});

describe("escapeHtml", () => {
  it("escapes markup characters", () => {
    expect(escapeHtml(`<script>"a" & 'b'</script>`)).toBe(
      "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;",
    );
  });
});

describe("htmlReport", () => {
  it("escapes text in the page and keeps the embedded JSON inside its script block", () => {
    const report = embedded(html);
    const evil = `</script><b id="x">&'`;
    const page = htmlReport({ ...report, config: { ...report.config, data: evil } });
    expect(page).not.toContain(evil);
    expect(page).toContain(escapeHtml(evil));
    expect(embedded(page).config.data).toBe(evil);
    expect(count(page, /<\/script>/g)).toBe(count(html, /<\/script>/g));
  });

  it("names the optimizer and its options of a lab download", () => {
    const report = embedded(html);
    expect(
      htmlReport({
        ...report,
        config: { ...report.config, compile: { optimizer: "sgd", momentum: 0.9, nesterov: true } },
      }),
    ).toContain("<td>MLP 784-16-8-10, sgd (momentum 0.9, nesterov true)</td>");
  });
});
