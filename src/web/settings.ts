// The lab's settings as URL query parameters and form fields: their defaults and limits, parsing
// with one-line messages, checks across fields, and the query string. Apart so the rest need only LabConfig.
import { show } from "../errors.js";
import { NOTEBOOK } from "../study/config.js";
import { STUDY_SETTINGS, parseSetting, type Limits, type SettingKey } from "../study/settings.js";
import type { Initializer } from "../engine/initializers.js";
import { BACKEND_CHOICES, type BackendChoice } from "../engine/wasm.js";
import {
  OPTIMIZER_OPTIONS,
  OPTIMIZER_OPTION_NAMES,
  takesOption,
  type OptimizerName,
  type OptimizerOption,
} from "../engine/optimizer.js";
import { ALPHA_ACTIVATIONS, takesAlpha, type HiddenActivation } from "../engine/activations.js";

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
/** The settings the remedies group holds; the rest are the notebook's experiment. */
export const REMEDY_PARAMS: readonly Param[] = [
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
/** Settings written to links only when they differ from the defaults (so older links stay as they were). */
const OPTIONAL: readonly Param[] = ["subset", ...REMEDY_PARAMS];

export interface FieldError {
  /** The URL parameter (and form field) at fault; "" for the settings as a whole. */
  param: Param | "autostart" | "";
  message: string;
}

const integerRe = /^\d+$/;
const numberRe = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseInteger(label: string, text: string, min: number, max: number): number {
  const t = text.trim();
  if (!integerRe.test(t)) throw new Error(`${label} must be a whole number, got ${show(text)}`);
  const v = Number(t);
  if (v < min || v > max) throw new Error(`${label} must be between ${min} and ${max}, got ${v}`);
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
    throw new Error(`${label} must be ${rule.max !== undefined ? `a number ${range}` : range}, got ${show(text)}`);
  }
  return v;
}

function parseChoice<T extends string>(label: string, text: string, choices: readonly T[]): T {
  const t = text.trim();
  if (!choices.includes(t as T)) throw new Error(`${label} must be one of ${choices.join(", ")}, got ${show(text)}`);
  return t as T;
}

/** Parses one setting from its text (a URL value or a form field); throws an Error with a one-line message. */
export function parseParam(param: Param, text: string): LabConfig[keyof LabConfig] {
  const t = text.trim();
  // The settings the sweep takes too go through the study's one parser, with the page's limits.
  const shared = (key: SettingKey, limits: Limits = {}) => parseSetting(key, text, STUDY_SETTINGS[key].label, limits);
  const optional = (key: SettingKey, limits: Limits = {}) => (t === "" ? null : shared(key, limits));
  switch (param) {
    case "lr":
      return shared("learningRates", { items: LIMITS.rates }) as number[];
    case "epochs":
      return shared("epochs", { max: LIMITS.epochs }) as number;
    case "batch":
      return shared("batchSize", { max: MNIST_TRAIN_IMAGES }) as number;
    case "layers":
      return shared("layers", { items: LIMITS.layers, max: LIMITS.width }) as number[];
    case "probe":
      return shared("probe", { max: MNIST_TRAIN_IMAGES }) as number;
    case "seed":
      return shared("seed") as number;
    case "engine":
      return parseChoice("engine", text, BACKEND_CHOICES);
    case "subset":
      return t === "" || t === "all" ? null : parseInteger("subset", t, 10, MNIST_TRAIN_IMAGES);
    case "act":
      return shared("activations") as HiddenActivation[];
    case "alpha":
      return optional("alpha") as number | null;
    case "init":
      return (parseSetting("initializers", text, "kernel initializer", { items: 1 }) as Initializer[])[0];
    case "opt":
      return shared("optimizer") as OptimizerName;
    case "momentum":
      return parseOptionalNumber("momentum", text, { max: 1 });
    case "nesterov":
    case "centered": {
      if (!["", "0", "1", "true", "false"].includes(t)) throw new Error(`${param} must be 1 or 0, got ${show(text)}`);
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
    case "warmup":
      return optional("warmupSteps", { max: MAX_STEPS }) as number | null;
    case "redo":
      return optional("redoEvery", { max: MAX_STEPS }) as number | null;
    case "redotau":
      return optional("redoTau") as number | null;
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
  if (config.alpha !== null && !config.activations.some(takesAlpha)) {
    errors.push({
      param: "alpha",
      message: `alpha applies only to ${ALPHA_ACTIVATIONS.join(" and ")}, and the activations are ${config.activations.join(", ")}`,
    });
  }
  // An optimizer-only option (a URL parameter of the same name) set for an optimizer that does not
  // take it: compile() would refuse it.
  for (const option of OPTIMIZER_OPTION_NAMES) {
    const { takenBy } = OPTIMIZER_OPTIONS[option] as OptimizerOption;
    if (takenBy === "all" || !(option in PARAMS)) continue;
    const value = config[PARAMS[option as Param]];
    if (value !== null && value !== false && !takesOption(config.optimizer, option)) {
      errors.push({
        param: option as Param,
        message: `${option} applies only to ${takenBy.join(" and ")}, and the optimizer is ${config.optimizer}`,
      });
    }
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
        unknown.push({ param: "autostart", message: `autostart must be 1 or 0, got ${show(value)}` });
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
