// The dying-ReLU lab page: settings mirrored in the URL, training in a Web Worker, live uPlot
// charts, a grid of alive/dead units per hidden layer and run, and the notebook's final table.
import uPlot from "uplot";
import { BACKEND_CHOICES, relaxedSimdSupported } from "../engine/wasm.js";
import { checkFromWorker, type StartMessage } from "./protocol.js";
import { simdSupported, webAssemblySupported } from "./support.js";
import {
  DEAD_METRICS,
  PARAM_NAMES,
  DEFAULTS,
  applyMessage,
  batchChart,
  cliCommand,
  cliGaps,
  deadAxis,
  deadDefinition,
  deadFractions,
  epochAxis,
  finishedRuns,
  formatParam,
  initialState,
  overallProgress,
  parseQuery,
  parseSettings,
  percent,
  resultsJson,
  runLabel,
  stopState,
  studyConfig,
  tableRows,
  toQuery,
  trainAndVal,
  type DeadMetric,
  type FieldError,
  type LabConfig,
  type LabState,
  type Param,
} from "./state.js";
import { HIDDEN_ACTIVATIONS } from "../grid.js";
import { INITIALIZERS } from "../engine/types.js";
import { OPTIMIZERS } from "../engine/optimizer.js";
import { DEFAULT_NEARLY_DEAD_THRESHOLD, DEFAULT_TAU } from "../engine/dead-units.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** A small element builder: h("p", { class: "x" }, "text", child). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, "");
    else if (v !== false && v !== undefined) el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

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
function color(i: number): string {
  const run = state.runs[i];
  if (!run) return COLORS[i % COLORS.length];
  const r = state.config.learningRates.indexOf(run.learningRate);
  const a = state.config.activations.indexOf(run.activation);
  return shade(COLORS[r % COLORS.length], SHADES[a % SHADES.length]);
}
const dash = (i: number) =>
  DASHES[Math.max(0, state.config.activations.indexOf(state.runs[i]?.activation)) % DASHES.length];
const label = (i: number) => runLabel(state.config, state.runs[i]);

const ENGINE_LABELS: Record<string, string> = {
  auto: "auto (fastest here)",
  "wasm-relaxed": "wasm-relaxed",
  "wasm-simd": "wasm-simd",
  js: "js (plain JavaScript)",
};

