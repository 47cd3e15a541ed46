// ReDo recycling (recycleDormant, fit's recycle): the units recycled are exactly the τ-dormant
// ones by an independent computation from unitActivity, their incoming weights are redrawn from
// the layer's initialiser, their outgoing weights are 0, their optimizer moments start afresh
// (the next Adam step is a first step), the js twin draws the same numbers as both wasm builds,
// and training with recycle goes on and reports the counts per epoch.
import { describe, it, expect, beforeAll } from "vitest";
import {
  ArgumentError,
  createEngine,
  type CompileConfig,
  type Engine,
  type LayerWeights,
  type Sequential,
} from "../src/index.js";
import { TINY, randomWeights, tinyBatch } from "./support/tiny.js";
import { BACKENDS, allEngines, type Backend } from "./support/engines.js";
import { mnistSlice } from "./support/idx-files.js";

let engines: Record<Backend, Engine>;
beforeAll(async () => {
  engines = await allEngines();
});

const PROBE = tinyBatch(30, 64).x;
const TAU = 0.1;

/** TINY with he_uniform hidden layers; layer 0's unit 2 and layer 1's unit 4 killed, layer 0's unit 0 turned down to near-dormancy. */
function damaged(engine: Engine): Sequential {
  const model = engine.sequential({
    ...TINY,
    layers: TINY.layers.map((l, i) => (i < 2 ? { ...l, kernelInitializer: "he_uniform" as const } : l)),
    seed: 11,
  });
  const w = randomWeights(5);
  w[0].bias[2] = -100;
  w[1].bias[4] = -100;
  for (let i = 0; i < 7; i++) w[0].kernel[i * 5] *= 0.01;
  w[0].bias[0] = 0.001;
  model.setWeights(w);
  return model;
}

/** τ-dormant units per hidden layer from the probe statistics, in float64 (Sokar et al.'s s_i ≤ τ). */
function dormantUnits(model: Sequential, x: Float32Array, tau: number): number[][] {
  return model.unitActivity(x).map(({ samples, absSum }) => {
    const means = Array.from(absSum, (s) => s / samples);
    const layerMean = means.reduce((a, b) => a + b, 0) / means.length;
    return means.flatMap((m, j) => (layerMean === 0 || m / layerMean <= tau ? [j] : []));
  });
}

const ones = (u: Uint8Array) => Array.from(u).flatMap((v, j) => (v ? [j] : []));

// Each optimizer's first step from zeroed state (after three earlier steps), as a function of the
// gradient: Adam at t = 4 (m = (1 − β1)·g, v = (1 − β2)·g²), and centered RMSprop with momentum
// (v = 0.1·g², a = 0.1·g, mom = 0.5·0 + inc).
const alpha = (0.001 * Math.sqrt(1 - 0.999 ** 4)) / (1 - 0.9 ** 4);
const OPTIMIZERS: [string, CompileConfig, (g: number) => number][] = [
  ["adam", { optimizer: "adam", learningRate: 0.001 }, (g) => (-alpha * (0.1 * g)) / (Math.sqrt(0.001 * g * g) + 1e-7)],
  [
    "centered rmsprop with momentum",
    { optimizer: "rmsprop", learningRate: 0.001, centered: true, momentum: 0.5 },
    (g) => (-0.001 * g) / Math.sqrt(0.1 * g * g - 0.01 * g * g + 1e-7),
  ],
];

describe.each(BACKENDS)("%s: recycleDormant", (backend) => {
  it.each(OPTIMIZERS)(
    "recycles exactly the τ-dormant units: fresh in-weights, zero out-weights, fresh %s moments",
    (_, cfg, fresh) => {
      const model = damaged(engines[backend]);
      model.compile(cfg);
      for (let t = 0; t < 3; t++) {
        const b = tinyBatch(40 + t, 16);
        model.trainOnBatch(b.x, b.y); // Adam moments everywhere
      }
      const expected = dormantUnits(model, PROBE, TAU);
      expect(expected[0]).toContain(2);
      expect(expected[0]).toContain(0); // dormant, not dead: τ matters
      expect(model.unitActivity(PROBE)[0].active[0]).toBeGreaterThan(0);
      expect(expected[1]).toContain(4);
      const before = model.getWeights();
      const result = model.recycleDormant(PROBE, { tau: TAU });
      expect(result.map((r) => r.layer)).toEqual(["dense_1", "dense_2"]);
      expect(result.map((r) => ones(r.units))).toEqual(expected);
      expect(result.map((r) => r.recycled)).toEqual(expected.map((e) => e.length));
      const after = model.getWeights();
      const sizes = [7, 5, 6, 3];
      expected.forEach((units, l) => {
        const [fanIn, width, nextWidth] = [sizes[l], sizes[l + 1], sizes[l + 2]];
        const limit = Math.fround(Math.sqrt(6 / fanIn)); // he_uniform
        for (let j = 0; j < width; j++) {
          const recycled = units.includes(j);
          for (let i = 0; i < fanIn; i++) {
            const [v, old] = [after[l].kernel[i * width + j], before[l].kernel[i * width + j]];
            // A recycled unit's column of the next layer's kernel is redrawn even where a recycled
            // unit of this layer zeroed its outgoing row.
            const crossed = l === 1 && expected[0].includes(i);
            if (recycled) {
              expect(Math.abs(v)).toBeLessThanOrEqual(limit);
              expect(v).not.toBe(old);
            } else if (!crossed) expect(v).toBe(old);
          }
          expect(after[l].bias[j]).toBe(recycled ? 0 : before[l].bias[j]);
          if (recycled) {
            for (let k = 0; k < nextWidth; k++) {
              if (!(l === 0 && expected[1].includes(k))) expect(after[l + 1].kernel[j * nextWidth + k]).toBe(0);
            }
          }
        }
      });
      // Fresh moments: the next step on the recycled parameters is a first step from zero state.
      const b = tinyBatch(50, 16);
      const { grads } = model.computeGradients(b.x, b.y);
      model.trainOnBatch(b.x, b.y);
      const stepped = model.getWeights();
      let checked = 0;
      const check = (now: Float32Array, was: Float32Array, g: Float32Array, i: number) => {
        expect(now[i] - was[i]).toBeCloseTo(fresh(g[i]), 6);
        checked++;
      };
      expected[0].forEach((j) => {
        check(stepped[0].bias, after[0].bias, grads[0].bias, j);
        for (let k = 0; k < 6; k++)
          if (!expected[1].includes(k)) check(stepped[1].kernel, after[1].kernel, grads[1].kernel, j * 6 + k);
      });
      expected[1].forEach((j) => {
        for (let i = 0; i < 5; i++) check(stepped[1].kernel, after[1].kernel, grads[1].kernel, i * 6 + j);
        for (let k = 0; k < 3; k++) check(stepped[2].kernel, after[2].kernel, grads[2].kernel, j * 3 + k);
      });
      expect(checked).toBeGreaterThan(10);
      model.dispose();
    },
  );
});

