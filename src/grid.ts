// The sweep's grid: every learning rate × every seed, in one fixed order, and its shards — the
// K-th of N slices, dealt round-robin — so that separate processes (a Slurm array, a k8s indexed
// Job, a CI matrix) can each train a part and `dying-relu merge` can join them.
import { ArgumentError } from "./errors.js";

/** One run of the grid. */
export interface Cell {
  learningRate: number;
  seed: number;
}

/** A slice of the grid: the index-th (1-based) of count. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The grid in its fixed order: rate-major, in the order the rates were given, then seeds
 * seed, seed + 1, …, seed + seeds − 1.
 */
export function expandGrid(learningRates: number[], seed: number, seeds: number): Cell[] {
  return learningRates.flatMap((learningRate) => Array.from({ length: seeds }, (_, s) => ({ learningRate, seed: seed + s })));
}

/** The positions in a grid of `size` cells that belong to `shard`: index − 1, index − 1 + count, … */
export function shardPositions(size: number, shard: Shard | null): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  return shard ? all.filter((i) => i % shard.count === shard.index - 1) : all;
}

/** Parses "K/N" (1 ≤ K ≤ N); throws a one-line ArgumentError otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ArgumentError(`--shard expects K/N with whole numbers 1 ≤ K ≤ N, e.g. 2/4, got "${text}"`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index < 1 || index > count) {
    throw new ArgumentError(`--shard ${text}: K must be between 1 and N (and N ≥ 1), e.g. 2/4`);
  }
  return { index, count };
}
