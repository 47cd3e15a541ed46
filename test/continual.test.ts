// The continual-learning study: ranks on matrices of known spectrum, the task permutations (per
// seed, the same in the JS twin), online accuracy counted before each update, Shrink and
// Perturb's noise statistics, continual backprop's replacement count, a whole short run repeated
// bit for bit, and bad settings refused with one line.
import { describe, it, expect, beforeAll } from "vitest";
import { ArgumentError, createEngine, type Engine } from "../src/index.js";
import { loadMnist } from "../src/node.js";
import type { Mnist } from "../src/data/mnist.js";
import { OnlineLearner } from "../src/engine/online.js";
import { approximateRank, effectiveRank, singularValuesFromGram } from "../src/study/ranks.js";
import { runContinual, taskSeeds } from "../src/study/continual.js";
import { checkContinual } from "../src/study/continual-config.js";
import { cli } from "./support/cli.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** HᵀH for H = U·diag(σ)·Vᵀ with V a product of Givens rotations (U any orthonormal columns). */
function gramOf(sigma: number[]): Float64Array {
  const n = sigma.length;
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let p = 0; p + 1 < n; p++) {
    const [c, s] = [Math.cos(0.3 + p), Math.sin(0.3 + p)];
    for (const row of v) [row[p], row[p + 1]] = [c * row[p] - s * row[p + 1], s * row[p] + c * row[p + 1]];
  }
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) g[i * n + j] += v[i][k] * sigma[k] ** 2 * v[j][k];
  return g;
}

describe("ranks", () => {
  it("recovers the singular values from a rotated Gram matrix", () => {
    const sigma = [5, 3, 2, 1, 0.5, 0];
    const got = singularValuesFromGram(gramOf(sigma), sigma.length);
    got.forEach((s, i) => expect(s).toBeCloseTo(sigma[i], 6));
  });

  it("effective rank: n for n equal values, 1 for one, exp(entropy) between", () => {
    expect(effectiveRank([2, 2, 2, 2])).toBeCloseTo(4, 12);
    expect(effectiveRank([7, 0, 0])).toBeCloseTo(1, 12);
    const p = [0.5, 0.25, 0.25];
    expect(effectiveRank([2, 1, 1])).toBeCloseTo(Math.exp(-p.reduce((s, x) => s + x * Math.log(x), 0)), 12);
    expect(effectiveRank([0, 0])).toBe(0);
  });

  it("approximate rank: the fewest values holding 99 % of the sum", () => {
    expect(approximateRank([1, 1, 1, 1])).toBe(4);
    expect(approximateRank([100, 0.5, 0.4])).toBe(1);
    expect(approximateRank([50, 49, 0.6, 0.4])).toBe(2);
    expect(approximateRank([50, 48.9, 0.7, 0.4])).toBe(3);
    expect(approximateRank([0.4, 48.9, 50, 0.7])).toBe(3); // any order
  });
});