const FIELD_HELP: Record<Param, { label: string; hint: string; inputmode: string }> = {
  lr: { label: "Learning rates", hint: "comma-separated, one run each", inputmode: "decimal" },
  epochs: { label: "Epochs", hint: "per run", inputmode: "numeric" },
  batch: { label: "Batch size", hint: "images per optimizer step", inputmode: "numeric" },
  layers: { label: "Hidden layers", hint: "widths; a 10-way softmax follows", inputmode: "decimal" },
  probe: { label: "Probe images", hint: "dead units are counted on the first N", inputmode: "numeric" },
  seed: { label: "Seed", hint: "weights and shuffling", inputmode: "numeric" },
  engine: { label: "Engine", hint: "relaxed SIMD, plain SIMD or JS", inputmode: "" },
  subset: { label: "Training subset", hint: "first N images; empty = all 60,000", inputmode: "numeric" },
  act: { label: "Hidden activations", hint: "each learning rate runs once with each", inputmode: "" },
  alpha: { label: "Alpha", hint: "leaky_relu's slope, elu's α; empty = Keras' 0.3 and 1.0", inputmode: "decimal" },
  init: { label: "Kernel initialiser", hint: "hidden layers; biases start at 0", inputmode: "" },
  opt: { label: "Optimizer", hint: "Keras 3's, with its defaults", inputmode: "" },
  momentum: { label: "Momentum", hint: "sgd and rmsprop; empty = 0", inputmode: "decimal" },
  nesterov: { label: "Nesterov", hint: "sgd only", inputmode: "" },
  centered: { label: "Centered", hint: "rmsprop only", inputmode: "" },
  clipnorm: { label: "Clip norm", hint: "each kernel's and bias's gradient to this L2 norm", inputmode: "decimal" },
  clipvalue: { label: "Clip value", hint: "every gradient value into [−c, c]", inputmode: "decimal" },
  gclipnorm: { label: "Global clip norm", hint: "all gradients together to this L2 norm", inputmode: "decimal" },
  wd: { label: "Weight decay", hint: "decoupled; empty = adamw 0.004, others 0", inputmode: "decimal" },
  warmup: {
    label: "Warmup steps",
    hint: "the rate grows linearly from 0 over the first N steps",
    inputmode: "numeric",
  },
  redo: {
    label: "ReDo every",
    hint: "re-initialise τ-dormant units every N steps (Sokar et al. 2023)",
    inputmode: "numeric",
  },
  redotau: { label: "ReDo τ", hint: "dormancy threshold for ReDo; empty = 0.025", inputmode: "decimal" },
};
/** What an empty optional field means. */
const PLACEHOLDERS: Partial<Record<Param, string>> = {
  subset: "all",
  alpha: "Keras' default",
  momentum: "0",
  clipnorm: "none",
  clipvalue: "none",
  gclipnorm: "none",
  wd: "optimizer's default",
  warmup: "none",
  redo: "never",
  redotau: "0.025",
};
/** The settings the remedies group holds; the rest are the notebook's experiment. */
const REMEDY_PARAMS: readonly Param[] = [
  "act",
  "alpha",
  "init",
  "opt",
  "momentum",
  "nesterov",
  "centered",
  "clipnorm",
  "clipvalue",
  "gclipnorm",
  "wd",
  "warmup",
  "redo",
  "redotau",
];
const CHOICES: Partial<Record<Param, readonly string[]>> = {
  engine: BACKEND_CHOICES,
  init: INITIALIZERS,
  opt: OPTIMIZERS,
};

// ── Page state ──────────────────────────────────────────────────────────────────────────────

const support = { wasm: webAssemblySupported(), simd: false, relaxed: false };
if (support.wasm) {
  support.simd = simdSupported();
  support.relaxed = support.simd && relaxedSimdSupported();
}

const fromUrl = parseQuery(location.search);
// Field errors block starting; the rest (unknown parameters) are only shown.
let settings: { config: LabConfig; errors: FieldError[] } = {
  config: fromUrl.config,
  errors: fromUrl.errors.filter((e) => e.param !== "" && e.param !== "autostart"),
};
let state: LabState = initialState(settings.config);
let worker: Worker | null = null;
const pageErrors: string[] = fromUrl.errors
  .filter((e) => e.param === "" || e.param === "autostart")
  .map((e) => e.message);

// ── Settings form ───────────────────────────────────────────────────────────────────────────

/** A form control as text, whatever its widget: the URL's value in, the URL's value out. */
interface Control {
  el: HTMLElement;
  get(): string;
  set(text: string): void;
}
const controls = {} as Record<Param, Control>;

function textControl(p: Param, id: string): Control {
  const help = FIELD_HELP[p];
  const input = h("input", {
    id,
    name: p,
    type: "text",
    inputmode: help.inputmode,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: PLACEHOLDERS[p] ?? formatParam(p, DEFAULTS),
  });
  return { el: input, get: () => input.value, set: (t) => (input.value = t) };
}

function selectControl(p: Param, id: string, choices: readonly string[]): Control {
  const select = h("select", { id, name: p });
  for (const c of choices) {
    const unsupported =
      p === "engine" && ((c === "wasm-relaxed" && !support.relaxed) || (c.startsWith("wasm") && !support.simd));
    select.append(
      h(
        "option",
        { value: c },
        (p === "engine" ? ENGINE_LABELS[c] : c) + (unsupported ? " (not in this browser)" : ""),
      ),
    );
  }
  return { el: select, get: () => select.value, set: (t) => (select.value = t) };
}

