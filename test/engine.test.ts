// The engine against independent implementations: a float64 reference (test/support/mlp64.ts),
// finite differences, and TF.js (a port of Keras) for Adam.
import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { createEngine, relaxedSimdSupported, ArgumentError, type Engine } from "../src/index.js";
import { adamStep, fromWeights, lossAndGrads, rng, zerosLike } from "./support/mlp64.js";
import { expectFiniteDifferenceGradients } from "./support/gradcheck.js";
import { TINY, tinyBatch, randomWeights } from "./support/tiny.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: "wasm-simd" });
});

describe("gradients", () => {
  it("match central finite differences of a float64 reference loss", () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    const weights = randomWeights(1);
    model.setWeights(weights);
    const { x, y } = tinyBatch(2, 6);
    const { loss, grads } = model.computeGradients(x, y);
    const net = fromWeights(TINY.inputSize, weights);
    expect(loss).toBeCloseTo(lossAndGrads(net, x, y), 5);
    expect(expectFiniteDifferenceGradients(grads, net, x, y)).toBe(7 * 5 + 5 * 6 + 6 * 3 + 5 + 6 + 3);
    expect(grads.some((g) => g.kernel.some((v) => v !== 0))).toBe(true);
    model.dispose();
  });
});

describe("Adam", () => {
  it("takes Keras' first step: w − α·m/(√v+ε) with m = (1−β1)g, v = (1−β2)g², α = lr·√(1−β2)/(1−β1)", () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    const w0 = randomWeights(3);
    model.setWeights(w0);
    model.compile({ optimizer: "adam", learningRate: 0.01 });
    const { x, y } = tinyBatch(4, 8);
    const { grads } = model.computeGradients(x, y);
    model.trainOnBatch(x, y);
    const w1 = model.getWeights();
    const alpha = (0.01 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
    const expected = (w: number, g: number) => w - (alpha * 0.1 * g) / (Math.sqrt(0.001 * g * g) + 1e-7);
    w0.forEach((layer, l) => {
      layer.kernel.forEach((w, i) => expect(w1[l].kernel[i]).toBeCloseTo(expected(w, grads[l].kernel[i]), 6));
      layer.bias.forEach((w, i) => expect(w1[l].bias[i]).toBeCloseTo(expected(w, grads[l].bias[i]), 6));
    });
    model.dispose();
  });

  // TF.js adds ε to the bias-corrected √v̂ where Keras 3 adds it to √v, so the two differ by
  // about 1 % of a step for gradients near 1e-4. The TF.js comparison therefore runs with a
  // negligible ε on both sides; the float64 reference follows Keras with its default ε.
  it("three steps agree with TF.js (Keras' port) and with the float64 Keras reference within 1e-4", async () => {
    await tf.setBackend("cpu");
    const lr = 0.05;
    const tinyEpsilon = 1e-12;
    const w0 = randomWeights(5);
    const batches = [tinyBatch(6, 16), tinyBatch(7, 16), tinyBatch(8, 16)];
    const train = (epsilon?: number) => {
      const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
      model.setWeights(w0);
      model.compile({ optimizer: "adam", learningRate: lr, epsilon });
      for (const b of batches) model.trainOnBatch(b.x, b.y);
      const w = model.getWeights();
      model.dispose();
      return w;
    };
    const ours = train();
    const oursTinyEpsilon = train(tinyEpsilon);

    const ref = tf.sequential({
      layers: [
        tf.layers.dense({ units: 5, activation: "relu", inputShape: [TINY.inputSize] }),
        tf.layers.dense({ units: 6, activation: "relu" }),
        tf.layers.dense({ units: 3, activation: "softmax" }),
      ],
    });
    ref.setWeights(w0.flatMap((w, l) => [tf.tensor2d(w.kernel, [[7, 5, 6][l], w.bias.length]), tf.tensor1d(w.bias)]));
    ref.compile({ optimizer: tf.train.adam(lr, 0.9, 0.999, tinyEpsilon), loss: "categoricalCrossentropy" });
    for (const b of batches) {
      await ref.trainOnBatch(tf.tensor2d(b.x, [16, 7]), tf.oneHot(tf.tensor1d(b.y, "int32"), 3));
    }
    const theirs = ref.getWeights().map((t) => t.dataSync() as Float32Array);

    const net = fromWeights(TINY.inputSize, w0);
    const state = { m: zerosLike(net), v: zerosLike(net), t: 0 };
    for (const b of batches) {
      const g = zerosLike(net);
      lossAndGrads(net, b.x, b.y, g);
      adamStep(net, g, state, lr);
    }

    ours.forEach((layer, l) => {
      layer.kernel.forEach((w, i) => expect(Math.abs(w - net.kernels[l][i])).toBeLessThan(1e-4));
      layer.bias.forEach((w, i) => expect(Math.abs(w - net.biases[l][i])).toBeLessThan(1e-4));
    });
    oursTinyEpsilon.forEach((layer, l) => {
      layer.kernel.forEach((w, i) => expect(Math.abs(w - theirs[2 * l][i])).toBeLessThan(1e-4));
      layer.bias.forEach((w, i) => expect(Math.abs(w - theirs[2 * l + 1][i])).toBeLessThan(1e-4));
    });
    // The three steps moved the weights by far more than the tolerance.
    expect(Math.max(...ours[0].kernel.map((w, i) => Math.abs(w - w0[0].kernel[i])))).toBeGreaterThan(0.05);
  });
});

