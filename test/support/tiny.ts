// A tiny 7-5-6-3 net whose widths are not multiples of the 8-wide tile, so padding is exercised
// everywhere, with seeded random batches and weights.
import type { LayerWeights, SequentialConfig } from "../../src/index.js";
import { rng } from "./mlp64.js";

export const TINY: SequentialConfig = {
  inputSize: 7,
  layers: [
    { units: 5, activation: "relu" },
    { units: 6, activation: "relu" },
    { units: 3, activation: "softmax" },
  ],
};

export function tinyBatch(seed: number, n: number) {
  const r = rng(seed);
  return {
    x: Float32Array.from({ length: n * TINY.inputSize }, () => r()),
    y: Int32Array.from({ length: n }, () => Math.floor(r() * 3)),
  };
}

/** Random TINY weights with biases set so no ReLU sits at its kink. */
export function randomWeights(seed: number): LayerWeights[] {
  const r = rng(seed);
  const sizes = [TINY.inputSize, 5, 6, 3];
  return sizes.slice(1).map((units, l) => ({
    kernel: Float32Array.from({ length: sizes[l] * units }, () => (r() - 0.5) * 1.2),
    bias: Float32Array.from({ length: units }, () => (r() - 0.3) * 0.4),
  }));
}
