// The parallel runners (the sweep's and the continual study's, one worker pool) at the module level: sharing the data, the same runs as runStudy(), and
// failures — a worker that throws, one that exits, a run that throws in the real worker — each
// rejecting with the learning rate named and every worker thread gone.
//
// The worker entry of the real runs is the compiled dist/study/worker.js (npm run build:ts).
import { describe, it, expect, vi, beforeEach } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ArgumentError, createEngine, runStudy, type Mnist, type Run, type StudyConfig } from "../src/index.js";
import type { Cell } from "../src/study/grid.js";
import { runStudyParallel, shareMnist } from "../src/study/parallel.js";
import { runContinualParallel } from "../src/study/continual-parallel.js";
import { resolveBackend } from "../src/engine/wasm.js";
import { mnistSlice } from "./support/idx-files.js";
import { spawned } from "./support/workers.js";

vi.mock("node:worker_threads", async (original) => (await import("./support/workers.js")).trackWorkers(original));

const DIST_WORKER = new URL("../dist/study/worker.js", import.meta.url);

function smallMnist(nTrain: number, nTest: number): Mnist {
  const split = (s: "train" | "t10k", n: number) => ({ ...mnistSlice(s, n), count: n, rows: 28, cols: 28 });
  return { train: split("train", nTrain), test: split("t10k", nTest) };
}

const data = smallMnist(600, 100);
const config: StudyConfig = {
  learningRates: [0.01, 0.1],
  epochs: 1,
  batchSize: 64,
  validationSplit: 0.2,
  validationData: "split",
  layers: [32, 16],
  probe: 100,
  seed: 5,
};

/** A worker entry written for the test, as an ES module file. */
function workerScript(body: string): URL {
  const file = join(mkdtempSync(join(tmpdir(), "dying-relu-worker-")), "worker.mjs");
  writeFileSync(file, `import { parentPort } from "node:worker_threads";\n${body}\n`);
  return pathToFileURL(file);
}

beforeEach(() => {
  spawned.length = 0;
});