describe("forward pass", () => {
  it("predict and evaluate match the float64 reference", () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    const w = randomWeights(9);
    model.setWeights(w);
    const { x, y } = tinyBatch(10, 300); // more rows than one evaluation chunk
    const probs = model.predict(x);
    expect(probs.length).toBe(300 * 3);
    const net = fromWeights(TINY.inputSize, w);
    for (let s = 0; s < 300; s += 37) {
      const sum = probs[s * 3] + probs[s * 3 + 1] + probs[s * 3 + 2];
      expect(sum).toBeCloseTo(1, 5);
      // The loss of a single sample is −log p(label).
      const one = lossAndGrads(net, x.subarray(s * 7, s * 7 + 7), [y[s]]);
      expect(-Math.log(probs[s * 3 + y[s]])).toBeCloseTo(one, 4);
    }
    expect(model.evaluate(x, y).loss).toBeCloseTo(lossAndGrads(net, x, y), 5);
    model.dispose();
  });

  it("computes the loss from the logits: huge logits give a finite, exact loss", () => {
    const model = engine.sequential({ inputSize: 1, layers: [{ units: 2, activation: "softmax" }] });
    model.setWeights([{ kernel: Float32Array.of(1000, 0), bias: Float32Array.of(0, 0) }]);
    // Logits (1000, 0) for label 1: loss = log(1 + e^−1000) + 1000 ≈ 1000, where a clipped
    // probability would cap it at −log(1e−7) ≈ 16.1.
    const { loss } = model.evaluate(Float32Array.of(1), Int32Array.of(1));
    expect(loss).toBeCloseTo(1000, 3);
    model.dispose();
  });
});

describe("dead units", () => {
  it("counts units whose output is 0 for every probe sample, per ReLU layer", () => {
    const model = engine.sequential({
      inputSize: 3,
      layers: [
        { units: 4, activation: "relu", name: "h" },
        { units: 2, activation: "softmax" },
      ],
    });
    // Inputs are ≥ 0. Unit 0: all-negative weights and bias → dead. Unit 1: fires only on the
    // third sample. Unit 2: bias exactly 0 and zero weights → outputs exactly 0 → dead. Unit 3: alive.
    model.setWeights([
      { kernel: Float32Array.of(-1, 1, 0, 1, -1, -1, 0, 1, -1, -1, 0, 1), bias: Float32Array.of(-0.5, -0.5, 0, 0.1) },
      { kernel: new Float32Array(8), bias: new Float32Array(2) },
    ]);
    const x = Float32Array.of(0, 1, 0, 0, 0.2, 0.3, 1, 0, 0);
    // Outputs per sample: (0, 0, 0, 1.1), (0, 0, 0, 0.6), (0, 0.5, 0, 1.1). Active counts 0, 1, 0, 3
    // (nearly dead below 1 % of 3 samples: units 0 and 2); Σ|h| = 0, 0.5, 0, 2.8, so the dormancy
    // scores 4·Σ|h_i| / 3.3 are 0, 0.61, 0, 3.39 (τ = 0.025: units 0 and 2).
    expect(model.deadUnits(x)).toEqual([
      { layer: "h", units: 4, dead: 2, fraction: 0.5, definition: "zero", nearlyDead: 2, dormant: 2 },
    ]);
    // Without the third sample unit 1 never fires.
    expect(model.deadUnits(x.subarray(0, 6))[0].dead).toBe(3);
    model.dispose();
  });
});

