// The fast online SGD step (assembly/online-step.ts): the same training as the general step
// (gradients by GEMM, then the optimizer kernel) and as the JS twin, and the same noise and
// replacements as the twin, bit for bit.
import { beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../src/index.js";
import { loadMnist } from "../src/node.js";
import type { Mnist } from "../src/data/mnist.js";
import { OnlineLearner } from "../src/engine/online.js";

describe("the fast online step", () => {
  let data: Mnist;
  const engines: Record<string, Engine> = {};
  beforeAll(async () => {
    data = await loadMnist();
    for (const b of ["wasm-simd", "js"] as const) engines[b] = await createEngine({ backend: b, threads: 1 });
  });

  /**
   * Weights after `steps` online steps of a 784-40-16-10 net (or other hidden widths) on a
   * permuted task: 40 units take the forward pass's and the column sums' blocks of 8 vectors and
   * of 2, 16 only those of 2; 35 and 17 add single columns past the last whole vector and an odd
   * last unit.
   */
  function train(
    backend: string,
    compile: { learningRate?: number; weightDecay?: number; clipvalue?: number },
    steps: number,
    options = {},
    hidden = [40, 16],
  ) {
    const engine = engines[backend];
    const ds = engine.dataset(data.train.images.subarray(0, 2000 * 784), data.train.labels.subarray(0, 2000));
    const model = engine.sequential({
      inputSize: 784,
      layers: [
        ...hidden.map((units) => ({ units, activation: "relu" as const, kernelInitializer: "he_uniform" as const })),
        { units: 10, activation: "softmax" },
      ],
      seed: 9,
    });
    model.compile({ optimizer: "sgd", learningRate: 0.05, ...compile });
    const online = new OnlineLearner(model, ds, options);
    online.startTask(4, 5);
    const { hits } = online.train(0, steps);
    const replaced = online.replaced();
    const weights = model.getWeights().flatMap((l) => [...l.kernel, ...l.bias]);
    online.dispose();
    model.dispose();
    ds.dispose();
    return { hits, weights, replaced };
  }

  /** The largest difference between the fast step's weights and the general step's. */
  function againstGeneral(options: { weightDecay?: number }, steps: number) {
    const fast = train("wasm-simd", options, steps);
    // A clip no gradient reaches: the same step, taken by the general path.
    const general = train("wasm-simd", { ...options, clipvalue: 1e30 }, steps);
    expect(fast.weights).not.toEqual(general.weights); // the paths differ in summation order …
    let worst = 0;
    for (const [i, w] of fast.weights.entries()) worst = Math.max(worst, Math.abs(w - general.weights[i]));
    expect(worst).toBeLessThan(1e-4); // … and only there
    expect(Math.abs(fast.hits - general.hits)).toBeLessThanOrEqual(2);
    return fast;
  }

  it.each([{}, { weightDecay: 0.02 }])("trains as the general step does (%o)", (options) => {
    const steps = 300;
    expect(againstGeneral(options, steps).hits).toBeGreaterThan(steps * 0.25); // it learned: chance is 0.1
  });

  it("decays as the general step does when its scale settles mid-pass", () => {
    // 0.5 at a step of 0.05 takes the decay's scale below its settling point (1/1024) at step 274.
    const { weights } = againstGeneral({ weightDecay: 0.5 }, 300);
    expect(Math.max(...weights.map(Math.abs))).toBeGreaterThan(1e-2); // not decayed to nothing
  });

  // The twin's kernels follow the engine's operation for operation, but its softmax takes exp and
  // log in f64 (src/engine/js/index.ts), so trained weights agree to the last bits only; with a
  // step too small to move a weight, what does not pass through the softmax agrees exactly.
  it.each([{}, { weightDecay: 0.02 }, { weightDecay: 0.5 }])(
    "trains as the JS twin does, to the last bits of its softmax (%o)",
    (options) => {
      const wasm = train("wasm-simd", options, 200);
      const js = train("js", options, 200);
      let worst = 0;
      for (const [i, w] of wasm.weights.entries()) worst = Math.max(worst, Math.abs(w - js.weights[i]));
      expect(worst).toBeLessThan(1e-5);
      expect(Math.abs(js.hits - wasm.hits)).toBeLessThanOrEqual(2);
    },
  );

  it.each([
    [40, 16],
    [35, 17],
  ])("perturbs with the same deviates as the JS twin under Shrink and Perturb, bit for bit (%i-%i)", (...hidden) => {
    const still = { learningRate: 1e-30, weightDecay: 1e-4 };
    const wasm = train("wasm-simd", still, 100, { noise: 1e-3 }, hidden);
    const plain = train("wasm-simd", still, 100, {}, hidden);
    const js = train("js", still, 100, { noise: 1e-3 }, hidden);
    expect(wasm.weights).not.toEqual(plain.weights);
    expect(js.weights).toEqual(wasm.weights);
  });

  // Within a pass, the input-weight sums of continual backprop's utility follow the rows each step
  // moves; a pass of one step makes them afresh. The utilities must agree to f32 rounding (no unit
  // matures within the 300 steps, so both runs take the same steps).
  it.each(["wasm-simd", "js"])("keeps continual backprop's sums as a fresh sum would (%s)", (backend) => {
    const utilities = (perCall: number, lr = 0.05, maturity = 1000) => {
      const engine = engines[backend];
      const ds = engine.dataset(data.train.images.subarray(0, 2000 * 784), data.train.labels.subarray(0, 2000));
      const model = engine.sequential({
        inputSize: 784,
        layers: [
          { units: 40, activation: "relu", kernelInitializer: "he_uniform" },
          { units: 16, activation: "relu", kernelInitializer: "he_uniform" },
          { units: 10, activation: "softmax" },
        ],
        seed: 9,
      });
      model.compile({ optimizer: "sgd", learningRate: lr });
      const online = new OnlineLearner(model, ds, { cbp: { rate: 0.01, decay: 0.99, maturity } });
      online.startTask(4, 5);
      for (let s = 0; s < 300; s += perCall) online.train(s, perCall);
      const u = online.utilities().flat();
      const replaced = online.replaced();
      online.dispose();
      model.dispose();
      ds.dispose();
      return Object.assign(u, { replaced });
    };
    const worst = (a: number[], b: number[]) =>
      Math.max(...a.map((u, i) => (u === b[i] ? 0 : Math.abs(u - b[i]) / Math.abs(b[i]))));
    const tracked = utilities(300);
    const fresh = utilities(1);
    expect(tracked).not.toEqual(fresh); // f32 sums in another order …
    expect(worst(tracked, fresh)).toBeLessThan(1e-5); // … and only that
    // With steps too small to move a weight but the zeroed ones, the replacements move the sums:
    // they are made afresh, so that the same units go.
    const [still, stillFresh] = [utilities(300, 1e-30, 20), utilities(1, 1e-30, 20)];
    expect(still.replaced[0]).toBeGreaterThan(20);
    expect(still.replaced).toEqual(stillFresh.replaced);
    expect(worst(still, stillFresh)).toBeLessThan(1e-6);
  });

  it.each([
    [40, 16],
    [35, 17],
  ])("replaces the same units as the JS twin under continual backprop, bit for bit (%i-%i)", (...hidden) => {
    const cbp = { cbp: { rate: 0.01, decay: 0.99, maturity: 20 } };
    const wasm = train("wasm-simd", { learningRate: 1e-30 }, 300, cbp, hidden);
    const js = train("js", { learningRate: 1e-30 }, 300, cbp, hidden);
    expect(wasm.replaced[0]).toBeGreaterThan(20);
    expect(js.replaced).toEqual(wasm.replaced);
    // A replaced unit's outgoing weights restart at 0, so the steps of 1e-30 are all there is of
    // them, and those carry the last bits of the twin's softmax: there, f32 rounding.
    const moved = (w: number) => Math.abs(w) < 1e-20;
    for (const [i, w] of wasm.weights.entries()) {
      if (moved(w)) expect(Math.abs(js.weights[i] - w)).toBeLessThanOrEqual(Math.abs(w) * 2 ** -22);
      else expect(js.weights[i]).toBe(w);
    }
  });
});