describe("the online learner", () => {
  let data: Mnist;
  const engines: Record<string, Engine> = {};
  beforeAll(async () => {
    data = await loadMnist();
    for (const b of ["wasm-simd", "js"] as const) engines[b] = await createEngine({ backend: b, threads: 1 });
  });

  function learner(backend: string, options = {}, lr = 0.003, compile = {}) {
    const engine = engines[backend];
    const ds = engine.dataset(data.train.images.subarray(0, 3000 * 784), data.train.labels.subarray(0, 3000));
    const model = engine.sequential({
      inputSize: 784,
      layers: [
        { units: 24, activation: "relu", kernelInitializer: "he_uniform" },
        { units: 10, activation: "softmax" },
      ],
      seed: 5,
    });
    model.compile({ optimizer: "sgd", learningRate: lr, ...compile });
    return { model, ds, online: new OnlineLearner(model, ds, options) };
  }

  it("draws each task's permutation and order from its seeds, the same in the JS twin", () => {
    const seen = ["wasm-simd", "js"].map((b) => {
      const { online } = learner(b);
      online.startTask(11, 12);
      const first = online.permutation();
      online.startTask(11, 12);
      expect(online.permutation()).toEqual(first);
      online.startTask(13, 12);
      expect(online.permutation().pixels).not.toEqual(first.pixels);
      return first;
    });
    expect(seen[1]).toEqual(seen[0]);
    expect([...seen[0].pixels].sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(new Set(seen[0].order).size).toBe(3000);
    const a = taskSeeds(42, 1);
    expect(taskSeeds(42, 1)).toEqual(a);
    expect(taskSeeds(42, 2)).not.toEqual(a);
    expect(taskSeeds(43, 1)).not.toEqual(a);
  });

  it.each(["wasm-simd", "js"])("counts each example's prediction before training on it (%s)", (backend) => {
    const { model, online } = learner(backend, {}, 0.5); // a large step, so that predictions move
    online.startTask(3, 4);
    const { pixels, order } = online.permutation();
    let changed = 0;
    for (let s = 0; s < 40; s++) {
      const row = data.train.images.subarray(order[s] * 784, (order[s] + 1) * 784);
      const x = Float32Array.from(pixels, (p) => row[p] / 255);
      const before = model.predict(x);
      const argmax = before.indexOf(Math.max(...before));
      const { hits } = online.train(s, 1);
      expect(hits).toBe(argmax === data.train.labels[order[s]] ? 1 : 0);
      const after = model.predict(x);
      if (after.some((v, i) => v !== before[i])) changed++;
    }
    expect(changed).toBe(40); // every step did train
  });

  it("Shrink and Perturb adds N(0, σ²) to every weight and bias each step", () => {
    const sigma = 0.01;
    const steps = 16;
    const { model, online } = learner("wasm-simd", { noise: sigma }, 1e-30); // steps too small to move
    online.startTask(1, 2);
    const w0 = model.getWeights();
    online.train(0, steps);
    const diffs: number[] = [];
    model.getWeights().forEach((l, i) => {
      l.kernel.forEach((v, j) => diffs.push(v - w0[i].kernel[j]));
      l.bias.forEach((v, j) => diffs.push(v - w0[i].bias[j]));
    });
    const n = diffs.length;
    const mean = diffs.reduce((s, x) => s + x, 0) / n;
    const variance = diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(n).toBe(784 * 24 + 24 + 24 * 10 + 10);
    expect(Math.abs(mean)).toBeLessThan((4 * sigma * Math.sqrt(steps)) / Math.sqrt(n));
    expect(variance / (steps * sigma ** 2)).toBeGreaterThan(0.95);
    expect(variance / (steps * sigma ** 2)).toBeLessThan(1.05);
  });

  // A kernel row takes its noise when it is next read, as one deviate for all the steps due; under
  // decay each step's noise shrinks with the weights, so after T steps a weight has moved by
  // N(0, σ²·Σ_{k<T} r^{2k}) from r^T·w. A step of 1e-30 against a decay of 1e29 moves the weights
  // by the decay alone (r = 1 − lr·wd); past 1024 steps the rows never read take the closed form.
  it.each([
    ["wasm-simd", 0.9, 16, {}],
    ["js", 0.9, 16, {}],
    ["wasm-simd", 0.9, 16, { clipvalue: 1e30 }], // the general step: every row read every step
    ["wasm-simd", 0.999, 1100, {}],
  ])("Shrink and Perturb's noise decays with the weights (%s, r = %d, %d steps, %o)", (backend, r, steps, extra) => {
    const sigma = 0.01;
    const lr = 1e-30;
    const compile = { weightDecay: (1 - (r as number)) / lr, ...(extra as object) };
    const { model, online } = learner(backend as string, { noise: sigma }, lr, compile);
    online.startTask(1, 2);
    const w0 = model.getWeights();
    online.train(0, steps as number);
    const rf = 1 - Math.fround(lr) * Math.fround(compile.weightDecay);
    const shrink = rf ** (steps as number);
    const diffs: number[] = [];
    model.getWeights().forEach((l, i) => {
      l.kernel.forEach((v, j) => diffs.push(v - shrink * w0[i].kernel[j]));
      l.bias.forEach((v, j) => diffs.push(v - shrink * w0[i].bias[j]));
    });
    const n = diffs.length;
    const expected = (sigma ** 2 * (1 - rf ** (2 * (steps as number)))) / (1 - rf * rf);
    const variance = diffs.reduce((s, x) => s + x * x, 0) / n;
    expect(variance / expected).toBeGreaterThan(0.95);
    expect(variance / expected).toBeLessThan(1.05);
  });

  it.each(["wasm-simd", "js"])("continual backprop replaces ρ × eligible units per step (%s)", (backend) => {
    const { online } = learner(backend, { cbp: { rate: 0.01, decay: 0.99, maturity: 10 } });
    online.startTask(1, 2);
    online.train(0, 210);
    // 24 units become eligible after 10 steps: 200 steps × 0.24 = 48 replacements, give or take
    // the rounding of the running count and the replaced units' own maturity.
    const [replaced] = online.replaced();
    expect(replaced).toBeGreaterThanOrEqual(40);
    expect(replaced).toBeLessThanOrEqual(48);
  });
});

describe("runContinual", () => {
  it("repeats a short run bit for bit for a seed, every method", async () => {
    const data = await loadMnist();
    const config = {
      tasks: 2,
      perTask: 400,
      layers: [16, 16],
      probe: 200,
      methods: ["bp", "l2", "snp", "redo", "cbp"] as const,
    };
    const once = async () => {
      const engine = await createEngine({ backend: "wasm-simd", threads: 1 });
      const runs = await runContinual(engine, data, { ...config, methods: [...config.methods] });
      engine.dispose();
      return runs.map(({ seconds, stepsPerSecond, ...rest }) => rest);
    };
    const a = await once();
    expect(await once()).toEqual(a);
    expect(a.map((r) => r.method)).toEqual([...config.methods]);
    for (const r of a) {
      expect(r.tasks).toHaveLength(2);
      expect(r.tasks[1].onlineAccuracy).toBeGreaterThan(0.12); // 400 examples: above chance
      expect(r.tasks[0].effectiveRank[0]).toBeGreaterThan(1);
    }
  }, 60_000);

  it("dying-relu continual gives the same runs in 2 run workers as in one thread", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dying-relu-continual-"));
    const flags = [
      "--tasks",
      "2",
      "--per-task",
      "300",
      "--layers",
      "16",
      "--probe",
      "100",
      "--method",
      "bp,cbp",
      "--seeds",
      "2",
    ];
    const runs = [];
    for (const workers of ["1", "2"]) {
      const file = join(dir, `w${workers}.json`);
      const r = await cli(
        "continual",
        ...flags,
        "--workers",
        workers,
        "--backend",
        "wasm-simd",
        "--json",
        file,
        "--quiet",
      );
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(file, "utf8"));
      expect(report).toMatchObject({ schemaVersion: 1, kind: "continual", config: { tasks: 2, perTask: 300 } });
      runs.push(report.runs.map(({ seconds, stepsPerSecond, ...rest }: Record<string, unknown>) => rest));
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0].map((r: { method: string; seed: number }) => `${r.method} ${r.seed}`)).toEqual([
      "bp 42",
      "bp 43",
      "cbp 42",
      "cbp 43",
    ]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("refuses bad settings with an ArgumentError naming them", () => {
    expect(() => checkContinual({ tasks: 0 }, 60_000)).toThrow(ArgumentError);
    expect(() => checkContinual({ perTask: 60_001 }, 60_000)).toThrow(/perTask/);
    expect(() => checkContinual({ methods: ["bp", "bp"] }, 60_000)).toThrow(/twice/);
    expect(() => checkContinual({ batchSize: 8 }, 60_000)).toThrow(/batchSize must be 1/);
    expect(() => checkContinual({ decay: 1 }, 60_000)).toThrow(/decay/);
    expect(() => checkContinual({ bogus: 1 } as never, 60_000)).toThrow(/unknown continual setting/);
  });

  it.each([
    [["--tasks", "x"], /--tasks must be a whole number, got "x"/],
    [["--tasks", "0"], /--tasks must be an integer in \[1, 100000\], got 0/],
    [["--method", "bp,bp"], /--method: "bp" is given twice/],
    [["--workers", "0"], /--workers must be between 1 and 1024, got 0/],
    [["--method", "bp,foo"], /method must be one of/],
    [["--batch-size", "4"], /dying-relu: --batch-size must be 1 \(the online setting\), got 4/],
    [["--per-task", "70000"], /dying-relu: --per-task must be an integer in \[1, 60000\], got 70000/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("dying-relu continual %j: one line, exit code 2", async (args, message) => {
    const r = await cli("continual", ...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