/** The activations as one checkbox each; the value is the checked ones, comma-separated. */
function activationsControl(id: string): Control {
  const boxes = HIDDEN_ACTIVATIONS.map((a) => h("input", { type: "checkbox", value: a, id: `${id}-${a}` }));
  const el = h(
    "div",
    { id, class: "checks", role: "group" },
    ...boxes.map((b) => h("label", { class: "check" }, b, b.value)),
  );
  return {
    el,
    get: () =>
      boxes
        .filter((b) => b.checked)
        .map((b) => b.value)
        .join(","),
    set: (t) => {
      const names = t.split(",").map((x) => x.trim());
      for (const b of boxes) b.checked = names.includes(b.value);
    },
  };
}

function checkboxControl(p: Param, id: string): Control {
  const box = h("input", { type: "checkbox", id, name: p });
  return {
    el: h("label", { class: "check" }, box, "on"),
    get: () => (box.checked ? "1" : "0"),
    set: (t) => (box.checked = t === "1" || t === "true"),
  };
}

function buildForm(values: Partial<Record<Param, string>>): void {
  for (const p of PARAM_NAMES) {
    const help = FIELD_HELP[p];
    const id = `f-${p}`;
    const choices = CHOICES[p];
    const control =
      p === "act"
        ? activationsControl(id)
        : p === "nesterov" || p === "centered"
          ? checkboxControl(p, id)
          : choices
            ? selectControl(p, id, choices)
            : textControl(p, id);
    // A value the widget cannot show (an unknown engine in the URL) stays in the URL's error.
    control.set(values[p] ?? formatParam(p, settings.config));
    controls[p] = control;
    const group = p === "act" || p === "nesterov" || p === "centered";
    $(REMEDY_PARAMS.includes(p) ? "remedy-fields" : "fields").append(
      h(
        "div",
        { class: `field field-${p}` },
        group ? h("span", { class: "label", id: `${id}-label` }, help.label) : h("label", { for: id }, help.label),
        control.el,
        h("small", { class: "hint", id: `${id}-hint` }, help.hint),
        h("small", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
      ),
    );
    const focusable = control.el.matches("input, select") ? control.el : control.el.querySelector("input")!;
    if (group) control.el.setAttribute("aria-labelledby", `${id}-label`);
    focusable.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
    control.el.addEventListener("input", onSettingsInput);
    control.el.addEventListener("change", onSettingsInput);
  }
}

function formValues(): Record<Param, string> {
  return Object.fromEntries(PARAM_NAMES.map((p) => [p, controls[p].get()])) as Record<Param, string>;
}

function onSettingsInput(): void {
  settings = parseSettings(formValues());
  if (settings.errors.length === 0) history.replaceState(null, "", toQuery(settings.config) + location.hash);
  // Until a run starts, the charts and grids preview the settings.
  if (state.status === "idle") {
    state = initialState(settings.config);
    rebuildOutputs();
  }
  renderSettings();
  renderErrors();
}

function renderSettings(): void {
  for (const p of PARAM_NAMES) {
    const err = settings.errors.find((e) => e.param === p);
    const el = controls[p].el;
    (el.matches("input, select") ? el : el.querySelector("input")!).setAttribute(
      "aria-invalid",
      err ? "true" : "false",
    );
    $(`f-${p}-error`).textContent = err?.message ?? "";
  }
  const running = state.status === "loading" || state.status === "training";
  const blocked = settings.errors.length > 0 || !support.wasm;
  ($("start") as HTMLButtonElement).disabled = running || blocked;
  ($("stop") as HTMLButtonElement).disabled = !running;
  ($("start") as HTMLButtonElement).textContent =
    state.status === "idle" ? "Start training" : running ? "Training…" : "Run again";
  $("cli").textContent = cliCommand(settings.config);
  const gaps = cliGaps(settings.config);
  $("cli-note").textContent = gaps.length ? ` (${gaps.join("; ")})` : "";
}

// ── Running ─────────────────────────────────────────────────────────────────────────────────

function start(): void {
  settings = parseSettings(formValues());
  if (settings.errors.length) {
    renderAll();
    return;
  }
  const config = settings.config;
  history.replaceState(null, "", toQuery(config) + location.hash);
  state = initialState(config, "loading");
  pageErrors.length = 0;
  rebuildOutputs();
  try {
    worker ??= createWorker();
  } catch (e) {
    state.status = "failed";
    state.errors.push(
      `Cannot start the training worker (module workers need Chrome 80+, Firefox 114+, Safari 15+): ${(e as Error).message}`,
    );
    renderAll();
    return;
  }
  const msg: StartMessage = {
    type: "start",
    study: studyConfig(config),
    activations: config.activations,
    engine: config.engine,
    subset: config.subset,
    dataUrl: new URL("data/", location.href).href,
  };
  worker.postMessage(msg);
  renderAll();
}

function createWorker(): Worker {
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "dying-relu training" });
  w.onmessage = (event) => {
    const msg = checkFromWorker(event.data);
    if (!msg) {
      state.errors.push(
        `The page got a malformed message from the worker: ${JSON.stringify(event.data)?.slice(0, 120)}`,
      );
    } else {
      applyMessage(state, msg);
    }
    invalidate();
  };
  w.onerror = (event) => {
    event.preventDefault();
    stopWorker();
    state.status = "failed";
    state.errors.push(`The training worker failed: ${event.message || "it could not be loaded"}`);
    invalidate();
  };
  w.onmessageerror = () => {
    state.errors.push("A message from the training worker could not be read.");
    invalidate();
  };
  return w;
}

