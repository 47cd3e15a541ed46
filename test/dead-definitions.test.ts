// deadUnits' additional definitions (nearly dead, τ-dormant) and the probe statistics behind
// them, on a hand-built model and on a trained MNIST model, in the wasm and js engines.
import { describe, it, expect, beforeAll } from "vitest";
import { createEngine, ArgumentError, type Engine, type Mnist, type Sequential } from "../src/index.js";
import { loadMnist } from "../src/node.js";
import { activityCounts } from "../src/engine/dead-units.js";

const BACKENDS = ["wasm-simd", "wasm-relaxed", "js"] as const;
let engines: Record<(typeof BACKENDS)[number], Engine>;
let mnist: Mnist;
beforeAll(async () => {
  engines = {
    "wasm-simd": await createEngine({ backend: "wasm-simd" }),
    "wasm-relaxed": await createEngine({ backend: "wasm-relaxed" }),
    js: await createEngine({ backend: "js" }),
  };
  mnist = await loadMnist();
});

// 3 inputs → Dense(4, relu) → Dense(2, softmax), as in engine.test.ts' dead-unit case, on three
// samples whose outputs are (0, 0, 0, 1.1), (0, 0, 0, 0.6) and (0, 0.5, 0, 1.1).
function handBuilt(engine: Engine): Sequential {
  const model = engine.sequential({
    inputSize: 3,
    layers: [
      { units: 4, activation: "relu", name: "h" },
      { units: 2, activation: "softmax" },
    ],
  });
  model.setWeights([
    { kernel: Float32Array.of(-1, 1, 0, 1, -1, -1, 0, 1, -1, -1, 0, 1), bias: Float32Array.of(-0.5, -0.5, 0, 0.1) },
    { kernel: new Float32Array(8), bias: new Float32Array(2) },
  ]);
  return model;
}
const X = Float32Array.of(0, 1, 0, 0, 0.2, 0.3, 1, 0, 0);

describe.each(BACKENDS)("%s: nearly dead and τ-dormant units", (backend) => {
  it("counts the probe samples with output > 0 and sums |output| exactly", () => {
    const model = handBuilt(engines[backend]);
    const [h] = model.unitActivity(X);
    expect(h.layer).toBe("h");
    expect(h.samples).toBe(3);
    expect([...h.active]).toEqual([0, 1, 0, 3]);
    expect([...h.absSum]).toEqual(
      [0, 0.5, 0, Math.fround(Math.fround(1.1) + Math.fround(0.6)) + Math.fround(1.1)].map(Math.fround),
    );
    // A second probe starts from zero.
    const [again] = model.unitActivity(X.subarray(0, 3));
    expect([...again.active]).toEqual([0, 0, 0, 1]);
    expect([...again.absSum]).toEqual([0, 0, 0, Math.fround(1.1)]);
    model.dispose();
  });

  it("derives nearlyDead and dormant with the documented thresholds and options", () => {
    const model = handBuilt(engines[backend]);
    // Defaults: active on < 1 % of 3 samples → units 0, 2; scores 4·Σ|h_i| / 3.3 = 0, 0.606, 0, 3.39.
    expect(model.deadUnits(X)).toEqual([
      { layer: "h", units: 4, dead: 2, fraction: 0.5, definition: "zero", nearlyDead: 2, dormant: 2 },
    ]);
    // Active on < 40 % of 3 samples (1.2): units 0, 1, 2. τ = 0.7 takes in unit 1's 0.606.
    expect(model.deadUnits(X, { nearlyDeadThreshold: 0.4, tau: 0.7 })[0]).toMatchObject({
      dead: 2,
      nearlyDead: 3,
      dormant: 3,
    });
    // τ = 0: only units with no activity at all; threshold 0: nothing is "below 0 samples".
    expect(model.deadUnits(X, { nearlyDeadThreshold: 0, tau: 0 })[0]).toMatchObject({
      dead: 2,
      nearlyDead: 0,
      dormant: 2,
    });
    // A layer with no activity at all: every unit is dead, nearly dead and dormant.
    expect(model.deadUnits(X.subarray(3, 6), { tau: 0 })[0]).toMatchObject({ dead: 3, nearlyDead: 3, dormant: 3 });
    const silent = model.getWeights();
    silent[0].bias.fill(-10);
    model.setWeights(silent);
    expect(model.deadUnits(X)[0]).toMatchObject({ dead: 4, nearlyDead: 4, dormant: 4 });
    expect(() => model.deadUnits(X, { tau: -1 })).toThrow(ArgumentError);
    expect(() => model.deadUnits(X, { nearlyDeadThreshold: 2 })).toThrow(ArgumentError);
    model.dispose();
  });
});

describe("activityCounts", () => {
  it("compares normalised mean activity with τ, all dormant when the layer is silent", () => {
    expect(activityCounts([0, 0, 0], [0, 0, 0], 10, 0.01, 0)).toEqual({ nearlyDead: 3, dormant: 3 });
    // Means 0.1, 1, 1.9 over H = 3 average 1: scores 0.1, 1, 1.9.
    expect(activityCounts([1, 5, 10], [1, 10, 19], 10, 0.2, 0.1)).toEqual({ nearlyDead: 1, dormant: 1 });
    expect(activityCounts([1, 5, 10], [1, 10, 19], 10, 0.2, 0.099)).toEqual({ nearlyDead: 1, dormant: 0 });
  });
});

describe("js and wasm agree on a trained MNIST model", () => {
  it.each(["wasm-simd", "wasm-relaxed"] as const)(
    "%s: counts exactly, sums and dormancy within tolerance",
    async (backend) => {
      const PIXELS = 784;
      const images = mnist.train.images.subarray(0, 1000 * PIXELS);
      const labels = mnist.train.labels.subarray(0, 1000);
      const probe = mnist.train.images.subarray(1000 * PIXELS, 2000 * PIXELS);
      const [a, b] = await Promise.all(
        [engines.js, engines[backend]].map(async (e) => {
          const m = e.sequential({
            inputSize: PIXELS,
            layers: [
              { units: 128, activation: "relu" },
              { units: 64, activation: "relu" },
              { units: 32, activation: "relu" },
              { units: 10, activation: "softmax" },
            ],
            seed: 11,
          });
          m.compile({ optimizer: "adam", learningRate: 0.01 });
          await m.fit(images, labels, { epochs: 2, batchSize: 32 });
          const out = { dead: m.deadUnits(probe), activity: m.unitActivity(probe), scores: [] as number[][] };
          m.dispose();
          return out;
        }),
      );
      const relDiff = (x: number, y: number) => Math.abs(x - y) / Math.max(1, Math.abs(y));
      a.activity.forEach((la, l) => {
        const lb = b.activity[l];
        expect([...la.active]).toEqual([...lb.active]);
        la.absSum.forEach((s, j) => expect(relDiff(s, lb.absSum[j])).toBeLessThan(1e-4));
      });
      a.dead.forEach((da, l) => {
        const db = b.dead[l];
        expect(da.dead).toBe(db.dead);
        expect(da.nearlyDead).toBe(db.nearlyDead);
        // Units whose score sits within the tolerance of τ may fall either side.
        expect(Math.abs(da.dormant! - db.dormant!)).toBeLessThanOrEqual(1);
      });
      // The run has units in every category, so the comparison means something.
      expect(a.dead.some((d) => d.dead > 0)).toBe(true);
      expect(a.dead.some((d) => d.nearlyDead! > d.dead)).toBe(true);
      expect(a.dead.every((d) => d.dormant! >= d.dead)).toBe(true);
    },
    120_000,
  );
});
