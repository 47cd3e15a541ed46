// One run of the study (a fresh model for one cell of the grid, trained, then its dead units on
// the probe) and the loop over cells that the library, the CLI and the lab all use; the sweep's
// run workers call runOne() for the cells they are handed.
import { DENSE, denseName } from "../keras-defaults.js";
import { takesAlpha } from "../engine/activations.js";
import type { Engine } from "../engine/engine.js";
import type { Sequential } from "../engine/sequential.js";
import type { Callbacks, FitOptions, Logs } from "../engine/types.js";
import type { DeadUnits } from "../engine/dead-units.js";
import type { Mnist } from "../data/mnist.js";
import { cellConfig, checkStudy, studyCells, type StudyConfig } from "./config.js";
import type { Cell } from "./grid.js";
import type { Run } from "./schema.js";

/** What a run reports as it goes; every hook is optional. */
export interface RunHooks {
  /** Keras-style callbacks for the run's fit(), e.g. a progress bar. */
  callbacks?: Callbacks;
  /** The untrained model's dead units and masks on the probe, before the first epoch. */
  onTrainBegin?: (begin: TrainBegin) => void;
  /** After each completed epoch (and the callbacks' onEpochEnd), with the live model and the probe. */
  onEpochEnd?: (end: EpochEnd) => void | Promise<void>;
  /** The trained model, before it is disposed, e.g. to save it. */
  onModel?: (model: Sequential) => void;
}

/** runStudy's hooks: each run's own hooks, made for it from its position in the cells. */
export interface StudyHooks {
  onRunStart?: (index: number, cell: Cell) => void;
  /** The hooks of run `index` (e.g. eventHooks from events.ts, or a progress bar's callbacks). */
  run?: (index: number, cell: Cell) => RunHooks;
  onRunEnd?: (run: Run, index: number) => void;
}

export interface EpochEnd {
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

/**
 * Trains the cells one after another on `engine` and resolves to their runs, in cell order. The
 * cells default to config.learningRates, each with config's activation, initialiser and seed;
 * every cell's settings are checked against the data before the first one trains.
 */
export async function runStudy(
  engine: Engine,
  data: Mnist,
  config: StudyConfig,
  hooks: StudyHooks = {},
  cells: Cell[] = studyCells(config),
): Promise<Run[]> {
  checkStudy(config, data);
  for (const cell of cells) checkStudy(cellConfig(config, cell), data);
  const runs: Run[] = [];
  for (const [i, cell] of cells.entries()) {
    hooks.onRunStart?.(i, cell);
    const run = await runOne(engine, data, config, cell, hooks.run?.(i, cell));
    runs.push(run);
    hooks.onRunEnd?.(run, i);
  }
  return runs;
}

/**
 * One run of the study: a fresh model for `cell` (its rate, hidden activation, initialiser and
 * seed; the rest from `config`), trained, then its dead units on the probe. runStudy and the
 * sweep's run workers call it; `config` with the cell must have passed checkStudy() against `data`.
 */
export async function runOne(
  engine: Engine,
  data: Mnist,
  studyConfig: StudyConfig,
  cell: Cell,
  hooks: RunHooks = {},
): Promise<Run> {
  const config = cellConfig(studyConfig, cell);
  const { learningRate } = cell;
  const { callbacks, onEpochEnd, onModel, onTrainBegin } = hooks;
  const { train, test } = data;
  const inputSize = train.rows * train.cols;
  const probe = train.images.subarray(0, config.probe * inputSize);
  const activation = config.activation ?? "relu";
  const kernelInitializer = config.kernelInitializer ?? DENSE.kernelInitializer;
  const hiddenNames = config.layers.map((_, l) => denseName(l));
  const alpha = config.alpha !== undefined && takesAlpha(activation) ? { alpha: config.alpha } : {};
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
