// The seed notebook's study: one fresh model per learning rate, trained with Adam, then the
// layer-wise dead-unit fraction on a probe of the first training images. The CLI and the web
// page both run it through runStudy(); the CLI's parallel sweep runs runOne() in worker threads.
import { ArgumentError } from "./errors.js";
import { DENSE, trainCount } from "./keras-defaults.js";
import { fraction, integerAtLeast, nonNegative, oneOf, positiveFinite } from "./validate.js";
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "./grid.js";
import { INITIALIZERS, type Initializer } from "./engine/types.js";
import type { Engine } from "./engine/engine.js";
import type { Sequential } from "./engine/sequential.js";
import type { Callbacks, Divergence, FitOptions, History, Logs } from "./engine/types.js";
import { OPTIMIZERS, type CompileConfig } from "./engine/optimizer.js";
import type { DeadUnits } from "./engine/dead-units.js";
import type { Mnist } from "./data/mnist.js";

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

export interface Run {
  learningRate: number;
  /** The hidden layers' activation and the kernel initialiser (absent in files from before they were options). */
  activation?: HiddenActivation;
  kernelInitializer?: Initializer;
  seed: number;
  history: History["history"];
  deadUnits: DeadUnits[];
  /**
   * The dead units on the probe after each completed epoch (one entry per epoch; fewer if it
   * diverged), each layer's entry with `revived`: units dead at the previous epoch (or before
   * training) that fire again.
   */
  deadUnitsPerEpoch: DeadUnits[][];
  /**
   * Per hidden layer, per unit: the last completed epoch (0-based) after which the unit fired on
   * the probe, −1 if it was dead after every epoch. Absent in files from before it was recorded.
   */
  lastFiredEpoch?: number[][];
  /**
   * Per hidden layer, per unit: the last training step (counted from 1 across epochs; 0 is before
   * training) after which the unit fired on the probe, −1 if it never did. The probe runs after
   * every epoch and, with config.probeEvery, every probeEvery steps, so this is exact to that
   * resolution. Absent in files from before it was recorded.
   */
  lastFiredStep?: number[][];
  /**
   * With config.probeEvery: the dead units on the probe after every probeEvery-th training step
   * (1-based, counted across epochs), as deadUnits' entries.
   */
  deadUnitsPerStep?: { step: number; layers: DeadUnits[] }[];
  /** With config.recycle: per completed epoch, per hidden layer, the units ReDo recycled in it. */
  recycledPerEpoch?: { layer: string; recycled: number }[][];
  /** The dead units on the probe before training (absent in files from before it was recorded). */
  deadUnitsBeforeTraining?: DeadUnits[];
  /**
   * Per hidden layer, the final dead mask: one character per unit, "1" dead and "0" alive, from
   * the same probe as deadUnits (absent in files from before it was recorded).
   */
  deadMasks?: string[];
  diverged: Divergence | null;
  seconds: number;
}

export interface StudyHooks {
  onRunStart?: (learningRate: number, index: number) => void;
  /** Keras-style callbacks for the run's fit(), e.g. a progress bar. */
  callbacks?: (learningRate: number) => Callbacks;
  onRunEnd?: (run: Run, index: number) => void;
  /** After each completed epoch (and the callbacks' onEpochEnd), with the live model and the probe. */
  onEpochEnd?: (end: EpochEnd) => void | Promise<void>;
}

export interface EpochEnd {
  learningRate: number;
  /** The run's position in config.learningRates. */
  index: number;
  /** 0-based, as in Keras callbacks. */
  epoch: number;
  logs: Logs;
  /** The model being trained, e.g. for model.deadMask(probe); valid only during the call. */
  model: Sequential;
  /** The dead-unit probe: the first config.probe training images. */
  probe: Uint8Array;
  /** This epoch's dead masks on the probe (model.deadMask(probe)), one byte per unit per layer. */
  masks: Uint8Array[];
  /** This epoch's entry of the run's deadUnitsPerEpoch (all definitions and `revived`). */
  deadUnits: DeadUnits[];
}