describe("initialisation and weights", () => {
  it("draws kernels Glorot-uniform within ±√(6/(in+out)) and biases 0, reproducibly per seed", () => {
    const make = (seed: number) =>
      engine.sequential({
        inputSize: 784,
        layers: [
          { units: 128, activation: "relu" },
          { units: 10, activation: "softmax" },
        ],
        seed,
      });
    const a = make(1);
    const [k0, k1] = a.getWeights();
    const limit = Math.sqrt(6 / (784 + 128));
    expect(Math.max(...k0.kernel.map(Math.abs))).toBeLessThanOrEqual(limit);
    const mean = k0.kernel.reduce((s, v) => s + v, 0) / k0.kernel.length;
    const variance = k0.kernel.reduce((s, v) => s + (v - mean) ** 2, 0) / k0.kernel.length;
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(variance).toBeCloseTo((limit * limit) / 3, 4);
    expect(k0.bias.every((b) => b === 0) && k1.bias.every((b) => b === 0)).toBe(true);
    expect(Math.max(...k1.kernel.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 138));
    expect(make(1).getWeights()[0].kernel).toEqual(k0.kernel);
    expect(make(2).getWeights()[0].kernel).not.toEqual(k0.kernel);
  });

  it("round-trips setWeights/getWeights in Keras' [in, out] layout", () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    const w = randomWeights(11);
    model.setWeights(w);
    expect(model.getWeights()).toEqual(w);
    model.dispose();
  });

  it("prints Keras' summary table with parameter counts", () => {
    const model = engine.sequential({
      inputSize: 784,
      layers: [
        { units: 128, activation: "relu", name: "dense_1" },
        { units: 10, activation: "softmax", name: "output" },
      ],
    });
    const lines: string[] = [];
    model.summary((l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toMatch(/dense_1 \(Dense\)\s+│ \(None, 128\)\s+│\s+100,480 │/);
    expect(text).toMatch(/output \(Dense\)\s+│ \(None, 10\)\s+│\s+1,290 │/);
    expect(text).toContain("Total params: 101,770 (397.54 KB)");
    model.dispose();
  });
});

describe("divergence", () => {
  it("reports a non-finite loss as diverged { epoch, step } instead of crashing", async () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    const w = randomWeights(12);
    w[1].bias.fill(10); // every hidden unit fires, so the ±3e38 output weights overflow the logits
    w[2].kernel.forEach((_, i) => (w[2].kernel[i] = i % 2 ? 3e38 : -3e38));
    model.setWeights(w);
    model.compile({ optimizer: "adam", learningRate: 0.01 });
    const { x, y } = tinyBatch(13, 64);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16 });
    expect(history.diverged).toEqual({ epoch: 1, step: 1 });
    expect(history.history.loss).toEqual([]);
    model.dispose();
  });

  it("stops a run whose learning rate blows the weights up, keeping the epochs before it", async () => {
    const model = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    model.compile({ optimizer: "adam", learningRate: 1e30 });
    const { x, y } = tinyBatch(16, 64);
    const history = await model.fit(x, y, { epochs: 5, batchSize: 8 });
    expect(history.diverged).not.toBeNull();
    expect(history.history.loss.length).toBe(history.diverged!.epoch - 1);
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});

