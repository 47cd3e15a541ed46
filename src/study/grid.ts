// The sweep's grid: every learning rate × hidden activation × kernel initialiser × seed, in one
// fixed order, and its shards — the K-th of N slices, dealt round-robin — so that separate
// processes (a Slurm array, a k8s indexed Job, a CI matrix) can each train a part and
// `dying-relu merge` can join them.
import { ArgumentError, show } from "../errors.js";
import type { HiddenActivation } from "../engine/activations.js";
import type { Initializer } from "../engine/initializers.js";

/** The grid's axes besides the learning rates and seeds: the sweep's defaults are ReLU and Keras' glorot_uniform. */
export interface Axes {
  activations: HiddenActivation[];
  initializers: Initializer[];
}

export const DEFAULT_AXES: Axes = { activations: ["relu"], initializers: ["glorot_uniform"] };

/** One run of the grid. */
export interface Cell {
  learningRate: number;
  activation: HiddenActivation;
  kernelInitializer: Initializer;
  seed: number;
}

/** True for the sweep's default activation and initialiser (the cases whose output names neither). */
export const isDefaultCell = (c: { activation?: string; kernelInitializer?: string }) =>
  (c.activation ?? "relu") === "relu" && (c.kernelInitializer ?? "glorot_uniform") === "glorot_uniform";

/** Whether a run's record is that of `cell` (a file's runs may predate activation and initialiser). */
export const isRunOf = (
  run: { learningRate: number; seed: number; activation?: string; kernelInitializer?: string } | undefined,
  cell: Cell,
) =>
  run?.learningRate === cell.learningRate &&
  run.seed === cell.seed &&
  (run.activation ?? "relu") === cell.activation &&
  (run.kernelInitializer ?? "glorot_uniform") === cell.kernelInitializer;

/** A slice of the grid: the index-th (1-based) of count. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The grid in its fixed order, each axis in the order its values were given: the learning rate
 * varies slowest, then the activation, then the initialiser, then the seed fastest (seed,
 * seed + 1, …, seed + seeds − 1). Shards and `merge` rely on this order; with the default axes it
 * is the rate-major (rate, seed) grid of schema 2's first files.
 */
export function expandGrid(learningRates: number[], seed: number, seeds: number, axes: Axes = DEFAULT_AXES): Cell[] {
  return learningRates.flatMap((learningRate) =>
    axes.activations.flatMap((activation) =>
      axes.initializers.flatMap((kernelInitializer) =>
        Array.from({ length: seeds }, (_, s) => ({ learningRate, activation, kernelInitializer, seed: seed + s })),
      ),
    ),
  );
}

/** The positions in a grid of `size` cells that belong to `shard`: index − 1, index − 1 + count, … */
export function shardPositions(size: number, shard: Shard | null): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  return shard ? all.filter((i) => i % shard.count === shard.index - 1) : all;
}

/** Parses "K/N" (1 ≤ K ≤ N); throws a one-line ArgumentError otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ArgumentError(`--shard expects K/N with whole numbers 1 ≤ K ≤ N, e.g. 2/4, got ${show(text)}`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index < 1 || index > count) {
    throw new ArgumentError(`--shard ${text}: K must be between 1 and N (and N ≥ 1), e.g. 2/4`);
  }
  return { index, count };
}