function stopWorker(): void {
  worker?.terminate();
  worker = null;
}

function stop(): void {
  stopWorker();
  stopState(state);
  renderAll();
}

function download(): void {
  const runs = finishedRuns(state);
  if (!runs.length || !state.engine) return;
  const json = `${JSON.stringify(resultsJson(state.config, state.engine, runs), null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  const a = h("a", { href: url, download: `dying-relu-seed${state.config.seed}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function copyLink(): Promise<void> {
  const note = $("copy-note");
  try {
    await navigator.clipboard.writeText(location.href);
    note.textContent = "Link copied.";
  } catch {
    note.textContent = "Copy the address bar: it holds every setting.";
  }
  setTimeout(() => (note.textContent = ""), 3000);
}

// ── Charts ──────────────────────────────────────────────────────────────────────────────────

interface Chart {
  plot: uPlot;
  data: () => uPlot.AlignedData;
  box: HTMLElement;
}
let charts: Chart[] = [];
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = charts.find((c) => c.box === entry.target);
    const width = Math.floor(entry.contentRect.width);
    if (chart && width > 0 && width !== chart.plot.width) chart.plot.setSize({ width, height: chartHeight(width) });
  }
});
const chartHeight = (width: number) => Math.round(Math.max(180, Math.min(260, width * 0.55)));

interface ChartSpec {
  title: string;
  note: string;
  xLabel: string;
  yLabel: string;
  log?: boolean;
  percent?: boolean;
  xRange: [number, number];
  series: uPlot.Series[];
  data: () => uPlot.AlignedData;
}

function addChart(parent: HTMLElement, spec: ChartSpec): void {
  const box = h("div", { class: "plot" });
  parent.append(
    h(
      "figure",
      { class: "chart card" },
      h("figcaption", {}, h("b", {}, spec.title), " ", h("span", {}, spec.note)),
      box,
    ),
  );
  const width = Math.max(260, Math.floor(box.clientWidth || parent.clientWidth || 320));
  const axis = {
    stroke: "#5b6270",
    grid: { stroke: "#e7e9ee", width: 1 },
    ticks: { stroke: "#e7e9ee", width: 1 },
    font: "12px system-ui, sans-serif",
    labelFont: "12px system-ui, sans-serif",
  };
  const plot = new uPlot(
    {
      width,
      height: chartHeight(width),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: false, range: spec.xRange },
        y: spec.log
          ? { distr: 3 }
          : spec.percent
            ? { range: [0, 1] }
            : { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] },
      },
      axes: [
        { ...axis, label: spec.xLabel, size: 40, labelSize: 18 },
        {
          ...axis,
          label: spec.yLabel,
          size: 52,
          labelSize: 18,
          values: spec.percent ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined,
        },
      ],
      series: [{}, ...spec.series],
    },
    spec.data(),
    box,
  );
  charts.push({ plot, data: spec.data, box });
  resizer.observe(box);
}

