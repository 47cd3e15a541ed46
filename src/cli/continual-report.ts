// `continual --report FILE`: one self-contained HTML page (inline CSS, JS and uPlot, no network)
// with the study's settings, the summary table, and four charts against the task — online
// accuracy, dead share, the first hidden layer's effective rank and the weight magnitude — one
// line per method (the mean over its seeds).
import { escapeHtml, reportPage, tableRow } from "./html-report.js";
import type { ContinualReport } from "../study/continual-schema.js";
import { METHOD_COLORS, summaryRows } from "../study/continual-summary.js";

// Draws the charts from the embedded report; runs in the page.
const SCRIPT = `(() => {
const report = JSON.parse(document.getElementById("report-data").textContent);
const runs = report.runs, colors = ${JSON.stringify(METHOD_COLORS)};
const methods = [...new Set(runs.map((r) => r.method))];
const tasks = Array.from({ length: Math.max(...runs.map((r) => r.tasks.length)) }, (_, t) => t + 1);
const mean = (xs) => { xs = xs.filter((x) => Number.isFinite(x)); return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null; };
const dead = (t) => t.deadUnits.reduce((s, d) => s + d.dead, 0) / t.deadUnits.reduce((s, d) => s + d.units, 0);
const width = () => Math.min(520, document.body.clientWidth - 20);
function chart(title, yLabel, value, percent, fromZero) {
  const el = document.createElement("div"); document.getElementById("charts").appendChild(el);
  const series = methods.map((m) => ({ label: m, stroke: colors[m], width: 2 }));
  const data = methods.map((m) => tasks.map((t) => mean(runs.filter((r) => r.method === m).map((r) => r.tasks[t - 1] ? value(r.tasks[t - 1]) : NaN))));
  const y = fromZero ? { range: (u, min, max) => [0, Math.max(max * 1.1, 0.01)] } : {};
  new uPlot({ title, width: width(), height: 300, scales: { x: { time: false }, y },
    axes: [{ label: "task" }, { label: yLabel, values: percent ? (u, v) => v.map((x) => (x * 100).toFixed(Math.max(...v) - Math.min(...v) < 0.05 ? 1 : 0) + "%") : undefined }],
    series: [{ label: "task" }, ...series] }, [tasks, ...data], el);
}
chart("Online accuracy", "accuracy", (t) => t.onlineAccuracy, true);
chart("Dead units (all hidden layers), at the task's start", "dead", dead, true, true);
chart("Effective rank of the first hidden layer", "effective rank", (t) => t.effectiveRank[0], false);
chart("Weight magnitude (mean |w|)", "mean |w|", (t) => t.weightMagnitude, false, true);
})();`;

export function htmlContinualReport(report: ContinualReport): string {
  const c = report.config;
  const { header, rows } = summaryRows(report.runs);
  const tr = tableRow;
  const settings: [string, string][] = [
    ["stream", `${c.tasks} tasks × ${c.perTask} examples of permuted MNIST, batch ${c.batchSize}`],
    ["network", `MLP ${[784, ...c.layers, 10].join("-")}, ReLU, ${c.optimizer} at ${c.learningRate}`],
    ["methods", c.methods.join(", ")],
    [
      "remedy settings",
      `λ ${c.weightDecay}, σ ${c.noise}, ρ ${c.replacementRate}, maturity ${c.maturity}, η ${c.decay}, τ ${c.redoTau}`,
    ],
    ["seeds", `${c.seeds} from ${c.seed}`],
    ["engine", `${report.backend}, ${report.generator}`],
  ];
  const body = `<h1>dying-relu continual report: Online Permuted MNIST</h1>
<table class="config">${settings.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("\n")}</table>
<h2>Summary</h2>
<table class="summary">
<thead>${tr(header, "th")}</thead>
<tbody>
${rows.map((r) => tr(r, "td")).join("\n")}
</tbody>
</table>
<h2>Against the task</h2>
<p class="note">One line per method, the mean over its seeds. Online accuracy is over the task's examples, each predicted before it is trained on; dead units, rank and weight magnitude are measured at the task's start.</p>
<div id="charts" class="charts"></div>`;
  return reportPage({ title: "dying-relu continual report", body, data: report, script: SCRIPT });
}
