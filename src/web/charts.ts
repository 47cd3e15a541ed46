// The uPlot charts: one colour, dash and label per run (the grids and table reuse them), the live loss,
// loss and accuracy per epoch, and the dead-unit charts with their measure's select. Apart as only they use uPlot.
import type uPlot from "uplot";
import { ChartSet, points } from "./plot.js";
import { DEFAULT_NEARLY_DEAD_THRESHOLD, DEFAULT_TAU } from "../engine/dead-units.js";
import { runLabel } from "./state.js";
import { denseName } from "../keras-defaults.js";
import {
  DEAD_METRICS,
  batchChart,
  deadAxis,
  deadFractions,
  epochAxis,
  trainAndVal,
  type DeadMetric,
} from "./series.js";
import { state } from "./page.js";
import { $, h } from "./dom.js";

// One hue per learning rate, in the order given (the notebook's rates: hot to cool), and per
// activation a shade of it: the rate's runs look alike, and the activations stay apart.
const COLORS = ["#d1495b", "#e8871e", "#2a9d8f", "#3d5a98", "#8e5ea2", "#6a994e", "#b5838d", "#577590"];
const SHADES = [0, 0.45, -0.35, 0.7]; // > 0 towards white, < 0 towards black
function shade(hex: string, t: number): string {
  const to = t > 0 ? 255 : 0;
  const c = [1, 3, 5].map((i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - Math.abs(t)) + to * Math.abs(t)));
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}
/** Line dashes per activation on the dead-unit charts, where a dash means nothing else. */
const DASHES: number[][] = [[], [7, 4], [2, 3], [10, 3, 2, 3]];
/** The color of the state's i-th run. */
export function color(i: number): string {
  const run = state.runs[i];
  if (!run) return COLORS[i % COLORS.length];
  const r = state.config.learningRates.indexOf(run.learningRate);
  const a = state.config.activations.indexOf(run.activation);
  return shade(COLORS[r % COLORS.length], SHADES[a % SHADES.length]);
}
const dash = (i: number) =>
  DASHES[Math.max(0, state.config.activations.indexOf(state.runs[i]?.activation)) % DASHES.length];
export const label = (i: number) => runLabel(state.config, state.runs[i]);

export const charts = new ChartSet();

/** The dead-unit charts' measure, chosen above them. */
let deadMetric: DeadMetric = "dead";
const METRIC_TEXT: Record<DeadMetric, { select: string; title: string; note: string }> = {
  dead: { select: "dead", title: "Dead units", note: "share of the layer's units that never fire on the probe" },
  nearlyDead: {
    select: `nearly dead (active on < ${DEFAULT_NEARLY_DEAD_THRESHOLD * 100}% of the probe)`,
    title: "Nearly dead units",
    note: `share active on fewer than ${DEFAULT_NEARLY_DEAD_THRESHOLD * 100}% of the probe images (dead ones included)`,
  },
  dormant: {
    select: `τ-dormant (τ = ${DEFAULT_TAU})`,
    title: "τ-dormant units",
    note: `share whose mean |output| is at most τ = ${DEFAULT_TAU} of the layer's mean (Sokar et al. 2023)`,
  },
  revived: {
    select: "revived",
    title: "Revived units",
    note: "share that was dead at the previous probe and fires again",
  },
};

export function buildCharts(): void {
  charts.clear();
  const host = $("charts");
  host.replaceChildren();
  const { config } = state;
  const epochRange: [number, number] = config.epochs > 1 ? [1, config.epochs] : [0.5, 1.5];
  const runs = state.runs.map((_, i) => i);

  charts.add(host, {
    title: "Training loss, live",
    note: "running mean over each epoch's batches (log scale)",
    xLabel: "epoch",
    yLabel: "loss",
    log: true,
    xRange: [0, config.epochs],
    series: runs.map((i) => ({ label: label(i), stroke: color(i), width: 2, spanGaps: true, points: { show: false } })),
    data: () => batchChart(state) as uPlot.AlignedData,
  });
  for (const metric of ["loss", "accuracy"] as const) {
    charts.add(host, {
      title: metric === "loss" ? "Loss per epoch" : "Accuracy per epoch",
      note:
        metric === "loss" ? "solid: training, dashed: validation (log scale)" : "solid: training, dashed: validation",
      xLabel: "epoch",
      yLabel: metric,
      log: metric === "loss",
      percent: metric === "accuracy",
      xRange: epochRange,
      series: runs.flatMap((i) => [
        { label: `${label(i)} train`, stroke: color(i), width: 2, points: points(color(i)) },
        { label: `${label(i)} val`, stroke: color(i), width: 2, dash: [6, 4], points: points(color(i)) },
      ]),
      data: () => [epochAxis(state), ...trainAndVal(state, metric)] as uPlot.AlignedData,
    });
  }
  const text = METRIC_TEXT[deadMetric];
  const activations =
    config.activations.length > 1
      ? `; ${config.activations.map((a, k) => `${a} ${["solid", "dashed", "dotted", "dash-dotted"][k]}`).join(", ")}`
      : "";
  config.layers.forEach((units, l) => {
    charts.add(host, {
      title: `${text.title} in ${denseName(l)}`,
      note: `${units} units: ${text.note}; epoch 0 is before training${activations}`,
      xLabel: "epoch",
      yLabel: deadMetric === "revived" ? "revived" : "dead",
      percent: true,
      xRange: [0, config.epochs],
      series: runs.map((i) => ({
        label: label(i),
        stroke: color(i),
        width: 2,
        dash: dash(i),
        points: points(color(i)),
      })),
      data: () => [deadAxis(state), ...deadFractions(state, l, deadMetric)] as uPlot.AlignedData,
    });
  });

  $("legend").replaceChildren(...runs.map((i) => h("span", { class: "swatch", style: `--c:${color(i)}` }, label(i))));
}

export function buildMetricSelect(): void {
  const select = $("dead-metric") as HTMLSelectElement;
  select.replaceChildren(...DEAD_METRICS.map((m) => h("option", { value: m }, METRIC_TEXT[m].select)));
  select.addEventListener("change", () => {
    deadMetric = select.value as DeadMetric;
    buildCharts();
  });
}
