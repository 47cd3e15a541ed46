// The seed workload: 784-128-64-32-10 with Adam on the first 48,000 MNIST training images, one
// epoch, timed for our engines and for TF.js 4.22 on the same data.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { createEngine } from "../dist/index.js";

export const TRAIN = 48_000;

/** Multiply-adds of one training sample: forward, weight gradient, and input gradient below layer 1. */
export function macsPerSample(sizes) {
  let forward = 0;
  let inputGrad = 0;
  for (let l = 1; l < sizes.length; l++) {
    forward += sizes[l - 1] * sizes[l];
    if (l > 1) inputGrad += sizes[l - 1] * sizes[l];
  }
  return 2 * forward + inputGrad;
}

const layersOf = (sizes) =>
  sizes.slice(1).map((units, i) => ({ units, activation: i === sizes.length - 2 ? "softmax" : "relu" }));

/**
 * Seconds for one epoch of `samples` images on one of our backends, on `threads` threads. The
 * images are in the engine's memory beforehand (engine.dataset), as TF.js's tensors are below;
 * `upload` is the seconds that copy took, in fresh memory.
 */
export async function ourEpoch(
  backend,
  mnist,
  { batch, samples = TRAIN, sizes = [784, 128, 64, 32, 10], threads = 1 },
) {
  const engine = await createEngine({ backend, threads });
  const model = engine.sequential({ inputSize: sizes[0], layers: layersOf(sizes), seed: 1 });
  model.compile({ optimizer: "adam", learningRate: 0.001 });
  const t = performance.now();
  const train = engine.dataset(mnist.train.images.subarray(0, samples * 784), mnist.train.labels.subarray(0, samples));
  const upload = (performance.now() - t) / 1000;
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs: 1, batchSize: batch });
  const seconds = (performance.now() - t0) / 1000;
  train.dispose();
  model.dispose();
  engine.dispose();
  return { seconds, upload };
}

/** Seconds for one epoch on TF.js with its "wasm" or "cpu" backend; inputs are scaled beforehand. */
export async function tfjsEpoch(backend, mnist, { batch, samples = TRAIN }) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 128, activation: "relu", inputShape: [784] }),
      tf.layers.dense({ units: 64, activation: "relu" }),
      tf.layers.dense({ units: 32, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const xs = tf.tensor2d(
    Float32Array.from(mnist.train.images.subarray(0, samples * 784), (v) => v / 255),
    [samples, 784],
  );
  const ys = tf.oneHot(tf.tensor1d(mnist.train.labels.subarray(0, samples), "int32"), 10);
  const t0 = performance.now();
  await model.fit(xs, ys, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([xs, ys]);
  model.dispose();
  return seconds;
}
