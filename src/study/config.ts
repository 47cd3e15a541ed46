// The study's settings: one type, its defaults (the seed notebook's last cell) and one check
// against the data it will run on, which every front end (library, CLI, run workers, lab) uses.
import { ArgumentError } from "../errors.js";
import { trainCount } from "../keras-defaults.js";
import { MAX_UNITS, checkFits, modelBytes } from "../engine/sizes.js";
import { fraction, integerAtLeast, integerIn, nonNegative, oneOf, positiveFinite } from "../validate.js";
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "../engine/activations.js";
import type { Cell } from "./grid.js";
import { DENSE } from "../keras-defaults.js";
import { INITIALIZERS, type Initializer } from "../engine/initializers.js";
import { OPTIMIZERS, type CompileConfig } from "../engine/optimizer.js";
import type { Mnist } from "../data/mnist.js";

export interface StudyConfig {
  learningRates: number[];
  epochs: number;
  batchSize: number;
  /** Fraction of the training images held out (Keras' validation_split); ignored with validationData "test". */
  validationSplit: number;
  /** "split": validate on the held-out fraction; "test": train on all 60k and validate on the test set. */
  validationData: "split" | "test";
  /** Hidden ReLU layer widths; a 10-way softmax output follows. */
  layers: number[];
  /** Dead units are counted on the first `probe` training images. */
  probe: number;
  seed: number;
  /** The hidden layers' activation [relu]. */
  activation?: HiddenActivation;
  /** The hidden layers' kernel_initializer [glorot_uniform]; the softmax layer keeps Keras' glorot_uniform. */
  kernelInitializer?: Initializer;
  /** leaky_relu's negative slope or elu's α [Keras' 0.3 and 1.0]; ignored by relu and gelu. */
  alpha?: number;
  /** Adam's linear learning-rate warmup over this many steps (compile's warmupSteps) [none]. */
  warmupSteps?: number;
  /**
   * ReDo recycling (fit's recycle): every `every` steps the τ-dormant hidden units (τ default
   * 0.025) on a batch-sized probe of the epoch's training order are re-initialised [none].
   */
  recycle?: { every: number; tau?: number };
  /** Also count dead units on the probe after every this many training steps (deadUnitsPerStep) [only per epoch]. */
  probeEvery?: number;
  /** The optimizer and its options as compile() takes them, the rate aside [adam with Keras' defaults]. */
  compile?: Omit<CompileConfig, "learningRate">;
}

/** The notebook's last cell. */
export const NOTEBOOK: StudyConfig = {
  learningRates: [0.5, 0.1, 0.01, 0.001],
  epochs: 5,
  batchSize: 256,
  validationSplit: 0.2,
  validationData: "split",
  layers: [128, 64, 32],
  probe: 1000,
  seed: 42,
};

/** Checks a config against the data it will run on; throws ArgumentError naming the bad field. */
export function checkStudy(config: StudyConfig, data: Mnist): void {
  if (config.learningRates.length === 0) throw new ArgumentError("learning rates: give at least one");
  config.learningRates.forEach((lr) => positiveFinite("learning rate", lr));
  integerAtLeast("epochs", config.epochs, 1);
  integerAtLeast("batch size", config.batchSize, 1);
  fraction("validation split", config.validationSplit);
  if (config.layers.length === 0) throw new ArgumentError("layers: give at least one hidden layer width");
  config.layers.forEach((u) => integerIn("layer width", u, 1, MAX_UNITS));
  integerAtLeast("probe", config.probe, 1);
  integerAtLeast("seed", config.seed, 0);
  if (config.activation !== undefined) oneOf("activation", config.activation, HIDDEN_ACTIVATIONS);
  if (config.kernelInitializer !== undefined) oneOf("kernel initializer", config.kernelInitializer, INITIALIZERS);
  if (config.alpha !== undefined) nonNegative("alpha", config.alpha);
  if (config.warmupSteps !== undefined) integerAtLeast("warmup steps", config.warmupSteps, 0);
  if (config.probeEvery !== undefined) integerAtLeast("probe every", config.probeEvery, 1);
  if (config.recycle !== undefined) {
    integerAtLeast("recycle every", config.recycle.every, 1);
    if (config.recycle.tau !== undefined) nonNegative("recycle tau", config.recycle.tau);
  }
  if (config.compile !== undefined) oneOf("optimizer", config.compile.optimizer, OPTIMIZERS);
  const n = data.train.count;
  const inputSize = data.train.rows * data.train.cols;
  checkFits(
    `an MLP ${[inputSize, ...config.layers, 10].join("-")}`,
    modelBytes(inputSize, [...config.layers, 10], 1),
    1,
  );
  const nTrain = trainingImages(config, n);
  if (config.batchSize > nTrain) {
    throw new ArgumentError(`batch size must be at most the ${nTrain} training images, got ${config.batchSize}`);
  }
  if (config.probe > n) throw new ArgumentError(`probe must be at most the ${n} training images, got ${config.probe}`);
}

/** How many of `samples` training images a run trains on (the rest validate, unless it validates on the test set). */
export function trainingImages(config: StudyConfig, samples: number): number {
  return config.validationData === "test" ? samples : trainCount(samples, config.validationSplit);
}

/** Training steps per epoch on `samples` training images. */
export const stepsPerEpoch = (config: StudyConfig, samples: number): number =>
  Math.ceil(trainingImages(config, samples) / config.batchSize);

/** The cells a config trains by itself: its learning rates, each with its activation, initialiser and seed. */
export function studyCells(config: StudyConfig): Cell[] {
  return config.learningRates.map((learningRate) => ({
    learningRate,
    activation: config.activation ?? "relu",
    kernelInitializer: config.kernelInitializer ?? DENSE.kernelInitializer,
    seed: config.seed,
  }));
}

/** The config one cell trains with: the cell's activation, initialiser and seed over `config`'s. */
export function cellConfig(config: StudyConfig, cell: Cell): StudyConfig {
  return { ...config, activation: cell.activation, kernelInitializer: cell.kernelInitializer, seed: cell.seed };
}
