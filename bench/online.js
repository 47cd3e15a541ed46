// The continual study's online regime: steps per second at batch 1 (predict, then one SGD step
// at 0.003 on one example) on the authors' small net 784-100-100-100-10, for our engines (the
// online pass of dying-relu continual, plain backprop) and for TF.js's trainOnBatch on one example.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createEngine } from "../dist/index.js";
import { OnlineLearner } from "../dist/engine/online.js";
import { CONTINUAL, methodSpec } from "../dist/study/continual-config.js";
import { EXAMPLES_PER_CALL } from "../dist/study/continual.js";

const HIDDEN = [100, 100, 100];
const REPEATS = 5;

/**
 * Steps per second of `steps` online steps on one thread of `backend`, with the per-step work of
 * a continual method (weight decay, noise, continual backprop) at the study's defaults.
 */
export async function ourOnline(backend, mnist, steps, method = "bp") {
  const engine = await createEngine({ backend, threads: 1 });
  const ds = engine.dataset(mnist.train.images, mnist.train.labels);
  const model = engine.sequential({
    inputSize: 784,
    layers: [
      ...HIDDEN.map((units) => ({ units, activation: "relu", kernelInitializer: "he_uniform" })),
      { units: 10, activation: "softmax", kernelInitializer: "lecun_uniform" },
    ],
    seed: 1,
  });
  const spec = methodSpec(method);
  const c = CONTINUAL;
  model.compile({
    optimizer: "sgd",
    learningRate: c.learningRate,
    ...(spec.weightDecay && { weightDecay: c.weightDecay }),
  });
  const online = new OnlineLearner(model, ds, {
    ...(spec.noise && { noise: c.noise }),
    ...(spec.cbp && { cbp: { rate: c.replacementRate, decay: c.decay, maturity: c.maturity } }),
  });
  online.startTask(1, 2);
  // As the study calls it, a few examples a call (V8 swaps in a wasm function's optimised code
  // only between calls); the first calls warm it up.
  const chunk = Math.min(EXAMPLES_PER_CALL, steps);
  for (let k = 0; k < 5; k++) online.train(k * chunk, chunk);
  // The median of REPEATS passes, as the machine's speed comes and goes from one second to the next.
  const rates = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    for (let done = 0; done < steps; done += chunk) online.train(done % 30_000, Math.min(chunk, steps - done));
    rates.push(steps / ((performance.now() - t0) / 1000));
  }
  online.dispose();
  model.dispose();
  ds.dispose();
  engine.dispose();
  return rates.sort((a, b) => a - b)[REPEATS >> 1];
}

/** Steps per second of TF.js's model.trainOnBatch on one example at a time. */
export async function tfjsOnline(backend, mnist, steps) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: HIDDEN[0], activation: "relu", inputShape: [784], kernelInitializer: "heUniform" }),
      ...HIDDEN.slice(1).map((units) => tf.layers.dense({ units, activation: "relu", kernelInitializer: "heUniform" })),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.003), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const xs = [];
  const ys = [];
  for (let i = 0; i < 64; i++) {
    xs.push(
      tf.tensor2d(
        Float32Array.from(mnist.train.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
        [1, 784],
      ),
    );
    ys.push(tf.oneHot(tf.tensor1d([mnist.train.labels[i]], "int32"), 10));
  }
  for (let s = 0; s < 20; s++) await model.trainOnBatch(xs[s % 64], ys[s % 64]); // warm-up
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await model.trainOnBatch(xs[s % 64], ys[s % 64]);
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([...xs, ...ys]);
  model.dispose();
  return steps / seconds;
}