describe("bad arguments", () => {
  const model = () => {
    const m = engine.sequential({ ...TINY, layers: [...TINY.layers] });
    m.compile({ optimizer: "adam", learningRate: 0.01 });
    return m;
  };
  const { x, y } = tinyBatch(14, 10);
  it.each([
    [
      "batchSize larger than the training set",
      () => model().fit(x, y, { batchSize: 11 }),
      /batchSize must be at most the 10 training samples, got 11/,
    ],
    [
      "validationSplit of 1",
      () => model().fit(x, y, { validationSplit: 1 }),
      /validationSplit must be a number in \[0, 1\), got 1/,
    ],
    ["non-integer epochs", () => model().fit(x, y, { epochs: 1.5 }), /epochs must be an integer ≥ 1, got 1.5/],
    [
      "a label out of range",
      () => model().fit(x, Int32Array.of(0, 1, 2, 3, 0, 0, 0, 0, 0, 0)),
      /y\[3\] is 3, but class indices must be in \[0, 3\)/,
    ],
    [
      "x of the wrong width",
      () => model().fit(x.subarray(0, 13), y),
      /x must hold whole samples of 7 values, got 13 values/,
    ],
    [
      "x as a plain array",
      () => model().fit([1, 2] as unknown as Float32Array, y),
      /x must be a Float32Array or a Uint8Array/,
    ],
  ])("rejects %s with an ArgumentError", async (_name, call, message) => {
    const promise = Promise.resolve().then(call);
    await expect(promise).rejects.toThrow(ArgumentError);
    await expect(promise).rejects.toThrow(message);
  });

  it.each([
    [
      "a negative learning rate",
      () => model().compile({ optimizer: "adam", learningRate: -1 }),
      /learningRate must be a positive finite number, got -1/,
    ],
    [
      "an unknown optimizer",
      () => model().compile({ optimizer: "adagrad" as "adam" }),
      /optimizer must be one of "adam", "adamw", "sgd", "rmsprop", got "adagrad"/,
    ],
    [
      "training before compile",
      () => engine.sequential({ ...TINY, layers: [...TINY.layers] }).trainOnBatch(x, y),
      /call compile/,
    ],
    [
      "softmax before the last layer",
      () =>
        engine.sequential({
          inputSize: 2,
          layers: [
            { units: 2, activation: "softmax" },
            { units: 2, activation: "softmax" },
          ],
        }),
      /only supported on the last layer/,
    ],
    [
      "an unknown activation",
      () => engine.sequential({ inputSize: 2, layers: [{ units: 2, activation: "tanh" as "relu" }] }),
      /layers\[0\].activation must be one of "linear", "relu", "softmax", "leaky_relu", "elu", "gelu", got "tanh"/,
    ],
    [
      "zero units",
      () => engine.sequential({ inputSize: 2, layers: [{ units: 0, activation: "softmax" }] }),
      /layers\[0\].units must be an integer in \[1, 16777216\], got 0/,
    ],
    [
      "a kernel of the wrong size",
      () =>
        engine
          .sequential({ inputSize: 2, layers: [{ units: 2, activation: "softmax" }] })
          .setWeights([{ kernel: new Float32Array(3), bias: new Float32Array(2) }]),
      /kernel must be a Float32Array of 2×2 = 4 values, got Float32Array\(3\)/,
    ],
  ])("rejects %s with an ArgumentError", (_name, call, message) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(message);
  });
});

describe("relaxed SIMD build", () => {
  it("agrees with the plain SIMD build within 1e-5 after a training step", async () => {
    // No flag is passed: on Node 20 the engine turns relaxed SIMD on itself.
    expect(relaxedSimdSupported()).toBe(true);
    const relaxed = await createEngine({ backend: "wasm-relaxed" });
    expect(relaxed.backend).toBe("wasm-relaxed");
    const r = rng(15);
    const x = Float32Array.from({ length: 64 * 784 }, () => r());
    const y = Int32Array.from({ length: 64 }, () => Math.floor(r() * 10));
    const [a, b] = [engine, relaxed].map((e) => {
      const m = e.sequential({
        inputSize: 784,
        layers: [
          { units: 128, activation: "relu" },
          { units: 64, activation: "relu" },
          { units: 10, activation: "softmax" },
        ],
        seed: 7,
      });
      m.compile({ optimizer: "adam", learningRate: 0.001 });
      m.trainOnBatch(x, y);
      return m.getWeights();
    });
    let worst = 0;
    a.forEach((layer, l) => layer.kernel.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - b[l].kernel[i])))));
    expect(worst).toBeLessThan(1e-5);
  });
});