/** Checks a config against the data it will run on; throws ArgumentError naming the bad field. */
export function checkStudy(config: StudyConfig, data: Mnist): void {
  if (config.learningRates.length === 0) throw new ArgumentError("learning rates: give at least one");
  config.learningRates.forEach((lr) => positiveFinite("learning rate", lr));
  integerAtLeast("epochs", config.epochs, 1);
  integerAtLeast("batch size", config.batchSize, 1);
  fraction("validation split", config.validationSplit);
  if (config.layers.length === 0) throw new ArgumentError("layers: give at least one hidden layer width");
  config.layers.forEach((u) => integerAtLeast("layer width", u, 1));
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
  const nTrain = config.validationData === "test" ? n : trainCount(n, config.validationSplit);
  if (config.batchSize > nTrain) {
    throw new ArgumentError(`batch size must be at most the ${nTrain} training images, got ${config.batchSize}`);
  }
  if (config.probe > n) throw new ArgumentError(`probe must be at most the ${n} training images, got ${config.probe}`);
}

export async function runStudy(
  engine: Engine,
  data: Mnist,
  config: StudyConfig,
  hooks: StudyHooks = {},
): Promise<Run[]> {
  checkStudy(config, data);
  const runs: Run[] = [];
  for (const [i, learningRate] of config.learningRates.entries()) {
    hooks.onRunStart?.(learningRate, i);
    const onEpochEnd = hooks.onEpochEnd;
    const run = await runOne(
      engine,
      data,
      config,
      learningRate,
      hooks.callbacks?.(learningRate),
      onEpochEnd && ((end) => onEpochEnd({ learningRate, index: i, ...end })),
    );
    runs.push(run);
    hooks.onRunEnd?.(run, i);
  }
  return runs;
}

/**
 * One run of the study: a fresh model trained at `learningRate`, then its dead units on the probe.
 * The sequential loop (runStudy) and the parallel sweep's workers both call it; `config` must have
 * passed checkStudy() against `data`.
 */
