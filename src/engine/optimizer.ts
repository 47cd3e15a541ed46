// compile()'s optimizer options: Keras 3's optimizers by name with their arguments, camel-cased,
// checked and resolved to the update the engine runs (modelUpdate's kind and parameters).
import { ArgumentError, show } from "../errors.js";
import { ADAM, ADAMW, RMSPROP, SGD } from "../keras-defaults.js";
import { integerAtLeast, nonNegative, oneOf, openUnit, positiveFinite } from "../validate.js";
import type { Update } from "./runner.js";
import { OPT_ADAM, OPT_RMSPROP, OPT_RMSPROP_CENTERED, OPT_SGD } from "./codes.js";

export type OptimizerName = "adam" | "adamw" | "sgd" | "rmsprop";
export const OPTIMIZERS: readonly OptimizerName[] = ["adam", "adamw", "sgd", "rmsprop"];

/** Keras 3's optimizer arguments, camel-cased; each optimizer takes only its own (docs/remedies.md). */
export interface CompileConfig {
  optimizer: OptimizerName;
  learningRate?: number;
  /** adam, adamw */
  beta1?: number;
  beta2?: number;
  /** adam, adamw, rmsprop */
  epsilon?: number;
  /** sgd, rmsprop: in [0, 1] */
  momentum?: number;
  /** sgd */
  nesterov?: boolean;
  /** rmsprop */
  rho?: number;
  /** rmsprop: normalise by the gradients' estimated variance (Keras' centered, default false) */
  centered?: boolean;
  /** Decoupled weight decay w −= w·wd·lr before each step (every optimizer; adamw defaults to 0.004). */
  weightDecay?: number;
  /** Clip each variable's (kernel's, bias's) gradient to this L2 norm. */
  clipnorm?: number;
  /** Clip every gradient value to [−clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Keras' global_clipnorm: scale all gradients together to at most this joint L2 norm. */
  globalClipnorm?: number;
  /**
   * Linear learning-rate warmup over this many steps (every optimizer; 0, the default, is none):
   * the update after `i` earlier ones (Keras' optimizer.iterations) uses
   * learningRate·min(1, i/warmupSteps), exactly Keras 3's CosineDecay(initial_learning_rate=0,
   * decay_steps=1, alpha=1.0, warmup_target=learningRate, warmup_steps=warmupSteps).
   */
  warmupSteps?: number;
}

/** The resolved optimizer as the engine takes it (modelUpdate). */
export interface Optimizer extends Update {
  config: CompileConfig;
  warmupSteps: number;
}

/** One of compile()'s optimizer options, as the registry below describes it. */
export interface OptimizerOption {
  /** The optimizers that take it; "all" for every one. */
  readonly takenBy: readonly OptimizerName[] | "all";
  readonly type: "number" | "boolean";
  /** The sweep's flag that sets it (--flag F, or --flag alone for a boolean). */
  readonly flag: string;
  /** The sweep's help line: what it does and its default in brackets. */
  readonly help: string;
}

/**
 * compile()'s options besides optimizer, learningRate and warmupSteps, in the order reports list
 * them. compile()'s check of which optimizer takes which, the sweep's flags and their help, and
 * the lab's checks follow from it; adding an option is one entry here and its use in
 * resolveOptimizer below.
 */
export const OPTIMIZER_OPTIONS = {
  momentum: {
    takenBy: ["sgd", "rmsprop"],
    type: "number",
    flag: "momentum",
    help: `sgd's and rmsprop's momentum, in [0, 1] [${SGD.momentum}]`,
  },
  nesterov: { takenBy: ["sgd"], type: "boolean", flag: "nesterov", help: "sgd with Nesterov momentum" },
  centered: {
    takenBy: ["rmsprop"],
    type: "boolean",
    flag: "centered",
    help: "rmsprop's centered variant (normalised by the gradients' variance)",
  },
  clipnorm: {
    takenBy: "all",
    type: "number",
    flag: "clipnorm",
    help: "clip each kernel's and bias's gradient to this L2 norm [none]",
  },
  clipvalue: { takenBy: "all", type: "number", flag: "clipvalue", help: "clip every gradient value to [−F, F] [none]" },
  globalClipnorm: {
    takenBy: "all",
    type: "number",
    flag: "global-clipnorm",
    help: "clip all gradients together to this L2 norm [none]",
  },
  weightDecay: {
    takenBy: "all",
    type: "number",
    flag: "weight-decay",
    help: `decoupled weight decay, w −= w·F·lr before each step [adamw ${ADAMW.weightDecay}, else 0]`,
  },
  rho: { takenBy: ["rmsprop"], type: "number", flag: "rho", help: `rmsprop's decay [${RMSPROP.rho}]` },
  beta1: {
    takenBy: ["adam", "adamw"],
    type: "number",
    flag: "beta1",
    help: `adam's and adamw's first-moment decay [${ADAM.beta1}]`,
  },
  beta2: {
    takenBy: ["adam", "adamw"],
    type: "number",
    flag: "beta2",
    help: `adam's and adamw's second-moment decay [${ADAM.beta2}]`,
  },
  epsilon: {
    takenBy: ["adam", "adamw", "rmsprop"],
    type: "number",
    flag: "epsilon",
    help: `adam's, adamw's and rmsprop's ε [${ADAM.epsilon}]`,
  },
} as const satisfies Record<string, OptimizerOption>;

