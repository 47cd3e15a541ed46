// The study's settings as text: one registry of the settings that both the CLI (as --flags) and
// the lab (as URL parameters and form fields) take, and one parser from a setting's text to its
// value, with one wording for every refusal. A front end adds only its own limits (the lab keeps
// runs small enough for a page) and the name it shows (--epochs, or epochs).
import { ArgumentError, show } from "../errors.js";
import { HIDDEN_ACTIVATIONS } from "../engine/activations.js";
import { INITIALIZERS } from "../engine/initializers.js";
import { OPTIMIZERS } from "../engine/optimizer.js";
import { MAX_UNITS } from "../engine/sizes.js";

export type Rule =
  | { kind: "integer"; min: number; max: number }
  | { kind: "number"; min: number; positive?: boolean; max?: number }
  | { kind: "choice"; choices: readonly string[] };

export interface Setting {
  /** The sweep's flag (--flag). */
  flag: string;
  /** The lab's URL parameter and form field. */
  param: string;
  /** What messages call it. */
  label: string;
  rule: Rule;
  /** A comma-separated list of such values; `distinct` refuses one given twice. */
  list?: { item: string; distinct?: boolean };
}

const SEED_MAX = 2 ** 32 - 1;
const STEPS_MAX = 2 ** 53;

export const STUDY_SETTINGS = {
  learningRates: {
    flag: "lr",
    param: "lr",
    label: "learning rates",
    rule: { kind: "number", min: 0, positive: true },
    list: { item: "learning rates" },
  },
  epochs: { flag: "epochs", param: "epochs", label: "epochs", rule: { kind: "integer", min: 1, max: 2 ** 31 - 1 } },
  batchSize: {
    flag: "batch-size",
    param: "batch",
    label: "batch size",
    rule: { kind: "integer", min: 1, max: 2 ** 31 - 1 },
  },
  layers: {
    flag: "layers",
    param: "layers",
    label: "layers",
    rule: { kind: "integer", min: 1, max: MAX_UNITS },
    list: { item: "layer widths" },
  },
  probe: { flag: "probe", param: "probe", label: "probe", rule: { kind: "integer", min: 1, max: 2 ** 31 - 1 } },
  seed: { flag: "seed", param: "seed", label: "seed", rule: { kind: "integer", min: 0, max: SEED_MAX } },
  activations: {
    flag: "activation",
    param: "act",
    label: "activations",
    rule: { kind: "choice", choices: HIDDEN_ACTIVATIONS },
    list: { item: "activations", distinct: true },
  },
  alpha: { flag: "alpha", param: "alpha", label: "alpha", rule: { kind: "number", min: 0 } },
  initializers: {
    flag: "init",
    param: "init",
    label: "kernel initializers",
    rule: { kind: "choice", choices: INITIALIZERS },
    list: { item: "kernel initializers", distinct: true },
  },
  optimizer: { flag: "optimizer", param: "opt", label: "optimizer", rule: { kind: "choice", choices: OPTIMIZERS } },
  warmupSteps: {
    flag: "warmup",
    param: "warmup",
    label: "warmup steps",
    rule: { kind: "integer", min: 0, max: STEPS_MAX },
  },
  redoEvery: {
    flag: "redo-every",
    param: "redo",
    label: "ReDo every",
    rule: { kind: "integer", min: 1, max: STEPS_MAX },
  },
  redoTau: { flag: "redo-tau", param: "redotau", label: "ReDo τ", rule: { kind: "number", min: 0 } },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof STUDY_SETTINGS;

/** A front end's tighter bounds: a smaller maximum, fewer list items. */
export interface Limits {
  max?: number;
  items?: number;
}

const INTEGER = /^\d+$/;
const NUMBER = /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseOne(rule: Rule, name: string, text: string, limits: Limits): number | string {
  const t = text.trim();
  if (rule.kind === "choice") {
    if (!rule.choices.includes(t))
      throw new ArgumentError(`${name} must be one of ${rule.choices.join(", ")}, got ${show(text)}`);
    return t;
  }
  const max = Math.min(rule.max ?? Infinity, limits.max ?? Infinity);
  if (rule.kind === "integer") {
    if (!INTEGER.test(t)) throw new ArgumentError(`${name} must be a whole number, got ${show(text)}`);
    const v = Number(t);
    if (v < rule.min || v > max) throw new ArgumentError(`${name} must be between ${rule.min} and ${max}, got ${v}`);
    return v;
  }
  const v = Number(t);
  const ok = NUMBER.test(t) && Number.isFinite(v) && (rule.positive ? v > 0 : v >= rule.min) && v <= max;
  if (!ok) {
    const range = Number.isFinite(max)
      ? `a number between ${rule.min} and ${max}`
      : rule.positive
        ? "a positive number"
        : `a number ≥ ${rule.min}`;
    throw new ArgumentError(`${name} must be ${range}, got ${show(text)}`);
  }
  return v;
}

/**
 * A setting's value from its text, or an ArgumentError with one line that calls it `name` (the
 * flag or the field). Lists are comma-separated.
 */
export function parseSetting(key: SettingKey, text: string, name: string, limits: Limits = {}): unknown {
  return parseSettingText(STUDY_SETTINGS[key], text, name, limits);
}

/** parseSetting for a setting of any registry (the continual study's too). */
export function parseSettingText(setting: Setting, text: string, name: string, limits: Limits = {}): unknown {
  if (!setting.list) return parseOne(setting.rule, name, text, limits);
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 1 && items[0] === "") throw new ArgumentError(`${name}: give at least one value`);
  // A list of distinct choices cannot be longer than the choices.
  const most = Math.min(
    limits.items ?? Infinity,
    setting.list.distinct && setting.rule.kind === "choice" ? setting.rule.choices.length : Infinity,
  );
  if (items.length > most) throw new ArgumentError(`${name}: at most ${most} values, got ${items.length}`);
  const values = items.map((item) =>
    parseOne(setting.rule, name === setting.label ? setting.list!.item : name, item, limits),
  );
  if (setting.list.distinct) {
    const twice = values.find((v, i) => values.indexOf(v) !== i);
    if (twice !== undefined) throw new ArgumentError(`${name}: ${show(twice)} is given twice`);
  }
  return values;
}