describe("recycleDormant's bad input", () => {
  it.each([
    [{ tau: -1 }, /tau must be a finite number ≥ 0, got -1/],
    [{ tau: Number.POSITIVE_INFINITY }, /tau must be a finite number ≥ 0, got Infinity/],
  ])("rejects %j", (options, message) => {
    const model = damaged(engines.js);
    expect(() => model.recycleDormant(PROBE, options)).toThrow(ArgumentError);
    expect(() => model.recycleDormant(PROBE, options)).toThrow(message);
    expect(() => model.recycleDormant(new Float32Array(3))).toThrow(/x must hold whole samples of 7 values/);
    model.dispose();
  });
});

describe("the js twin", () => {
  it("recycles the same units with the same draws as both wasm builds, bit for bit", () => {
    const recycled = BACKENDS.map((backend) => {
      const model = damaged(engines[backend]);
      const units = model.recycleDormant(PROBE, { tau: TAU }).map((r) => ones(r.units));
      const w = model.getWeights();
      model.dispose();
      return { units, w };
    });
    const bits = (w: LayerWeights[]) => w.flatMap((l) => [Buffer.from(l.kernel.buffer), Buffer.from(l.bias.buffer)]);
    for (const other of recycled.slice(1)) {
      expect(other.units).toEqual(recycled[0].units);
      bits(other.w).forEach((b, i) => expect(b.equals(bits(recycled[0].w)[i])).toBe(true));
    }
  });
});

describe("fit with recycle", () => {
  const { images, labels } = mnistSlice("train", 512);
  const train = (engine: Engine, recycle?: { every: number; tau?: number; probe?: number }) => {
    const model = engine.sequential({
      inputSize: 784,
      layers: [
        { units: 32, activation: "relu" },
        { units: 16, activation: "relu" },
        { units: 10, activation: "softmax" },
      ],
      seed: 4,
    });
    model.compile({ optimizer: "adam", learningRate: 0.5 }); // high enough to kill units
    return { model, history: model.fit(images, labels, { epochs: 2, batchSize: 64, recycle }) };
  };

  it("recycles every N steps, counts per epoch and hidden layer, and training goes on", async () => {
    const { model, history } = train(engines["wasm-simd"], { every: 2, tau: 0.1, probe: 128 });
    const h = await history;
    expect(h.diverged).toBeNull();
    expect(h.recycled).toHaveLength(2);
    for (const epoch of h.recycled!) {
      expect(epoch).toHaveLength(2);
      epoch.forEach((n, l) => expect(n).toBeLessThanOrEqual(4 * [32, 16][l])); // 4 recycling steps per epoch
    }
    expect(h.recycled!.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    model.dispose();
    const plain = await train(engines["wasm-simd"]).history;
    expect(plain.recycled).toBeUndefined();
    expect(plain.history.loss).not.toEqual(h.history.loss);
  });

  it("the js twin recycles the same units each epoch as single-threaded wasm-simd", async () => {
    const serial = await createEngine({ backend: "wasm-simd", threads: 1 }); // the twin's one thread
    const runs = await Promise.all(
      [engines.js, serial].map(async (engine) => {
        const { model, history } = train(engine, { every: 3 });
        const h = await history;
        model.dispose();
        return h.recycled;
      }),
    );
    expect(runs[0]).toEqual(runs[1]);
  });

  it.each([
    [{ every: 0 }, /recycle.every must be an integer ≥ 1, got 0/],
    [{ every: 2, tau: -1 }, /recycle.tau must be a finite number ≥ 0, got -1/],
    [{ every: 2, probe: 10000 }, /recycle.probe must be at most the 512 training samples, got 10000/],
  ])("rejects %j", async (recycle, message) => {
    const { model, history } = train(engines.js, recycle as { every: number });
    await expect(history).rejects.toThrow(ArgumentError);
    await expect(train(engines.js, recycle as { every: number }).history).rejects.toThrow(message);
    model.dispose();
  });
});