export type OptimizerOptionName = keyof typeof OPTIMIZER_OPTIONS;
export const OPTIMIZER_OPTION_NAMES = Object.keys(OPTIMIZER_OPTIONS) as OptimizerOptionName[];

/** Whether `optimizer` takes `option`. */
export function takesOption(optimizer: OptimizerName, option: OptimizerOptionName): boolean {
  const { takenBy } = OPTIMIZER_OPTIONS[option] as OptimizerOption;
  return takenBy === "all" || takenBy.includes(optimizer);
}

/** The options every optimizer takes, then the optimizer's own, as compile() lists them. */
function optionsOf(optimizer: OptimizerName): string[] {
  const all = OPTIMIZER_OPTION_NAMES.filter((o) => OPTIMIZER_OPTIONS[o].takenBy === "all");
  const own = OPTIMIZER_OPTION_NAMES.filter((o) => OPTIMIZER_OPTIONS[o].takenBy !== "all" && takesOption(optimizer, o));
  return ["learningRate", ...all, "warmupSteps", ...own];
}

/** "sgd (momentum 0.9, nesterov true)": an optimizer and the options given, for reports and logs. */
export function describeOptimizer({
  optimizer,
  ...options
}: Partial<CompileConfig> & Pick<CompileConfig, "optimizer">): string {
  const list = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`);
  return list.length ? `${optimizer} (${list.join(", ")})` : optimizer;
}

/** Checks compile()'s options and fills in Keras 3's defaults for what is left out. */
export function resolveOptimizer(config: CompileConfig): Optimizer {
  if (config === null || typeof config !== "object")
    throw new ArgumentError(`compile() needs a config object, got ${show(config)}`);
  const name = oneOf("optimizer", config.optimizer, OPTIMIZERS);
  const takes = optionsOf(name);
  for (const key of Object.keys(config)) {
    if ((config as unknown as Record<string, unknown>)[key] === undefined || key === "optimizer") continue;
    if (!takes.includes(key)) {
      throw new ArgumentError(`optimizer "${name}" takes no option ${show(key)} (it takes ${takes.join(", ")})`);
    }
  }
  const defaults = name === "adam" ? ADAM : name === "adamw" ? ADAMW : name === "sgd" ? SGD : RMSPROP;
  const learningRate = positiveFinite("learningRate", config.learningRate ?? defaults.learningRate);
  const weightDecay = nonNegative("weightDecay", config.weightDecay ?? (name === "adamw" ? ADAMW.weightDecay : 0));
  const clipnorm = config.clipnorm === undefined ? 0 : positiveFinite("clipnorm", config.clipnorm);
  const clipvalue = config.clipvalue === undefined ? 0 : positiveFinite("clipvalue", config.clipvalue);
  const globalClipnorm =
    config.globalClipnorm === undefined ? 0 : positiveFinite("globalClipnorm", config.globalClipnorm);
  if ([clipnorm, clipvalue, globalClipnorm].filter((c) => c > 0).length > 1) {
    throw new ArgumentError("give only one of clipnorm, clipvalue and globalClipnorm (as Keras)");
  }
  const warmupSteps = integerAtLeast("warmupSteps", config.warmupSteps ?? 0, 0);
  const common = {
    config,
    learningRate,
    weightDecay,
    clipnorm,
    clipvalue,
    globalClipnorm,
    warmupSteps,
    beta1: 0,
    beta2: 0,
    epsilon: 0,
    momentum: 0,
    nesterov: false,
    rho: 0,
  };
  if (name === "adam" || name === "adamw") {
    return {
      ...common,
      kind: OPT_ADAM,
      beta1: openUnit("beta1", config.beta1 ?? ADAM.beta1),
      beta2: openUnit("beta2", config.beta2 ?? ADAM.beta2),
      epsilon: positiveFinite("epsilon", config.epsilon ?? ADAM.epsilon),
    };
  }
  const momentum = nonNegative("momentum", config.momentum ?? (name === "sgd" ? SGD.momentum : RMSPROP.momentum));
  if (momentum > 1) throw new ArgumentError(`momentum must be a number in [0, 1], got ${momentum}`);
  if (name === "sgd") {
    const nesterov = config.nesterov ?? SGD.nesterov;
    if (typeof nesterov !== "boolean") throw new ArgumentError(`nesterov must be true or false, got ${show(nesterov)}`);
    return { ...common, kind: OPT_SGD, momentum, nesterov };
  }
  const centered = config.centered ?? RMSPROP.centered;
  if (typeof centered !== "boolean") throw new ArgumentError(`centered must be true or false, got ${show(centered)}`);
  const rho = config.rho ?? RMSPROP.rho;
  if (typeof rho !== "number" || !(rho >= 0 && rho < 1))
    throw new ArgumentError(`rho must be a number in [0, 1), got ${show(rho)}`);
  return {
    ...common,
    kind: centered ? OPT_RMSPROP_CENTERED : OPT_RMSPROP,
    rho,
    momentum,
    epsilon: positiveFinite("epsilon", config.epsilon ?? RMSPROP.epsilon),
  };
}
