// Hidden activations other than ReLU (leaky_relu, elu, gelu) in every engine: gradients against
// central finite differences of the float64 reference (test/support/mlp64.ts), the forward pass
// against it, the js twin against the wasm builds, the "never-positive" dead-unit count, and
// bad options.
import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { ArgumentError, type Engine, type LayerConfig, type SequentialConfig } from "../src/index.js";
import { act64, fromWeights, lossAndGrads, type Hidden } from "./support/mlp64.js";
import { expectFiniteDifferenceGradients } from "./support/gradcheck.js";
import { TINY, randomWeights, tinyBatch } from "./support/tiny.js";
import { BACKENDS, allEngines, type Backend } from "./support/engines.js";

let engines: Record<Backend, Engine>;
beforeAll(async () => {
  engines = await allEngines();
});

const HIDDEN: Record<string, Hidden> = {
  leaky_relu: { activation: "leaky_relu" }, // Keras LeakyReLU's default slope 0.3
  "leaky_relu α=0.05": { activation: "leaky_relu", alpha: 0.05 },
  elu: { activation: "elu" },
  "elu α=0.5": { activation: "elu", alpha: 0.5 },
  gelu: { activation: "gelu" },
};

function tinyWith(h: Hidden): SequentialConfig {
  const hidden: LayerConfig = {
    units: 0,
    activation: h.activation,
    ...(h.alpha !== undefined ? { alpha: h.alpha } : {}),
  };
  return { ...TINY, layers: [{ ...hidden, units: 5 }, { ...hidden, units: 6 }, TINY.layers[2]] };
}

describe.each(BACKENDS)("%s", (backend) => {
  describe.each(Object.entries(HIDDEN))("%s", (_, h) => {
    it("gradients match central finite differences of the float64 reference", () => {
      const model = engines[backend].sequential(tinyWith(h));
      const weights = randomWeights(1);
      model.setWeights(weights);
      const { x, y } = tinyBatch(2, 6);
      const { loss, grads } = model.computeGradients(x, y);
      const net = fromWeights(TINY.inputSize, weights, [h, h]);
      expect(loss).toBeCloseTo(lossAndGrads(net, x, y), 5);
      expect(expectFiniteDifferenceGradients(grads, net, x, y)).toBe(7 * 5 + 5 * 6 + 6 * 3 + 5 + 6 + 3);
      model.dispose();
    });

    it("predict matches the float64 reference's probabilities", () => {
      const model = engines[backend].sequential(tinyWith(h));
      const weights = randomWeights(3);
      model.setWeights(weights);
      const { x } = tinyBatch(4, 50);
      const p = model.predict(x);
      const net = fromWeights(TINY.inputSize, weights, [h, h]);
      for (let s = 0; s < 50; s++) {
        let a = Array.from(x.subarray(s * 7, s * 7 + 7), Number);
        for (let l = 0; l < 3; l++) {
          const [nin, nout] = [net.sizes[l], net.sizes[l + 1]];
          a = Array.from({ length: nout }, (_, j) => {
            let z = net.biases[l][j];
            for (let i = 0; i < nin; i++) z += a[i] * net.kernels[l][i * nout + j];
            return l < 2 ? act64(h, z) : z;
          });
        }
        const max = Math.max(...a);
        const sum = a.reduce((t, v) => t + Math.exp(v - max), 0);
        a.forEach((v, j) => expect(Math.abs(p[s * 3 + j] - Math.exp(v - max) / sum)).toBeLessThan(1e-6));
      }
      model.dispose();
    });
  });
});

