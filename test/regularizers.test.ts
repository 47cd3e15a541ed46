// kernelRegularizer: { l2 } (Keras' kernel_regularizer=L2(l2)) in every engine: the loss and its
// gradients against central finite differences of the float64 reference, evaluate's loss, the js
// twin against the wasm builds, and bad options.
import { describe, it, expect, beforeAll } from "vitest";
import { ArgumentError, type Engine, type LayerConfig, type SequentialConfig } from "../src/index.js";
import { fromWeights, lossAndGrads, finiteDifferences } from "./support/mlp64.js";
import { TINY, randomWeights, tinyBatch } from "./support/tiny.js";
import { BACKENDS, allEngines, type Backend } from "./support/engines.js";

let engines: Record<Backend, Engine>;
beforeAll(async () => {
  engines = await allEngines();
});

const L2S = [0.05, 0, 0.01]; // the middle layer unregularised; the last takes Keras' default 0.01
const CONFIG: SequentialConfig = {
  ...TINY,
  layers: [
    { ...TINY.layers[0], kernelRegularizer: { l2: 0.05 } },
    TINY.layers[1],
    { ...TINY.layers[2], kernelRegularizer: {} },
  ],
};

describe.each(BACKENDS)("%s", (backend) => {
  it("loss and gradients match central finite differences of the float64 reference", () => {
    const model = engines[backend].sequential(CONFIG);
    const weights = randomWeights(1);
    model.setWeights(weights);
    const { x, y } = tinyBatch(2, 6);
    const { loss, grads } = model.computeGradients(x, y);
    const net = { ...fromWeights(TINY.inputSize, weights), l2: L2S };
    const plain = lossAndGrads(fromWeights(TINY.inputSize, weights), x, y);
    const regularised = lossAndGrads(net, x, y);
    expect(regularised - plain).toBeGreaterThan(0.01); // the penalty is there
    expect(loss).toBeCloseTo(regularised, 5);
    expect(model.evaluate(x, y).loss).toBeCloseTo(regularised, 5);
    const fd = finiteDifferences(net, x, y);
    fd.kernels.forEach((ref, l) =>
      ref.forEach((v, i) => expect(Math.abs(grads[l].kernel[i] - v)).toBeLessThan(1e-5 + 1e-3 * Math.abs(v))),
    );
    model.dispose();
  });
});

describe.each(["wasm-simd", "wasm-relaxed"] as const)("js agrees with %s", (backend) => {
  it("three Adam steps with L2 within 1e-4", () => {
    const [a, b] = [engines.js, engines[backend]].map((e) => {
      const m = e.sequential({ ...CONFIG, seed: 4 });
      m.compile({ optimizer: "adam", learningRate: 0.05 });
      return m;
    });
    for (const seed of [6, 7, 8]) {
      const { x, y } = tinyBatch(seed, 16);
      expect(Math.abs(a.trainOnBatch(x, y).loss - b.trainOnBatch(x, y).loss)).toBeLessThan(1e-4);
    }
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    wa.forEach((l, i) => l.kernel.forEach((v, j) => expect(Math.abs(v - wb[i].kernel[j])).toBeLessThan(1e-4)));
    a.dispose();
    b.dispose();
  });
});

describe("bad regularisers", () => {
  const make = (reg: unknown) => () =>
    engines.js.sequential({
      inputSize: 3,
      layers: [{ units: 2, activation: "softmax", kernelRegularizer: reg } as LayerConfig],
    });
  it.each([
    ["a negative l2", { l2: -1 }, /layers\[0\]\.kernelRegularizer\.l2 must be a finite number ≥ 0, got -1/],
    ["an l1 factor", { l1: 0.1 }, /layers\[0\]\.kernelRegularizer must be \{ l2\?: number \}, got/],
    ["a number", 0.01, /layers\[0\]\.kernelRegularizer must be \{ l2\?: number \}, got 0.01/],
  ])("%s", (_, reg, message) => {
    expect(make(reg)).toThrow(ArgumentError);
    expect(make(reg)).toThrow(message);
  });
});