const points = (stroke: string) => ({ show: true, size: 6, stroke, fill: stroke });

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

function buildCharts(): void {
  for (const c of charts) {
    resizer.unobserve(c.box);
    c.plot.destroy();
  }
  charts = [];
  const host = $("charts");
  host.replaceChildren();
  const { config } = state;
  const epochRange: [number, number] = config.epochs > 1 ? [1, config.epochs] : [0.5, 1.5];
  const runs = state.runs.map((_, i) => i);

  addChart(host, {
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
    addChart(host, {
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
    addChart(host, {
      title: `${text.title} in dense_${l + 1}`,
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

function buildMetricSelect(): void {
  const select = $("dead-metric") as HTMLSelectElement;
  select.replaceChildren(...DEAD_METRICS.map((m) => h("option", { value: m }, METRIC_TEXT[m].select)));
  select.addEventListener("change", () => {
    deadMetric = select.value as DeadMetric;
    buildCharts();
  });
}

// ── Unit grids ──────────────────────────────────────────────────────────────────────────────

let gridCells: HTMLElement[][][] = []; // [rate][layer][unit]

function buildGrids(): void {
  const host = $("grids");
  host.replaceChildren();
  const { config } = state;
  gridCells = state.runs.map((run, i) => {
    const layers = config.layers.map((units, l) => {
      const cols = units > 64 ? 16 : 8;
      const cells = Array.from({ length: units }, () => h("i"));
      const grid = h(
        "div",
        { class: "cells", style: `--cols:${cols}`, role: "img", "aria-label": `dense_${l + 1}: not measured yet` },
        ...cells,
      );
      return { grid, cells, l, units };
    });
    host.append(
      h(
        "div",
        {
          class: "rate-row",
          style: `--c:${color(i)}`,
          id: `grid-${i}`,
          "data-lr": String(run.learningRate),
          "data-activation": run.activation,
        },
        h(
          "div",
          { class: "rate-head" },
          h("span", { class: "swatch", style: `--c:${color(i)}` }, `lr ${run.learningRate}`),
          h("small", { class: "rate-activation" }, `${run.activation}: dead = ${deadDefinition(run.activation)}`),
          h("small", { class: "rate-status" }, "waiting"),
        ),
        h(
          "div",
          { class: "layers" },
          ...layers.map(({ grid, l, units }) =>
            h(
              "div",
              { class: "layer" },
              h(
                "div",
                { class: "layer-head" },
                h("span", {}, `dense_${l + 1}`),
                h("small", { class: "layer-count" }, `–/${units} dead`),
              ),
              grid,
            ),
          ),
        ),
      ),
    );
    return layers.map((x) => x.cells);
  });
}

function renderGrids(): void {
  state.runs.forEach((r, i) => {
    const row = document.getElementById(`grid-${i}`);
    if (!row) return;
    const status = r.progress
      ? `epoch ${r.progress.epoch + 1}/${state.config.epochs}`
      : r.status === "done"
        ? `after ${r.epochs.length} epoch${r.epochs.length === 1 ? "" : "s"}`
        : r.status === "running" && r.before
          ? "before training"
          : r.status;
    row.querySelector(".rate-status")!.textContent = status;
    row.dataset.status = r.status;
    const counts = row.querySelectorAll<HTMLElement>(".layer-count");
    const grids = row.querySelectorAll<HTMLElement>(".cells");
    (r.masks ?? []).forEach((mask, l) => {
      const cells = gridCells[i]?.[l];
      if (!cells) return;
      let dead = 0;
      mask.forEach((m, u) => {
        dead += m;
        if (cells[u]) cells[u].className = m ? "dead" : "alive";
      });
      counts[l].textContent = `${dead}/${mask.length} dead`;
      grids[l].setAttribute("aria-label", `dense_${l + 1}: ${dead} of ${mask.length} units dead`);
    });
  });
}

// ── Status, errors, table ───────────────────────────────────────────────────────────────────

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** The wasm engine's threads, and why it runs on one (a page that is not cross-origin isolated). */
function threadsText(e: NonNullable<LabState["engine"]>): string {
  if (e.backend === "js") return "";
  return ` · ${e.threads} thread${e.threads === 1 ? "" : "s"}${e.threadsNote ? `: ${e.threadsNote}` : ""}`;
}

function renderStatus(): void {
  document.body.dataset.status = state.status;
  const d = state.download;
  const bar = $("data-bar") as HTMLProgressElement;
  if (state.data) {
    bar.value = bar.max = 1;
    $("data-text").textContent =
      `${state.data.train.toLocaleString("en-US")} training, ${state.data.test.toLocaleString("en-US")} test images`;
  } else if (d) {
    bar.max = d.total ?? 1;
    if (d.total) bar.value = d.loaded;
    else bar.removeAttribute("value");
    $("data-text").textContent = `downloading MNIST: ${mb(d.loaded)}${d.total ? ` / ${mb(d.total)}` : ""} MB`;
  } else {
    bar.value = 0;
    $("data-text").textContent = state.status === "loading" ? "requesting MNIST…" : "not loaded yet (11 MB, gzip)";
  }
  const e = state.engine;
  const expected =
    state.config.engine === "auto" ? (support.relaxed ? "wasm-relaxed" : "wasm-simd") : state.config.engine;
  $("engine-text").textContent = e ? `${e.backend} · ${e.simd}${threadsText(e)}` : `${expected} (when started)`;
  $("speed-text").textContent =
    state.msPerStep === null ? "–" : `${state.msPerStep.toFixed(2)} ms/step · batch ${state.config.batchSize}`;
  const running = state.runs.findIndex((r) => r.status === "running");
  const run = state.runs[running];
  const p = run?.progress;
  const progress = $("run-bar") as HTMLProgressElement;
  progress.value = overallProgress(state);
  const labels: Record<string, string> = {
    idle: "Ready. Press Start training.",
    loading: "Loading MNIST…",
    training: "Training…",
    done: `Done: ${state.runs.length} run${state.runs.length === 1 ? "" : "s"} in ${state.seconds?.toFixed(1) ?? "?"} s.`,
    stopped: "Stopped. Finished runs are kept below.",
    failed: "Stopped by an error (see above).",
  };
  $("run-text").textContent =
    run && p
      ? `${label(running)}: epoch ${p.epoch + 1}/${state.config.epochs}, step ${p.step + 1}/${p.steps} — loss ${p.loss.toFixed(4)}, accuracy ${percent(p.accuracy)}`
      : run
        ? `${label(running)}: starting…`
        : labels[state.status];
}

function renderErrors(): void {
  const errors = [
    ...pageErrors,
    ...settings.errors.map((e) =>
      e.param ? `${FIELD_HELP[e.param as Param]?.label ?? e.param}: ${e.message}` : e.message,
    ),
    ...state.errors,
  ];
  const box = $("errors");
  box.hidden = errors.length === 0;
  if (errors.length)
    box.replaceChildren(
      h("strong", {}, errors.length === 1 ? "Problem" : "Problems"),
      h("ul", {}, ...errors.map((e) => h("li", {}, e))),
    );
  else box.replaceChildren();
  const notes = $("notices");
  notes.hidden = state.notices.length === 0;
  notes.replaceChildren(...state.notices.map((n) => h("p", {}, n)));
}

function renderTable(): void {
  const runs = finishedRuns(state);
  const { layers, rows } = tableRows(runs);
  const table = $("results-table");
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, "learning rate"),
    h("th", { scope: "col" }, "activation"),
    ...layers.map((l) => h("th", { scope: "col" }, `${l} dead`)),
    h("th", { scope: "col" }, "val accuracy"),
    h("th", { scope: "col" }, "time"),
  );
  const body = rows.map((r, k) => {
    const i = state.runs.findIndex((x) => x.run === runs[k]);
    return h(
      "tr",
      { "data-lr": String(r.learningRate), "data-activation": r.activation },
      h("th", { scope: "row" }, h("span", { class: "swatch", style: `--c:${color(i)}` }, String(r.learningRate))),
      h(
        "td",
        { "data-label": "activation", "data-definition": r.definition },
        r.activation,
        " ",
        h("small", {}, `dead = ${r.definition}`),
      ),
      ...r.dead.map((d, l) =>
        h(
          "td",
          {
            "data-dead": String(d.dead),
            "data-units": String(d.units),
            "data-label": `${layers[l]} dead`,
            "data-nearly-dead": String(d.nearlyDead ?? ""),
            "data-dormant": String(d.dormant ?? ""),
            "data-revived": String(d.revived ?? ""),
          },
          percent(d.fraction),
          " ",
          h("small", {}, `(${d.dead}/${d.units})`),
          h(
            "small",
            { class: "more" }, // No-break space and hyphen: the lines wrap between the figures, not inside them.
            `nearly dead\u00a0${d.nearlyDead ?? "–"} · τ\u2011dormant\u00a0${d.dormant ?? "–"} · revived\u00a0${d.revived ?? "–"}${d.recycled === null ? "" : ` · recycled\u00a0${d.recycled}`}`,
          ),
        ),
      ),
      h(
        "td",
        { "data-accuracy": String(r.valAccuracy ?? ""), "data-label": "val accuracy" },
        r.valAccuracy === null ? "n/a" : percent(r.valAccuracy),
        ...(r.diverged ? [" ", h("small", {}, "diverged")] : []),
      ),
      h("td", { "data-label": "time" }, `${r.seconds.toFixed(1)} s`),
    );
  });
  table.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body));
  $("results").dataset.complete = String(state.status === "done");
  $("results-empty").hidden = runs.length > 0;
  table.hidden = runs.length === 0;
  ($("download") as HTMLButtonElement).disabled = runs.length === 0;
}

function rebuildOutputs(): void {
  buildCharts();
  buildGrids();
}

let frame = 0;
function invalidate(): void {
  if (!frame) frame = requestAnimationFrame(renderAll);
}

function renderAll(): void {
  frame = 0;
  for (const c of charts) c.plot.setData(c.data());
  renderGrids();
  renderStatus();
  renderTable();
  renderErrors();
  renderSettings();
  // After an error start afresh; after success keep the worker (and its copy of MNIST) for the next run.
  if (state.status === "failed") stopWorker();
}

// ── Start-up ────────────────────────────────────────────────────────────────────────────────

if (!support.wasm) pageErrors.push("This browser has no WebAssembly, which the engine needs.");
else if (!support.simd)
  pageErrors.push(
    "This browser lacks WebAssembly SIMD, which the engine needs (Chrome/Edge 91+, Firefox 89+, Safari 16.4+).",
  );

const rawValues: Partial<Record<Param, string>> = {};
for (const p of PARAM_NAMES) {
  const v = new URLSearchParams(location.search).get(p);
  if (v !== null) rawValues[p] = v;
}
buildForm(rawValues);
buildMetricSelect();
rebuildOutputs();
$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
$("download").addEventListener("click", download);
$("copy").addEventListener("click", () => void copyLink());
$("reset").addEventListener("click", () => {
  for (const p of PARAM_NAMES) controls[p].set(formatParam(p, DEFAULTS));
  onSettingsInput();
});
($("settings") as HTMLFormElement).addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
renderAll();
if (fromUrl.autostart) {
  if (settings.errors.length === 0 && support.simd) start();
  else pageErrors.push("autostart=1 was ignored because of the problems listed here.");
  renderAll();
}