describe.each(["wasm-simd", "wasm-relaxed"] as const)("js agrees with %s within 1e-4", (backend) => {
  it.each(Object.keys(HIDDEN))("%s: three Adam steps, then predict", (name) => {
    const h = HIDDEN[name];
    const [a, b] = [engines.js, engines[backend]].map((e) => {
      const m = e.sequential({ ...tinyWith(h), seed: 9 });
      m.compile({ optimizer: "adam", learningRate: 0.01 });
      return m;
    });
    for (const seed of [6, 7, 8]) {
      const { x, y } = tinyBatch(seed, 16);
      const [la, lb] = [a.trainOnBatch(x, y), b.trainOnBatch(x, y)];
      expect(Math.abs(la.loss - lb.loss)).toBeLessThan(1e-4);
    }
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    wa.forEach((l, i) => {
      l.kernel.forEach((v, j) => expect(Math.abs(v - wb[i].kernel[j])).toBeLessThan(1e-4));
      l.bias.forEach((v, j) => expect(Math.abs(v - wb[i].bias[j])).toBeLessThan(1e-4));
    });
    const { x } = tinyBatch(10, 40);
    const [pa, pb] = [a.predict(x), b.predict(x)];
    pa.forEach((v, j) => expect(Math.abs(v - pb[j])).toBeLessThan(1e-4));
    a.dispose();
    b.dispose();
  });
});

describe("dead units of non-ReLU layers", () => {
  it.each(BACKENDS)("%s: a unit is dead when its output is never positive ('never-positive')", (backend) => {
    for (const activation of ["leaky_relu", "elu", "gelu"] as const) {
      const model = engines[backend].sequential({
        inputSize: 2,
        layers: [
          { units: 4, activation, name: "h" },
          { units: 2, activation: "softmax" },
        ],
      });
      // Units: fires on x0; never positive (bias −1, weights ≤ 0); fires on x1; z ≡ 0 (gelu(0) = 0).
      model.setWeights([
        { kernel: Float32Array.of(1, -1, 0, 0, 0, -2, 1, 0), bias: Float32Array.of(-0.5, -1, -0.5, 0) },
        { kernel: new Float32Array(8), bias: new Float32Array(2) },
      ]);
      const x = Float32Array.of(1, 0, 0, 1, 0.2, 0.2);
      expect(model.deadUnits(x)).toMatchObject([
        { layer: "h", units: 4, dead: 2, fraction: 0.5, definition: "never-positive" },
      ]);
      expect(model.deadMask(x)).toEqual([Uint8Array.of(0, 1, 0, 1)]);
      expect(model.deadUnits(x.subarray(4))).toMatchObject([
        { layer: "h", units: 4, dead: 4, fraction: 1, definition: "never-positive" },
      ]);
      model.dispose();
    }
  });
});

describe("bad activation options", () => {
  const make = (layer: Partial<LayerConfig>) => () =>
    engines.js.sequential({
      inputSize: 3,
      layers: [{ units: 4, activation: "relu", ...layer } as LayerConfig, { units: 2, activation: "softmax" }],
    });
  it.each([
    [
      "an unknown activation",
      { activation: "swish" },
      /layers\[0\]\.activation must be one of "linear", "relu", "softmax", "leaky_relu", "elu", "gelu", got "swish"/,
    ],
    [
      "a negative alpha",
      { activation: "leaky_relu", alpha: -0.1 },
      /layers\[0\]\.alpha must be a finite number ≥ 0, got -0\.1/,
    ],
    ["a NaN alpha", { activation: "elu", alpha: NaN }, /layers\[0\]\.alpha must be a finite number ≥ 0, got NaN/],
    ["a string alpha", { activation: "elu", alpha: "1" }, /layers\[0\]\.alpha must be a finite number ≥ 0, got "1"/],
    [
      "alpha on relu",
      { activation: "relu", alpha: 0.1 },
      /layers\[0\]\.alpha only applies to "leaky_relu" and "elu", not "relu"/,
    ],
    [
      "alpha on gelu",
      { activation: "gelu", alpha: 0.1 },
      /layers\[0\]\.alpha only applies to "leaky_relu" and "elu", not "gelu"/,
    ],
  ] as const)("%s", (_, layer, message) => {
    expect(make(layer as unknown as Partial<LayerConfig>)).toThrow(ArgumentError);
    expect(make(layer as unknown as Partial<LayerConfig>)).toThrow(message);
  });
});

