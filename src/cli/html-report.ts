// `--report FILE`: one self-contained HTML page (inline CSS, JS and the uPlot library, no network)
// with the sweep's config, the summary table, three charts drawn from the embedded JSON report and
// the per-unit grids of every run's final dead masks (plain HTML and CSS, so they need no script).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { finalValAccuracy, pctStats, seedStats } from "./report.js";
import type { Report } from "../study/schema.js";
import type { Run } from "../study/schema.js";
import { describeOptimizer } from "../engine/optimizer.js";

/**
 * Escapes text for HTML element content and attribute values. Every value from a report goes
 * through it (or through scriptJson), even those the schema already types as numbers.
 */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** JSON safe inside <script>: no "</script", "<!--" or U+2028/9 can end or confuse the block. */
export const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

/** uPlot's minified script and stylesheet, read from the installed package (a dependency). */
export function uplotAssets(): { js: string; css: string } {
  const require = createRequire(import.meta.url);
  const dir = require.resolve("uplot/package.json").replace(/package\.json$/, "dist/");
  return { js: readFileSync(`${dir}uPlot.iife.min.js`, "utf8"), css: readFileSync(`${dir}uPlot.min.css`, "utf8") };
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

function configRows(report: Report): [string, string][] {
  const c = report.config;
  return [
    ["model", `MLP ${[784, ...c.layers, 10].join("-")}, ${c.compile ? describeOptimizer(c.compile) : "Adam"}`],
    ["learning rates", c.learningRates.join(", ")],
    ["epochs", String(c.epochs)],
    ["batch size", String(c.batchSize)],
    ["seeds", c.seeds > 1 ? `${c.seed}–${c.seed + c.seeds - 1} (${c.seeds})` : String(c.seed)],
    [
      "hidden activations",
      (c.activations ?? ["relu"]).join(", ") + (c.alpha === undefined ? "" : ` (alpha ${c.alpha})`),
    ],
    ["kernel initialisers", (c.initializers ?? ["glorot_uniform"]).join(", ")],
    ["validation", c.validationData === "test" ? "the test set" : `split ${c.validationSplit}`],
    ["dead-unit probe", `first ${c.probe} training images`],
    ["data", c.data],
    [
      "engine",
      c.threads === undefined ? c.backend : `${c.backend}, ${c.threads} thread${c.threads === 1 ? "" : "s"} per run`,
    ],
    ["shard", c.shard ? `${c.shard.index}/${c.shard.count}` : "the whole grid"],
    ["runs", String(report.runs.length)],
  ];
}

/** The notebook's table: per cell, dead % per layer and final val accuracy (mean ± std (min–max) over seeds when seeds > 1). */
function summaryRows(report: Report): { header: string[]; rows: string[][] } {
  const { runs } = report;
  const layers = runs[0]?.deadUnits.map((d) => `${d.layer} dead`) ?? [];
  if (report.config.seeds > 1) {
    return {
      header: ["learning rate", "activation", "init", "seeds", ...layers, "val_accuracy", "diverged"],
      rows: seedStats(runs).map((g) => [
        String(g.learningRate),
        g.activation,
        g.kernelInitializer,
        String(g.seeds.length),
        ...g.dead.map(pctStats),
        pctStats(g.valAccuracy),
        `${g.diverged}/${g.seeds.length}`,
      ]),
    };
  }
  return {
    header: ["learning rate", "activation", "init", "seed", ...layers, "val_accuracy", "diverged"],
    rows: runs.map((r) => {
      const acc = finalValAccuracy(r);
      return [
        String(r.learningRate),
        r.activation ?? "relu",
        r.kernelInitializer ?? "glorot_uniform",
        String(r.seed),
        ...r.deadUnits.map((d) => `${pct(d.fraction)} (${d.dead}/${d.units})`),
        acc === null ? "n/a" : pct(acc),
        r.diverged ? `epoch ${r.diverged.epoch}, step ${r.diverged.step}` : "no",
      ];
    }),
  };
}

export const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}th{background:#f3f3f3}
td:nth-child(-n+3),th:nth-child(-n+3),table.config td,table.config th{text-align:left}.note{color:#555}.charts{display:flex;flex-wrap:wrap;gap:1em}
.run{display:flex;flex-wrap:wrap;gap:.4em 1.5em;align-items:flex-start;border-top:1px solid #ddd;padding:.6em 0}.run h3{font-size:1em;margin:0;width:15em}
.layer small{display:block;color:#555}.cells{display:grid;grid-template-columns:repeat(var(--cols),9px);gap:1px}
.cells i,.cells b{width:9px;height:9px;border-radius:1px;background:#2a9d8f}.cells b{background:#222}.key i,.key b{display:inline-block;width:9px;height:9px;margin:0 .3em 0 1em;background:#2a9d8f}.key b{background:#222}`;

// Draws the charts from the embedded report; runs in the page (no network).
const SCRIPT = `(() => {
const report = JSON.parse(document.getElementById("report-data").textContent);
const runs = report.runs, colors = ["#1f77b4","#d62728","#2ca02c","#ff7f0e","#9467bd","#8c564b","#e377c2","#17becf","#7f7f7f","#bcbd22"];
const cellOf = (r) => (r.activation || "relu") + ", " + (r.kernelInitializer || "glorot_uniform");
const cells = [...new Set(runs.map(cellOf))];
const rates = [...new Set(runs.map((r) => r.learningRate))].sort((a, b) => a - b);
const layers = runs.length ? runs[0].deadUnits.map((d) => d.layer) : [];
const accOf = (r) => { const a = r.history.val_accuracy; return a.length ? a[a.length - 1] : null; };
const agg = (xs) => { xs = xs.filter((x) => x !== null && Number.isFinite(x)); if (!xs.length) return [null, null, null];
  return [xs.reduce((s, x) => s + x, 0) / xs.length, Math.min(...xs), Math.max(...xs)]; };
const width = () => Math.min(1060, document.body.clientWidth - 20);
function chart(target, title, xLabel, yLabel, xs, series, logX, bands) {
  const el = document.createElement("div"); document.getElementById(target).appendChild(el);
  new uPlot({ title, width: width(), height: 320, scales: { x: logX ? { time: false, distr: 3, log: 10 } : { time: false } },
    axes: [logX ? { label: xLabel } : { label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: yLabel, values: (u, v) => v.map((x) => (x * 100).toFixed(0) + "%") }],
    series: [{ label: xLabel }, ...series.map((s) => s.opts)], bands: bands || [] }, [xs, ...series.map((s) => s.data)], el);
}
// 1. Final val accuracy against learning rate, per cell: mean line with the seeds' min–max band.
{ const series = [], bands = [];
  cells.forEach((c, i) => { const col = colors[i % colors.length];
    const st = rates.map((lr) => agg(runs.filter((r) => cellOf(r) === c && r.learningRate === lr).map(accOf)));
    const base = series.length + 1;
    series.push({ opts: { label: c + " mean", stroke: col, width: 2, points: { show: true } }, data: st.map((s) => s[0]) });
    if (report.config.seeds > 1) {
      series.push({ opts: { label: c + " max", stroke: col, width: 0.5, dash: [4, 4] }, data: st.map((s) => s[2]) });
      series.push({ opts: { label: c + " min", stroke: col, width: 0.5, dash: [4, 4] }, data: st.map((s) => s[1]) });
      bands.push({ series: [base + 1, base + 2], fill: col + "22" });
    } });
  chart("chart-acc", "Final validation accuracy" + (report.config.seeds > 1 ? " (mean, band: min–max over seeds)" : ""), "learning rate", "val_accuracy", rates, series, true, bands); }
// 2. Dead fraction after training against learning rate, per layer (and cell).
{ const series = [];
  layers.forEach((l, li) => cells.forEach((c, ci) => {
    const st = rates.map((lr) => agg(runs.filter((r) => cellOf(r) === c && r.learningRate === lr).map((r) => (r.deadUnits.find((d) => d.layer === l) || {}).fraction ?? null)));
    series.push({ opts: { label: l + (cells.length > 1 ? " · " + c : ""), stroke: colors[(li * cells.length + ci) % colors.length], width: 2, points: { show: true } }, data: st.map((s) => s[0]) });
  }));
  chart("chart-dead", "Dead fraction after training per layer" + (report.config.seeds > 1 ? " (mean over seeds)" : ""), "learning rate", "dead", rates, series, true); }
// 3. Dead fraction per epoch, one chart per layer, one line per rate (and cell); epoch 0 is before
// training, where the runs recorded it.
{ const before = runs.some((r) => r.deadUnitsBeforeTraining);
  const epochs = Array.from({ length: report.config.epochs + 1 }, (_, e) => e).slice(before ? 0 : 1);
  const entryAt = (r, e) => (e === 0 ? r.deadUnitsBeforeTraining : (r.deadUnitsPerEpoch || [])[e - 1]);
  layers.forEach((l) => { const series = [];
    rates.forEach((lr, ri) => cells.forEach((c, ci) => {
      const group = runs.filter((r) => cellOf(r) === c && r.learningRate === lr);
      const data = epochs.map((e) => agg(group.map((r) => { const ep = entryAt(r, e); const d = ep && ep.find((d) => d.layer === l); return d ? d.fraction : null; }))[0]);
      series.push({ opts: { label: "lr " + lr + (cells.length > 1 ? " · " + c : ""), stroke: colors[(ri * cells.length + ci) % colors.length], width: 2, points: { show: true } }, data });
    }));
    chart("chart-epochs", "Dead fraction per epoch, " + l + (report.config.seeds > 1 ? " (mean over seeds)" : "") + (before ? ", epoch 0 = before training" : ""), "epoch", "dead", epochs, series, false);
  }); }
})();`;

const DEFINITION = { zero: "output exactly 0", "never-positive": "output never positive" } as const;

/**
 * When a run's dead units died, per layer: of the units dead at the end, those that never fired
 * on the probe (not even before training), and those that last fired before training or after
 * epoch e and so died during the next epoch; then the units revived over the run (Σ of each
 * epoch's revivals). Null for a run from a file without lastFiredStep.
 */
export function deathCells(run: Run): string[] | null {
  const { deadMasks, lastFiredEpoch, lastFiredStep } = run;
  if (!deadMasks || !lastFiredEpoch || !lastFiredStep) return null;
  return run.deadUnits.map((d, l) => {
    let never = 0;
    const diedIn = new Map<number, number>(); // 1-based epoch → units
    Array.from(deadMasks[l]).forEach((c, j) => {
      if (c !== "1") return;
      if (lastFiredStep[l][j] === -1) never++;
      else diedIn.set(lastFiredEpoch[l][j] + 2, (diedIn.get(lastFiredEpoch[l][j] + 2) ?? 0) + 1);
    });
    const revived = run.deadUnitsPerEpoch.reduce((s, e) => s + (e[l]?.revived ?? 0), 0);
    const parts = [
      `${never} never fired`,
      ...[...diedIn].sort(([a], [b]) => a - b).map(([e, n]) => `${n} in epoch ${e}`),
    ];
    return `${d.dead} dead: ${parts.join(", ")}; ${revived} revived`;
  });
}

/** One run's final dead masks: a grid per layer, one square per unit (dark: dead), as the lab draws them. */
function unitGrids(run: Run): string {
  const title = `lr ${run.learningRate} · ${run.activation ?? "relu"} · ${run.kernelInitializer ?? "glorot_uniform"} · seed ${run.seed}`;
  const layers = run.deadUnits.map((d, l) => {
    const mask = run.deadMasks?.[l];
    const head = `<small>${escapeHtml(`${d.layer}: ${d.dead}/${d.units} dead${d.definition ? ` (${DEFINITION[d.definition]})` : ""}`)}</small>`;
    if (mask === undefined) return `<div class="layer">${head}<small>no per-unit mask in this run's file</small></div>`;
    const cells = Array.from(mask, (c) => (c === "1" ? "<b></b>" : "<i></i>")).join("");
    return `<div class="layer">${head}<div class="cells" style="--cols:${d.units > 64 ? 16 : 8}" data-layer="${escapeHtml(d.layer)}" data-mask="${escapeHtml(mask)}" role="img" aria-label="${escapeHtml(`${d.layer}: ${d.dead} of ${d.units} units dead`)}">${cells}</div></div>`;
  });
  return `<div class="run"><h3>${escapeHtml(title)}${run.diverged ? " (diverged)" : ""}</h3>${layers.join("")}</div>`;
}

/** The whole page for a sweep's (or merge's) report. */
/** One table row of escaped cells. */
export const tableRow = (cells: string[], tag: "td" | "th") =>
  `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;

/**
 * A report's self-contained page: uPlot and the styles inline, the body's HTML, the report as
 * JSON for `script`, which draws the charts in the page.
 */
export function reportPage(page: { title: string; body: string; data: unknown; script: string }): string {
  const { js, css } = uplotAssets();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head>
<body>
${page.body}
<script type="application/json" id="report-data">${scriptJson(page.data)}</script>
<script>${js}</script>
<script>${page.script}</script>
</body>
</html>
`;
}

export function htmlReport(report: Report): string {
  const { header, rows } = summaryRows(report);
  const tr = tableRow;
  const seeds = report.config.seeds;
  const body = `<h1>dying-relu sweep report</h1>
<h2>Experiment</h2>
<table class="config">${configRows(report)
    .map(([k, v]) => tr([k, v], "td").replace("<td>", "<th>").replace("</td>", "</th>"))
    .join("\n")}</table>
<h2>Summary</h2>
<p class="note">Dead units on the probe after training, per layer, and the final validation accuracy${seeds > 1 ? `; each figure is mean ± sample std (min–max) over the ${seeds} seeds, in percent` : ""}. Dead means output exactly 0 (relu) or never positive (other activations) on every probe image.</p>
<table class="summary">
<thead>${tr(header, "th")}</thead>
<tbody>
${rows.map((r) => tr(r, "td")).join("\n")}
</tbody>
</table>
<h2>Final validation accuracy against learning rate</h2>
<div id="chart-acc" class="charts"></div>
<h2>Dead fraction against learning rate</h2>
<div id="chart-dead" class="charts"></div>
<h2>Dead fraction per epoch</h2>
<div id="chart-epochs" class="charts"></div>
<h2>When units died</h2>
<p class="note">Per run and layer, the units dead after training: those that never fired on the probe (not even before training), and the epoch in which the others died (they fired on the probe for the last time before it); then the units that came back to life over the run (each epoch's revivals, summed).</p>
<table class="deaths">
<thead>${tr(["learning rate", "activation", "init", "seed", ...(report.runs[0]?.deadUnits.map((d) => d.layer) ?? [])], "th")}</thead>
<tbody>
${report.runs
  .map((r) =>
    tr(
      [
        String(r.learningRate),
        r.activation ?? "relu",
        r.kernelInitializer ?? "glorot_uniform",
        String(r.seed),
        ...(deathCells(r) ?? r.deadUnits.map(() => "n/a (file without lastFiredStep)")),
      ],
      "td",
    ),
  )
  .join("\n")}
</tbody>
</table>
<h2>Every unit after training</h2>
<p class="note key">One square per hidden unit and one row per run, from the final probe:<i></i>alive<b></b>dead. Units of different seeds are different units, so the grids are not averaged.</p>
<div id="grids">
${report.runs.map(unitGrids).join("\n")}
</div>`;
  return reportPage({ title: "dying-relu sweep report", body, data: report, script: SCRIPT });
}
