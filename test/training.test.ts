// Training on real MNIST: learning, determinism per seed, and the high-rate collapse.
import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { createEngine, type Engine, type Mnist } from "../src/index.js";
import { loadMnist } from "../src/node.js";

let engine: Engine;
let mnist: Mnist;
beforeAll(async () => {
  engine = await createEngine({ backend: "wasm-simd" });
  mnist = await loadMnist();
});

const PIXELS = 784;
const subset = (n: number) => ({ x: mnist.train.images.subarray(0, n * PIXELS), y: mnist.train.labels.subarray(0, n) });

async function train(seed: number, lr: number, n: number, epochs: number, batchSize = 32) {
  const model = engine.sequential({
    inputSize: PIXELS,
    layers: [
      { units: 128, activation: "relu" },
      { units: 64, activation: "relu" },
      { units: 32, activation: "relu" },
      { units: 10, activation: "softmax" },
    ],
    seed,
  });
  model.compile({ optimizer: "adam", learningRate: lr });
  const { x, y } = subset(n);
  const history = await model.fit(x, y, {
    epochs,
    batchSize,
    validationData: [mnist.test.images.subarray(0, 2000 * PIXELS), mnist.test.labels.subarray(0, 2000)],
  });
  const dead = model.deadUnits(subset(1000).x);
  model.dispose();
  return { history, dead };
}

describe("training on MNIST", () => {
  // One epoch on 2,000 training images gives Keras' port TF.js 79–82 % at every batch size and
  // Adam rate we tried (and five epochs about 85 %): that subset is too small for the 85 % mark.
  // So the mark is checked on 10,000 images, and the 2,000-image epoch against TF.js itself.
  it("reaches > 85 % validation accuracy in one epoch on a 10,000-image subset", async () => {
    const { history } = await train(1, 0.001, 10_000, 1);
    expect(history.history.val_accuracy[0]).toBeGreaterThan(0.85);
  });

  it("learns like TF.js: same initial weights and batches, one epoch on 2,000 images, accuracy within 1.5 points", async () => {
    await tf.setBackend("cpu");
    const n = 2000;
    const { x, y } = subset(n);
    const [vx, vy] = [mnist.test.images.subarray(0, 2000 * PIXELS), mnist.test.labels.subarray(0, 2000)];
    const model = engine.sequential({
      inputSize: PIXELS,
      layers: [
        { units: 128, activation: "relu" },
        { units: 64, activation: "relu" },
        { units: 10, activation: "softmax" },
      ],
      seed: 3,
    });
    const w0 = model.getWeights();
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    const ours = await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, validationData: [vx, vy] });
    model.dispose();

    const ref = tf.sequential({
      layers: [
        tf.layers.dense({ units: 128, activation: "relu", inputShape: [PIXELS] }),
        tf.layers.dense({ units: 64, activation: "relu" }),
        tf.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    ref.setWeights(
      w0.flatMap((w) => [tf.tensor2d(w.kernel, [w.kernel.length / w.bias.length, w.bias.length]), tf.tensor1d(w.bias)]),
    );
    ref.compile({
      optimizer: tf.train.adam(0.001, 0.9, 0.999, 1e-7),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
    });
    const scaled = (b: Uint8Array, rows: number) =>
      tf.tensor2d(
        Float32Array.from(b, (v) => v / 255),
        [rows, PIXELS],
      );
    const oneHot = (l: Uint8Array) => tf.oneHot(tf.tensor1d(l, "int32"), 10);
    const theirs = await ref.fit(scaled(x, n), oneHot(y), {
      epochs: 1,
      batchSize: 32,
      shuffle: false,
      verbose: 0,
      validationData: [scaled(vx, 2000), oneHot(vy)],
    });
    const theirAccuracy = Number(theirs.history.val_acc[0]);
    expect(Math.abs(ours.history.val_accuracy[0] - theirAccuracy)).toBeLessThan(0.015);
    expect(Math.abs(ours.history.val_loss[0] - Number(theirs.history.val_loss[0]))).toBeLessThan(0.05);
  });

  it("gives the identical history bit for bit for the same seed, and another for another seed", async () => {
    const a = await train(5, 0.01, 2000, 2);
    const b = await train(5, 0.01, 2000, 2);
    const c = await train(6, 0.01, 2000, 2);
    expect(b.history.history).toEqual(a.history.history);
    expect(b.dead).toEqual(a.dead);
    expect(c.history.history.loss).not.toEqual(a.history.history.loss);
  });

  it("kills most first-layer units at a learning rate of 0.5 and few at 0.001", async () => {
    const high = await train(42, 0.5, 6000, 1, 256);
    const low = await train(42, 0.001, 6000, 1, 256);
    expect(high.dead[0].fraction).toBeGreaterThan(0.5);
    expect(low.dead[0].fraction).toBeLessThan(0.1);
    expect(high.history.history.val_accuracy[0]).toBeLessThan(low.history.history.val_accuracy[0]);
  });
});
