// The continual study's settings as text: one registry that the CLI (as --flags) and the lab's
// Continual mode (as URL parameters and form fields) both read, parsed by the study's one parser.
// Range checks across fields stay in checkContinual.
import { OPTIMIZERS } from "../engine/optimizer.js";
import { CONTINUAL, METHODS, type ContinualConfig } from "./continual-config.js";
import { parseSettingText, type Limits, type Setting } from "./settings.js";

export interface ContinualSetting extends Setting {
  /** The flag's value in --help (N, F, LIST, NAME). */
  value: string;
  /** The help line, without the default. */
  help: string;
}

// The text's form only: ranges are checkContinual's, the one home of the study's limits.
const WHOLE = { kind: "integer", min: 0, max: Number.MAX_SAFE_INTEGER } as const;
const POSITIVE = { kind: "number", min: 0, positive: true } as const;

export const CONTINUAL_SETTINGS = {
  tasks: {
    flag: "tasks",
    param: "tasks",
    label: "tasks",
    value: "N",
    help: "tasks in the stream",
    rule: WHOLE,
  },
  perTask: {
    flag: "per-task",
    param: "per-task",
    label: "examples per task",
    value: "N",
    help: "examples per task, at most 60000",
    rule: WHOLE,
  },
  layers: {
    flag: "layers",
    param: "layers",
    label: "layers",
    value: "LIST",
    help: "hidden widths",
    rule: WHOLE,
    list: { item: "layer widths" },
  },
  optimizer: {
    flag: "optimizer",
    param: "opt",
    label: "optimizer",
    value: "NAME",
    help: OPTIMIZERS.join(", "),
    rule: { kind: "choice", choices: OPTIMIZERS },
  },
  learningRate: {
    flag: "lr",
    param: "lr",
    label: "learning rate",
    value: "F",
    help: "learning rate (step size)",
    rule: POSITIVE,
  },
  batchSize: {
    flag: "batch-size",
    param: "batch",
    label: "batch size",
    value: "N",
    help: "examples per step; only 1, the online setting",
    rule: WHOLE,
  },
  methods: {
    flag: "method",
    param: "method",
    label: "methods",
    value: "LIST",
    help: `methods to compare, from ${METHODS.join(", ")}`,
    rule: { kind: "choice", choices: METHODS },
    list: { item: "methods", distinct: true },
  },
  weightDecay: {
    flag: "weight-decay",
    param: "wd",
    label: "weight decay",
    value: "F",
    help: "λ of l2 and snp",
    rule: POSITIVE,
  },
  noise: {
    flag: "noise",
    param: "noise",
    label: "noise σ",
    value: "F",
    help: "σ of snp's noise",
    rule: POSITIVE,
  },
  replacementRate: {
    flag: "replacement-rate",
    param: "rho",
    label: "replacement rate",
    value: "F",
    help: "ρ of cbp",
    rule: POSITIVE,
  },
  maturity: {
    flag: "maturity",
    param: "maturity",
    label: "maturity",
    value: "N",
    help: "steps before cbp may replace a unit",
    rule: WHOLE,
  },
  decay: {
    flag: "decay",
    param: "decay",
    label: "decay",
    value: "F",
    help: "η of cbp's running utility",
    rule: POSITIVE,
  },
  redoTau: {
    flag: "redo-tau",
    param: "redotau",
    label: "ReDo τ",
    value: "F",
    help: "τ of redo",
    rule: POSITIVE,
  },
  probe: {
    flag: "probe",
    param: "probe",
    label: "probe",
    value: "N",
    help: "examples at each task's start for dead units and ranks",
    rule: WHOLE,
  },
  seed: {
    flag: "seed",
    param: "seed",
    label: "seed",
    value: "N",
    help: "seed of the networks and of the task stream",
    rule: WHOLE,
  },
  seeds: {
    flag: "seeds",
    param: "seeds",
    label: "seeds",
    value: "N",
    help: "seeds per method: --seed, --seed+1, …",
    rule: WHOLE,
  },
} as const satisfies { [K in keyof ContinualConfig]: ContinualSetting };

export type ContinualKey = keyof typeof CONTINUAL_SETTINGS;
export const CONTINUAL_KEYS = Object.keys(CONTINUAL_SETTINGS) as ContinualKey[];

/** A setting's value from its text, or an ArgumentError of one line calling it `name`. */
export function parseContinualSetting<K extends ContinualKey>(
  key: K,
  text: string,
  name: string,
  limits: Limits = {},
): ContinualConfig[K] {
  return parseSettingText(CONTINUAL_SETTINGS[key], text, name, limits) as ContinualConfig[K];
}

/** The default as --help and the lab show it. */
export function formatContinual<K extends ContinualKey>(key: K, value: ContinualConfig[K] = CONTINUAL[key]): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

/**
 * checkContinual's refusal as a front end names the setting: "perTask must be …" becomes
 * "--per-task must be …" or "examples per task must be …"; with the key it names, if any.
 */
export function renameSetting(
  message: string,
  name: (key: ContinualKey) => string,
): { key: ContinualKey | null; message: string } {
  const key = CONTINUAL_KEYS.find((k) => message.startsWith(`${k} `) || message.startsWith(`${k}[`));
  return key ? { key, message: name(key) + message.slice(key.length) } : { key: null, message };
}