describe("model files", () => {
  it.each(BACKENDS)("%s: save() keeps the activations and alpha; loadModel() predicts the same", (backend) => {
    const e = engines[backend];
    const model = e.sequential({
      inputSize: 7,
      layers: [
        { units: 5, activation: "leaky_relu", alpha: 0.05 },
        { units: 6, activation: "elu", alpha: 0.5 },
        { units: 4, activation: "gelu" },
        { units: 3, activation: "softmax" },
      ],
    });
    const file = JSON.parse(JSON.stringify(model.save()));
    expect(file.layers.map((l: { activation: string; alpha?: number }) => [l.activation, l.alpha])).toEqual([
      ["leaky_relu", 0.05],
      ["elu", 0.5],
      ["gelu", undefined],
      ["softmax", undefined],
    ]);
    const back = e.loadModel(file);
    const { x } = tinyBatch(3, 20);
    expect(back.predict(x)).toEqual(model.predict(x));
    model.dispose();
    back.dispose();
  });
});

// TF.js (Keras' JavaScript port): LeakyReLU layer (α 0.3 and 0.05), Dense with "elu" and "gelu"
// (TF.js computes Φ with its erf, Abramowitz–Stegun 7.1.26, error ≤ 1.5e-7). Adam's ε is made
// negligible on both sides, as in engine.test.ts (TF.js adds it to √v̂, Keras to √v).
describe("three Adam steps against TF.js", () => {
  it.each([
    ["leaky_relu", { activation: "leaky_relu" }],
    ["leaky_relu α=0.05", { activation: "leaky_relu", alpha: 0.05 }],
    ["elu", { activation: "elu" }],
    ["gelu", { activation: "gelu" }],
  ] as const)("%s: within 1e-4", async (_, h) => {
    await tf.setBackend("cpu");
    const lr = 0.05;
    const eps = 1e-12;
    const w0 = randomWeights(5);
    const model = engines["wasm-simd"].sequential(tinyWith(h));
    model.setWeights(w0);
    model.compile({ optimizer: "adam", learningRate: lr, epsilon: eps });
    const hidden = (units: number, first: boolean): tf.layers.Layer[] => {
      const shape = first ? { inputShape: [TINY.inputSize] } : {};
      if (h.activation === "leaky_relu") {
        return [tf.layers.dense({ units, ...shape }), tf.layers.leakyReLU({ alpha: "alpha" in h ? h.alpha : 0.3 })];
      }
      return [tf.layers.dense({ units, activation: h.activation as "elu", ...shape })];
    };
    const ref = tf.sequential({
      layers: [...hidden(5, true), ...hidden(6, false), tf.layers.dense({ units: 3, activation: "softmax" })],
    });
    ref.setWeights(w0.flatMap((w, l) => [tf.tensor2d(w.kernel, [[7, 5, 6][l], w.bias.length]), tf.tensor1d(w.bias)]));
    ref.compile({ optimizer: tf.train.adam(lr, 0.9, 0.999, eps), loss: "categoricalCrossentropy" });
    for (const seed of [6, 7, 8]) {
      const b = tinyBatch(seed, 16);
      model.trainOnBatch(b.x, b.y);
      await ref.trainOnBatch(tf.tensor2d(b.x, [16, 7]), tf.oneHot(tf.tensor1d(b.y, "int32"), 3));
    }
    const theirs = ref.getWeights().map((t) => t.dataSync() as Float32Array);
    const ours = model.getWeights().flatMap((l) => [l.kernel, l.bias]);
    ours.forEach((a, i) => a.forEach((v, j) => expect(Math.abs(v - theirs[i][j])).toBeLessThan(1e-4)));
    expect(Math.max(...ours[0].map((v, j) => Math.abs(v - w0[0].kernel[j])))).toBeGreaterThan(0.05);
    model.dispose();
  });
});