export async function runOne(
  engine: Engine,
  data: Mnist,
  config: StudyConfig,
  learningRate: number,
  callbacks?: Callbacks,
  onEpochEnd?: (end: Omit<EpochEnd, "learningRate" | "index">) => void | Promise<void>,
  /** Called with the trained model before it is disposed, e.g. to save it. */
  onModel?: (model: Sequential) => void,
  /** Called with the untrained model's probe, before the first epoch. */
  onTrainBegin?: (begin: TrainBegin) => void,
): Promise<Run> {
  const { train, test } = data;
  const inputSize = train.rows * train.cols;
  const probe = train.images.subarray(0, config.probe * inputSize);
  const activation = config.activation ?? "relu";
  const kernelInitializer = config.kernelInitializer ?? DENSE.kernelInitializer;
  const hiddenNames = config.layers.map((_, l) => `dense_${l + 1}`);
  const alpha =
    config.alpha !== undefined && (activation === "leaky_relu" || activation === "elu") ? { alpha: config.alpha } : {};
  const model = engine.sequential({
    inputSize,
    layers: [
      ...config.layers.map((units, l) => ({ units, activation, ...alpha, kernelInitializer, name: hiddenNames[l] })),
      { units: 10, activation: "softmax" as const, name: "output" }, // Keras' glorot_uniform, whatever the hidden layers use
    ],
    seed: config.seed,
  });
  const deadUnitsPerEpoch: DeadUnits[][] = [];
  const deadUnitsPerStep: { step: number; layers: DeadUnits[] }[] = [];
  const probeEvery = config.probeEvery;
  let step = 0; // training steps so far, across epochs
  const held: { dispose(): void }[] = [model];
  try {
    // Probed and evaluated again and again: kept in the engine's memory instead of copied each time.
    const probeSet = engine.dataset(probe);
    held.push(probeSet);
    const testSet = config.validationData === "test" ? engine.dataset(test.images, test.labels) : null;
    if (testSet) held.push(testSet);
    model.compile({
      optimizer: "adam",
      ...config.compile,
      learningRate,
      ...(config.warmupSteps !== undefined && { warmupSteps: config.warmupSteps }),
    });
    // Per-epoch revivals compare each epoch's dead masks with the previous ones (the untrained model's first).
    const before = model.probe(probeSet.x);
    onTrainBegin?.(before);
    let previousMasks = before.masks;
    const lastFiredEpoch = previousMasks.map((mask) => Array.from(mask, () => -1));
    const lastFiredStep = previousMasks.map((mask) => Array.from(mask, (dead): number => (dead ? -1 : 0)));
    // Marks the units that fired on this probe: at this step, and after `epoch` for an epoch's probe.
    const fired = (masks: Uint8Array[], epoch?: number) =>
      masks.forEach((mask, l) =>
        mask.forEach((dead, j) => {
          if (dead !== 0) return;
          lastFiredStep[l][j] = step;
          if (epoch !== undefined) lastFiredEpoch[l][j] = epoch;
        }),
      );
    const validation: Pick<FitOptions, "validationData" | "validationSplit"> = testSet
      ? { validationData: [testSet.x, testSet.y] }
      : { validationSplit: config.validationSplit };
    const started = performance.now();
    const history = await model.fit(train.images, train.labels, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      ...(config.recycle && { recycle: config.recycle }),
      ...validation,
      callbacks: withHooks(
        callbacks,
        () => {
          if (++step % (probeEvery ?? Infinity) !== 0) return;
          const probed = model.probe(probeSet.x);
          deadUnitsPerStep.push({ step, layers: probed.deadUnits });
          fired(probed.masks);
        },
        async (epoch, logs) => {
          const probed = model.probe(probeSet.x);
          const { masks } = probed;
          fired(masks, epoch);
          const deadUnits = probed.deadUnits.map((d, l) => ({
            ...d,
            revived: revivedUnits(previousMasks[l], masks[l]),
          }));
          deadUnitsPerEpoch.push(deadUnits);
          previousMasks = masks;
          await onEpochEnd?.({ epoch, logs, model, probe, masks, deadUnits });
        },
      ),
    });
    const seconds = (performance.now() - started) / 1000;
    // The last epoch's probe is the final one unless training went on past it (and diverged).
    const final =
      history.diverged || deadUnitsPerEpoch.length === 0
        ? model.probe(probeSet.x)
        : { deadUnits: deadUnitsPerEpoch[deadUnitsPerEpoch.length - 1], masks: previousMasks };
    const run: Run = {
      learningRate,
      activation,
      kernelInitializer,
      seed: config.seed,
      history: history.history,
      deadUnits: final.deadUnits,
      deadUnitsPerEpoch,
      lastFiredEpoch,
      lastFiredStep,
      ...(probeEvery ? { deadUnitsPerStep } : {}),
      ...(history.recycled && {
        recycledPerEpoch: history.recycled.map((counts) =>
          counts.map((recycled, l) => ({ layer: hiddenNames[l], recycled })),
        ),
      }),
      deadUnitsBeforeTraining: before.deadUnits,
      deadMasks: final.masks.map(maskString),
      diverged: history.diverged,
      seconds,
    };
    onModel?.(model);
    return run;
  } finally {
    for (const h of held) h.dispose();
  }
}

/** The untrained model's dead units and masks on the probe (runOne's onTrainBegin). */
export interface TrainBegin {
  deadUnits: DeadUnits[];
  masks: Uint8Array[];
}

/** A dead mask as Run.deadMasks stores it: "1" per dead unit, "0" per live one. */
export const maskString = (mask: Uint8Array): string => Array.from(mask, (m) => (m ? "1" : "0")).join("");

/** Units dead in `before` (1) and alive in `after` (0). */
export function revivedUnits(before: Uint8Array, after: Uint8Array): number {
  let revived = 0;
  for (let j = 0; j < after.length; j++) if (before[j] === 1 && after[j] === 0) revived++;
  return revived;
}

/** The callbacks with `batchHook` after each onBatchEnd and `epochHook` after each onEpochEnd. */
function withHooks(
  callbacks: Callbacks | undefined,
  batchHook: () => void,
  epochHook: NonNullable<Callbacks["onEpochEnd"]>,
): Callbacks {
  return {
    ...callbacks,
    onBatchEnd: async (batch: number, logs: Logs) => {
      await callbacks?.onBatchEnd?.(batch, logs);
      batchHook();
    },
    onEpochEnd: async (epoch, logs) => {
      await callbacks?.onEpochEnd?.(epoch, logs);
      await epochHook(epoch, logs);
    },
  };
}
