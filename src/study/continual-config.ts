// The continual-learning study's settings: Online Permuted MNIST as Dohare et al. (2024) run it
// (their small network, SGD at step 0.003, one example per step), its remedies as one registry,
// and the one check that the library, the CLI and the run workers share.
import { ArgumentError, show } from "../errors.js";
import { OPTIMIZERS, type OptimizerName } from "../engine/optimizer.js";
import { MAX_UNITS } from "../engine/sizes.js";
import { integerIn, oneOf, positiveFinite } from "../validate.js";

/** A remedy against loss of plasticity, and what it switches on in the online learner. */
export interface MethodSpec {
  readonly help: string;
  /** Decoupled weight decay λ (the config's weightDecay) on every step. */
  readonly weightDecay?: true;
  /** Shrink and Perturb's noise σ (the config's noise) after every step. */
  readonly noise?: true;
  /** ReDo: the τ-dormant units of the task's probe recycled at its start. */
  readonly redo?: true;
  /** Continual backprop (replacementRate, decay, maturity). */
  readonly cbp?: true;
}

export const METHOD_SPECS = {
  bp: { help: "plain backprop" },
  l2: { help: "backprop with weight decay λ (--weight-decay)", weightDecay: true },
  snp: {
    help: "Shrink and Perturb: weight decay λ, then N(0, σ²) noise on every weight and bias (--noise)",
    weightDecay: true,
    noise: true,
  },
  redo: { help: "ReDo: recycle the τ-dormant units of each task's probe at its start", redo: true },
  cbp: { help: "continual backprop: replace the lowest-utility mature units at rate ρ", cbp: true },
} as const satisfies Record<string, MethodSpec>;

/** A method's spec, with the switches it leaves out as undefined. */
export const methodSpec = (m: Method): MethodSpec => METHOD_SPECS[m];

export type Method = keyof typeof METHOD_SPECS;
export const METHODS = Object.keys(METHOD_SPECS) as Method[];

export interface ContinualConfig {
  /** Tasks in the stream, each a fresh pixel permutation of MNIST's training images. */
  tasks: number;
  /** Examples per task (at most the training images), each seen once, in a fresh order. */
  perTask: number;
  /** Hidden widths (ReLU, He-uniform kernels, zero biases); the output layer has 10 units. */
  layers: number[];
  optimizer: OptimizerName;
  learningRate: number;
  /** Examples per step: 1 (online). */
  batchSize: number;
  methods: Method[];
  /** λ of l2 and snp. */
  weightDecay: number;
  /** σ of snp. */
  noise: number;
  /** ρ of cbp: replacements per eligible unit and step. */
  replacementRate: number;
  /** Steps a unit must have lived before cbp may replace it. */
  maturity: number;
  /** η of cbp's running utility and mean. */
  decay: number;
  /** ReDo's dormancy threshold τ. */
  redoTau: number;
  /** Examples at each task's start on which dead units and ranks are measured. */
  probe: number;
  seed: number;
  /** Seeds per method: seed, seed+1, … */
  seeds: number;
}

/**
 * The authors' Online Permuted MNIST: 100 tasks of 60,000 examples, 784-100-100-100-10, SGD at
 * 0.003, one example per step; ρ = 1e-4, the largest of their grid (1e-4, 1e-5, 1e-6), which
 * replaces about one unit per layer every 100 steps of a 100-wide layer and is the setting their
 * plotted width-100 curves use.
 */
export const CONTINUAL: Readonly<ContinualConfig> = Object.freeze({
  tasks: 100,
  perTask: 60_000,
  layers: [100, 100, 100],
  optimizer: "sgd",
  learningRate: 0.003,
  batchSize: 1,
  methods: ["bp", "cbp"] as Method[],
  weightDecay: 1e-4,
  noise: 1e-5,
  replacementRate: 1e-4,
  maturity: 100,
  decay: 0.99,
  redoTau: 0.025,
  probe: 2000,
  seed: 42,
  seeds: 1,
});

/** The config with defaults filled in, checked; an ArgumentError names the first bad field. */
export function checkContinual(given: Partial<ContinualConfig>, trainImages: number): ContinualConfig {
  if (given === null || typeof given !== "object")
    throw new ArgumentError(`the config must be an object, got ${show(given)}`);
  for (const key of Object.keys(given))
    if (!(key in CONTINUAL)) throw new ArgumentError(`unknown continual setting ${show(key)}`);
  const c = { ...CONTINUAL, ...given };
  integerIn("tasks", c.tasks, 1, 100_000);
  integerIn("perTask", c.perTask, 1, trainImages);
  if (!Array.isArray(c.layers) || c.layers.length === 0 || c.layers.length > 100)
    throw new ArgumentError(`layers must be 1 to 100 hidden widths, got ${show(c.layers)}`);
  c.layers.forEach((u, i) => integerIn(`layers[${i}]`, u, 1, MAX_UNITS));
  oneOf("optimizer", c.optimizer, OPTIMIZERS);
  positiveFinite("learningRate", c.learningRate);
  if (c.batchSize !== 1) throw new ArgumentError(`batchSize must be 1 (the online setting), got ${show(c.batchSize)}`);
  if (!Array.isArray(c.methods) || c.methods.length === 0)
    throw new ArgumentError(`methods must list one or more of ${METHODS.join(", ")}, got ${show(c.methods)}`);
  for (const m of c.methods) oneOf("method", m, METHODS);
  if (new Set(c.methods).size !== c.methods.length)
    throw new ArgumentError(`methods lists one twice: ${c.methods.join(",")}`);
  positiveFinite("weightDecay", c.weightDecay);
  positiveFinite("noise", c.noise);
  positiveFinite("replacementRate", c.replacementRate);
  integerIn("maturity", c.maturity, 0, 1e9);
  if (typeof c.decay !== "number" || !(c.decay > 0 && c.decay < 1))
    throw new ArgumentError(`decay must be a number in (0, 1), got ${show(c.decay)}`);
  positiveFinite("redoTau", c.redoTau);
  integerIn("probe", c.probe, 1, trainImages);
  integerIn("seed", c.seed, 0, 2 ** 31 - 1);
  integerIn("seeds", c.seeds, 1, 1000);
  return { ...c, layers: [...c.layers], methods: [...c.methods] };
}
