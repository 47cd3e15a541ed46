// The pure-TypeScript engine (backend "js", src/engine/js/) against the wasm builds:
// the same seed gives the same initial weights and shuffles bit for bit, and forward passes,
// gradients, Adam steps and short fits agree within 1e-4. Plus its allocator and padding.
import { describe, it, expect, beforeAll } from "vitest";
import {
  createEngine,
  Sequential,
  ArgumentError,
  type Engine,
  type LayerWeights,
  type Mnist,
  type SequentialConfig,
} from "../src/index.js";
import { loadMnist } from "../src/node.js";
import { createJsKernels } from "../src/engine/js/index.js";
import { rngBelow, rngNext, rngSeed } from "../src/engine/js/prng.js";
import { loadKernels, resolveBackend } from "../src/engine/wasm.js";
import type { Kernels } from "../src/engine/abi.js";
import { lossAndGrads, fromWeights, rng } from "./support/mlp64.js";
import { TINY, tinyBatch, randomWeights } from "./support/tiny.js";

const PIXELS = 784;
const TOL = 1e-4;

const MNIST_NET: SequentialConfig = {
  inputSize: PIXELS,
  layers: [
    { units: 128, activation: "relu" },
    { units: 64, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};
const NOTEBOOK_NET: SequentialConfig = {
  inputSize: PIXELS,
  layers: [
    { units: 128, activation: "relu" },
    { units: 64, activation: "relu" },
    { units: 32, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function maxLayerDiff(a: LayerWeights[], b: LayerWeights[]): number {
  return Math.max(...a.flatMap((l, i) => [maxAbsDiff(l.kernel, b[i].kernel), maxAbsDiff(l.bias, b[i].bias)]));
}

const config = (c: SequentialConfig, seed?: number): SequentialConfig => ({ ...c, layers: [...c.layers], seed });

let js: Engine;
let wasm: Record<"wasm-simd" | "wasm-relaxed", Engine>;
let mnist: Mnist;
beforeAll(async () => {
  js = await createEngine({ backend: "js" });
  wasm = {
    "wasm-simd": await createEngine({ backend: "wasm-simd" }),
    "wasm-relaxed": await createEngine({ backend: "wasm-relaxed" }),
  };
  mnist = await loadMnist();
});

const images = (n: number, from = 0) => mnist.train.images.subarray(from * PIXELS, (from + n) * PIXELS);
const labels = (n: number, from = 0) => mnist.train.labels.subarray(from, from + n);

describe("backend choice", () => {
  it("createEngine({ backend: 'js' }) reports 'js'; 'auto' stays wasm; bad names list every choice", () => {
    expect(js.backend).toBe("js");
    expect(resolveBackend("js")).toBe("js");
    expect(resolveBackend("auto")).toMatch(/^wasm-/);
    const bad = () => resolveBackend("gpu" as "js");
    expect(bad).toThrow(ArgumentError);
    expect(bad).toThrow(`backend must be "auto", "wasm-relaxed", "wasm-simd" or "js", got "gpu"`);
  });
});

describe("same seed, same numbers as wasm, bit for bit", () => {
  it.each([
    ["784-128-64-32-10", 42, NOTEBOOK_NET],
    ["784-128-64-10", 1, MNIST_NET],
    ["7-5-6-3", 0, TINY],
    ["7-5-6-3", 0xffffffff, TINY],
  ])("initial weights of %s with seed %i", (_name, seed, net) => {
    const a = js.sequential(config(net, seed));
    const b = wasm["wasm-simd"].sequential(config(net, seed));
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    wa.forEach((l, i) => {
      // Uint32 views compare the bits (and would tell 0 from −0).
      expect(new Uint32Array(l.kernel.buffer)).toEqual(new Uint32Array(wb[i].kernel.buffer));
      expect(new Uint32Array(l.bias.buffer)).toEqual(new Uint32Array(wb[i].bias.buffer));
    });
    a.dispose();
    b.dispose();
  });

  it("shuffles the same permutation epoch after epoch", async () => {
    const kernels: Kernels[] = [createJsKernels(), await loadKernels("wasm-simd")];
    const perms = kernels.map((k) => {
      const args = k.alloc(8);
      new Int32Array(k.memory.buffer, args, 2).set([3, 2]);
      const m = k.modelNew(4, 1, args, args + 4, 1234);
      const out: number[][] = [];
      for (const n of [1, 2, 10, 1000, 60_000]) {
        const idx = k.alloc(n * 4);
        new Uint32Array(k.memory.buffer, idx, n).set(Uint32Array.from({ length: n }, (_, i) => i));
        for (let epoch = 0; epoch < 2; epoch++) {
          k.modelShuffle(m, idx, n);
          out.push(Array.from(new Uint32Array(k.memory.buffer, idx, n)));
        }
        k.free(idx);
      }
      k.modelFree(m);
      k.free(args);
      return out;
    });
    expect(perms[0]).toEqual(perms[1]);
    const last = perms[0][perms[0].length - 1];
    expect([...last].sort((p, q) => p - q)).toEqual(Array.from({ length: 60_000 }, (_, i) => i));
  });

  it("rngBelow is Lemire's unbiased multiply-and-reject, high words exact for every n < 2^32", () => {
    // A BigInt transcription of assembly/prng.ts' rngBelow on the same xoshiro stream.
    const state = new Uint32Array(4);
    const ref = new Uint32Array(4);
    rngSeed(state, 99);
    rngSeed(ref, 99);
    const below = (n: number) => {
      let m = BigInt(rngNext(ref)) * BigInt(n);
      if (Number(m & 0xffffffffn) < n) {
        const threshold = (2 ** 32 - n) % n;
        while (Number(m & 0xffffffffn) < threshold) m = BigInt(rngNext(ref)) * BigInt(n);
      }
      return Number(m >> 32n);
    };
    // 3·2^30 rejects a quarter of the draws; 2^32 − 1 puts every product near 2^64.
    for (const n of [1, 2, 3, 7, 1000, 60_000, 2 ** 31 + 1, 3 * 2 ** 30, 2 ** 32 - 1]) {
      for (let i = 0; i < 200; i++) {
        const v = rngBelow(state, n);
        expect(v).toBe(below(n));
        expect(v).toBeLessThan(n);
      }
    }
  });
});

describe.each(["wasm-simd", "wasm-relaxed"] as const)("js agrees with %s within 1e-4", (backend) => {
  it("forward pass: predict and evaluate on a tiny odd-shaped net and on 784-128-64-10", () => {
    const cases = [
      { net: TINY, weights: randomWeights(1), ...tinyBatch(2, 300) },
      { net: MNIST_NET, weights: undefined, x: images(300), y: labels(300) },
    ];
    for (const { net, weights, x, y } of cases) {
      const [a, b] = [js, wasm[backend]].map((e) => {
        const m = e.sequential(config(net, 3));
        if (weights) m.setWeights(weights);
        return m;
      });
      expect(maxAbsDiff(a.predict(x), b.predict(x))).toBeLessThan(TOL);
      const [ea, eb] = [a.evaluate(x, y), b.evaluate(x, y)];
      expect(Math.abs(ea.loss - eb.loss)).toBeLessThan(TOL);
      expect(ea.accuracy).toBe(eb.accuracy);
      a.dispose();
      b.dispose();
    }
  });

  it("gradients: computeGradients on a tiny odd-shaped net and on 784-128-64-10", () => {
    const cases = [
      { net: TINY, weights: randomWeights(4), ...tinyBatch(5, 13) },
      { net: MNIST_NET, weights: undefined, x: images(64, 500), y: labels(64, 500) },
    ];
    for (const { net, weights, x, y } of cases) {
      const [a, b] = [js, wasm[backend]].map((e) => {
        const m = e.sequential(config(net, 6));
        if (weights) m.setWeights(weights);
        return m;
      });
      const [ga, gb] = [a.computeGradients(x, y), b.computeGradients(x, y)];
      expect(Math.abs(ga.loss - gb.loss)).toBeLessThan(TOL);
      expect(maxLayerDiff(ga.grads, gb.grads)).toBeLessThan(TOL);
      expect(ga.grads.some((g) => g.kernel.some((v) => v !== 0))).toBe(true);
      if (weights) {
        // And both against the float64 reference's loss.
        expect(ga.loss).toBeCloseTo(lossAndGrads(fromWeights(net.inputSize, weights), x, y), 5);
      }
      a.dispose();
      b.dispose();
    }
  });

  it("three Adam steps (trainOnBatch) on a tiny odd-shaped net and on 784-128-64-10", () => {
    const tiny = [tinyBatch(6, 16), tinyBatch(7, 16), tinyBatch(8, 16)];
    const digits = [0, 1, 2].map((i) => ({ x: images(64, 64 * i), y: labels(64, 64 * i) }));
    for (const { net, weights, batches, lr } of [
      { net: TINY, weights: randomWeights(9), batches: tiny, lr: 0.05 },
      { net: MNIST_NET, weights: undefined, batches: digits, lr: 0.001 },
    ]) {
      const [a, b] = [js, wasm[backend]].map((e) => {
        const m = e.sequential(config(net, 10));
        if (weights) m.setWeights(weights);
        m.compile({ optimizer: "adam", learningRate: lr });
        const logs = batches.map((batch) => m.trainOnBatch(batch.x, batch.y));
        const w = m.getWeights();
        m.dispose();
        return { logs, w };
      });
      a.logs.forEach((l, i) => {
        expect(Math.abs(l.loss - b.logs[i].loss)).toBeLessThan(TOL);
        expect(l.accuracy).toBe(b.logs[i].accuracy);
      });
      expect(maxLayerDiff(a.w, b.w)).toBeLessThan(TOL);
    }
  });

  it("a short fit: 2 epochs on 1,000 MNIST images, shuffled, with a validation split", async () => {
    const [a, b] = await Promise.all(
      [js, wasm[backend]].map(async (e) => {
        const m = e.sequential(config(NOTEBOOK_NET, 11));
        m.compile({ optimizer: "adam", learningRate: 0.01 });
        const { history } = await m.fit(images(1000), labels(1000), { epochs: 2, batchSize: 32, validationSplit: 0.2 });
        const dead = m.deadUnits(images(1000));
        m.dispose();
        return { history, dead };
      }),
    );
    for (const key of ["loss", "accuracy", "val_loss", "val_accuracy"] as const) {
      expect(a.history[key].length).toBe(2);
      a.history[key].forEach((v, i) => expect(Math.abs(v - b.history[key][i])).toBeLessThan(TOL));
    }
    expect(a.dead).toEqual(b.dead);
    // The run learned and killed some units, so the comparison means something.
    expect(a.history.val_accuracy[1]).toBeGreaterThan(0.8);
    expect(a.dead.some((d) => d.dead > 0)).toBe(true);
  });
});

describe("js engine internals", () => {
  it("alloc returns distinct 16-byte-aligned blocks and free makes the space reusable", () => {
    const k = createJsKernels();
    const r = rng(21);
    const live = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      if (live.size > 0 && r() < 0.45) {
        const ptrs = [...live.keys()];
        const p = ptrs[Math.floor(r() * ptrs.length)];
        k.free(p);
        live.delete(p);
      } else {
        const bytes = Math.floor(r() * 5000);
        const p = k.alloc(bytes);
        expect(p % 16).toBe(0);
        expect(p).toBeGreaterThan(0);
        live.set(p, bytes);
      }
      if (i % 100 === 0) {
        // No two live blocks overlap.
        const spans = [...live].sort((p, q) => p[0] - q[0]);
        for (let j = 1; j < spans.length; j++)
          expect(spans[j][0]).toBeGreaterThanOrEqual(spans[j - 1][0] + spans[j - 1][1]);
      }
    }
    for (const p of live.keys()) k.free(p);
    // With everything freed, the space coalesces: the next block starts at the bottom again.
    const first = k.alloc(1);
    expect(first).toBe(16);
    const big = k.alloc(1 << 20);
    expect(big).toBe(32);
    // memory.grow detaches the old buffer; the engine keeps working on the new one.
    const before = k.memory.buffer;
    const huge = k.alloc(8 << 20);
    expect(k.memory.buffer).not.toBe(before);
    new Float32Array(k.memory.buffer, huge, 4).set([1, 2, 3, 4]);
    expect(Array.from(new Float32Array(k.memory.buffer, huge, 4))).toEqual([1, 2, 3, 4]);
  });

  it("many fit()/dispose() cycles do not grow memory past the first cycle's footprint", async () => {
    const k = createJsKernels();
    const x = images(256);
    const y = labels(256);
    let bound = 0;
    for (let cycle = 0; cycle < 12; cycle++) {
      const model = new Sequential(k, config(cycle % 2 ? MNIST_NET : NOTEBOOK_NET, cycle));
      model.compile({ optimizer: "adam", learningRate: 0.001 });
      // Alternate batch sizes so that modelReserve frees and reallocates the batch buffers.
      await model.fit(x, y, { epochs: 1, batchSize: cycle % 3 ? 64 : 128, validationSplit: 0.25 });
      model.predict(x.subarray(0, 10 * PIXELS));
      model.dispose();
      if (cycle === 1) bound = k.memory.buffer.byteLength;
    }
    expect(bound).toBeGreaterThan(0);
    expect(k.memory.buffer.byteLength).toBe(bound);
  });

  it("keeps the padding of every stored kernel and bias exactly 0 through training", async () => {
    const k = createJsKernels();
    const model = new Sequential(k, config(TINY, 12));
    model.compile({ optimizer: "adam", learningRate: 0.05 });
    const { x, y } = tinyBatch(13, 64);
    await model.fit(x, y, { epochs: 3, batchSize: 16 });
    const m = (model as unknown as { handle: number }).handle;
    const units = [5, 6, 3];
    units.forEach((u, l) => {
      const rows = k.layerRows(m, l);
      const width = k.layerWidth(m, l);
      expect(width).toBe(8);
      expect(rows).toBe(l === 0 ? 7 : 8);
      for (const [ptr, n] of [
        [k.layerWeights(m, l), rows * width],
        [k.layerWeightGrads(m, l), rows * width],
      ] as const) {
        const w = new Float32Array(k.memory.buffer, ptr, n);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < width; j++) {
            if (j >= u || (l > 0 && r >= units[l - 1])) expect(w[r * width + j]).toBe(0);
          }
        }
      }
      const b = new Float32Array(k.memory.buffer, k.layerBias(m, l), width);
      for (let j = u; j < width; j++) expect(b[j]).toBe(0);
    });
    expect(model.getWeights()[0].kernel.some((v) => v !== 0)).toBe(true);
    model.dispose();
  });

  it("reports a non-finite loss as diverged at the same step as wasm, without updating the weights", async () => {
    const w = randomWeights(14);
    // Every hidden unit fires, so the ±3e38 output weights overflow the logits' f32 partial sums
    // (which f64 partial sums would survive: only the overflow guard's exact path matches wasm).
    w[1].bias.fill(10);
    w[2].kernel.forEach((_, i) => (w[2].kernel[i] = i % 2 ? 3e38 : -3e38));
    const { x, y } = tinyBatch(15, 64);
    for (const e of [js, wasm["wasm-simd"]]) {
      const model = e.sequential(config(TINY));
      model.setWeights(w);
      model.compile({ optimizer: "adam", learningRate: 0.01 });
      const history = await model.fit(x, y, { epochs: 3, batchSize: 16 });
      expect(history.diverged).toEqual({ epoch: 1, step: 1 });
      expect(history.history.loss).toEqual([]);
      expect(model.getWeights()).toEqual(w);
      model.dispose();
    }
  });

  it("skips the Adam step (and its t) on a NaN batch: the next step is the first one", () => {
    const w = randomWeights(16);
    const good = tinyBatch(17, 8);
    const bad = { x: good.x.slice(), y: good.y };
    bad.x[3] = NaN;
    const run = (batches: { x: Float32Array; y: Int32Array }[]) => {
      const model = js.sequential(config(TINY));
      model.setWeights(w);
      model.compile({ optimizer: "adam", learningRate: 0.01 });
      const losses = batches.map((b) => model.trainOnBatch(b.x, b.y).loss);
      const after = model.getWeights();
      model.dispose();
      return { losses, after };
    };
    const skipped = run([bad]);
    expect(skipped.losses[0]).toBeNaN();
    expect(skipped.after).toEqual(w);
    expect(run([bad, good]).after).toEqual(run([good]).after);
  });

  // Absurd learning rates: losses around 1e15 at 1e5, a blow-up at the 4th step at 1e10 and at
  // the 2nd at 1e30. Without the kernels' overflow guard the js engine survives 1e30 with every
  // unit dead, where f32 partial sums overflow to NaN on wasm.
  it.each([1e5, 1e10, 1e30])("runs wild at learning rate %s exactly as wasm does", async (lr) => {
    const { x, y } = tinyBatch(18, 64);
    const [a, b] = await Promise.all(
      [js, wasm["wasm-simd"]].map(async (e) => {
        const model = e.sequential(config(TINY, 18));
        model.compile({ optimizer: "adam", learningRate: lr });
        const history = await model.fit(x, y, { epochs: 5, batchSize: 8 });
        model.dispose();
        return history;
      }),
    );
    expect(a.diverged).toEqual(b.diverged);
    expect(a.history.loss.length).toBe(a.diverged ? a.diverged.epoch - 1 : 5);
    a.history.loss.forEach((v, i) =>
      expect(Math.abs(v - b.history.loss[i])).toBeLessThan(1e-4 * Math.abs(b.history.loss[i])),
    );
  });
});