describe("shareMnist", () => {
  it("copies the four arrays into SharedArrayBuffers once, and keeps arrays already shared", () => {
    const shared = shareMnist(data);
    for (const split of ["train", "test"] as const) {
      for (const key of ["images", "labels"] as const) {
        expect(shared[split][key].buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(Buffer.compare(shared[split][key], data[split][key])).toBe(0);
      }
      expect(shared[split].count).toBe(data[split].count);
    }
    const again = shareMnist(shared);
    expect(again.train.images).toBe(shared.train.images);
    expect(again.test.labels).toBe(shared.test.labels);
  });
});

describe("runStudyParallel", () => {
  it("gives runStudy's runs in learning-rate order, with epoch events from the workers", async () => {
    const backend = resolveBackend("auto");
    const rates = { ...config, learningRates: [0.1, 1e30, 0.01] };
    const sequential = await runStudy(await createEngine({ backend, threads: 1 }), data, rates);
    const epochs: string[] = [];
    const ended: number[] = [];
    const parallel = await runStudyParallel(shareMnist(data), rates, {
      workers: 2,
      backend,
      workerUrl: DIST_WORKER,
      hooks: {
        onEpochEnd: (index, epoch, logs, elapsedMs) => {
          expect(elapsedMs).toBeGreaterThanOrEqual(0);
          expect(logs.val_accuracy).toBeGreaterThanOrEqual(0);
          epochs.push(`${index}:${epoch}`);
        },
        onRunEnd: (_run, index) => void ended.push(index),
      },
    });
    const strip = (runs: typeof sequential) => runs.map(({ seconds: _, ...rest }) => rest);
    expect(strip(parallel)).toEqual(strip(sequential));
    expect(parallel[1].diverged).not.toBeNull();
    expect(epochs.sort()).toEqual(["0:0", "2:0"]); // the diverged run finishes no epoch
    expect(ended.sort()).toEqual([0, 1, 2]);
    expect(spawned).toHaveLength(2);
    expect(spawned.every((w) => w.exited)).toBe(true);
  });

  it("never starts more workers than there are learning rates", async () => {
    const runs = await runStudyParallel(
      data,
      { ...config, learningRates: [0.01] },
      {
        workers: 4,
        backend: resolveBackend("auto"),
        workerUrl: DIST_WORKER,
      },
    );
    expect(runs).toHaveLength(1);
    expect(spawned).toHaveLength(1);
    expect(spawned[0].exited).toBe(true);
  });

  it("rejects naming the learning rate when a worker throws, and terminates the others", async () => {
    // The worker given 0.1 throws; the one given 0.01 would run until terminated.
    const url = workerScript(`
      parentPort.on("message", ({ learningRate }) => {
        if (learningRate === 0.1) throw new Error("boom\\nat some stack line");
        setInterval(() => {}, 1000);
      });`);
    const run = runStudyParallel(data, config, { workers: 2, backend: "wasm-simd", workerUrl: url });
    await expect(run).rejects.toThrow(/^learning rate 0\.1: worker thread crashed: boom$/);
    expect(spawned).toHaveLength(2);
    expect(spawned.every((w) => w.exited)).toBe(true);
  });

  it("rejects naming the learning rate when a worker exits", async () => {
    const url = workerScript(
      `parentPort.on("message", ({ learningRate }) => { if (learningRate === 0.01) process.exit(3); });`,
    );
    await expect(runStudyParallel(data, config, { workers: 2, backend: "wasm-simd", workerUrl: url })).rejects.toThrow(
      /^learning rate 0\.01: worker thread exited with code 3$/,
    );
    expect(spawned.every((w) => w.exited)).toBe(true);
  });

  it("keeps a DyingReluError thrown in a run one, with the learning rate in its message", async () => {
    // The real worker: its engine refuses the backend, so the run it is given throws an ArgumentError.
    const run = runStudyParallel(data, config, {
      workers: 2,
      backend: "no-such-backend" as "wasm-simd",
      workerUrl: DIST_WORKER,
    });
    await expect(run).rejects.toBeInstanceOf(ArgumentError);
    await expect(run).rejects.toThrow(/^learning rate 0\.0?1: backend must be /);
    expect(spawned).toHaveLength(2);
    expect(spawned.every((w) => w.exited)).toBe(true);
  });

  it("checks its arguments before starting any worker", async () => {
    await expect(runStudyParallel(data, config, { workers: 0, backend: "wasm-simd" })).rejects.toThrow(
      /workers must be an integer ≥ 1, got 0/,
    );
    await expect(
      runStudyParallel(data, { ...config, batchSize: 10_000 }, { workers: 2, backend: "wasm-simd" }),
    ).rejects.toThrow(/batch size/);
    expect(spawned).toHaveLength(0);
  });
});

describe("runStudyParallel with cells", () => {
  it("trains each (learning rate, seed) cell as runOne with that seed, in cell order", async () => {
    const backend = resolveBackend("auto");
    const cell = (learningRate: number, seed: number): Cell => ({
      learningRate,
      activation: "relu",
      kernelInitializer: "glorot_uniform",
      seed,
    });
    const cells = [cell(0.01, 5), cell(0.01, 6), cell(0.1, 5)];
    const engine = await createEngine({ backend, threads: 1 });
    const sequential: Run[] = [];
    for (const c of cells)
      sequential.push(...(await runStudy(engine, data, { ...config, learningRates: [c.learningRate], seed: c.seed })));
    const parallel = await runStudyParallel(data, config, { workers: 2, backend, workerUrl: DIST_WORKER, cells });
    const strip = (runs: typeof sequential) => runs.map(({ seconds: _, ...rest }) => rest);
    expect(strip(parallel)).toEqual(strip(sequential));
    expect(parallel.map((r) => [r.learningRate, r.seed])).toEqual([
      [0.01, 5],
      [0.01, 6],
      [0.1, 5],
    ]);
    expect(parallel[0].deadUnitsPerEpoch).toHaveLength(1);
    expect(parallel[0].history.loss).not.toEqual(parallel[1].history.loss);
  });
});

describe("runContinualParallel", () => {
  const continual = { tasks: 1, perTask: 100, layers: [8], probe: 50, methods: ["bp", "cbp"] as ("bp" | "cbp")[] };

  it("rejects naming the method and seed when a worker throws, and terminates the others", async () => {
    const url = workerScript(`
      parentPort.on("message", ({ method }) => {
        if (method === "cbp") throw new Error("boom\\nat some stack line");
        setInterval(() => {}, 1000);
      });`);
    const run = runContinualParallel(data, continual, { workers: 2, backend: "wasm-simd", workerUrl: url });
    await expect(run).rejects.toThrow(/^cbp seed 42: worker thread crashed: boom$/);
    expect(spawned).toHaveLength(2);
    expect(spawned.every((w) => w.exited)).toBe(true);
  });

  it("keeps a DyingReluError thrown in a run one, and refuses a message that is not one of its own", async () => {
    const real = new URL("../dist/study/continual-worker.js", import.meta.url);
    const bad = runContinualParallel(data, continual, {
      workers: 1,
      backend: "no-such-backend" as "wasm-simd",
      workerUrl: real,
    });
    await expect(bad).rejects.toBeInstanceOf(ArgumentError);
    await expect(bad).rejects.toThrow(/^bp seed 42: backend must be /);
    const url = workerScript(`parentPort.on("message", () => parentPort.postMessage({ type: "task", index: 7 }));`);
    await expect(
      runContinualParallel(data, continual, { workers: 1, backend: "wasm-simd", workerUrl: url }),
    ).rejects.toThrow(/^bp seed 42: a message from its worker thread that it does not understand$/);
    expect(spawned.every((w) => w.exited)).toBe(true);
  });
});
