// The threaded engine (createEngine({ threads })): data-parallel steps over workers that share the
// engine's wasm memory. Against the single-threaded engine: bit for bit through the threaded code
// path on one thread, within 1e-4 on two; deterministic across runs; probes, evaluation and
// prediction split the same way; worker failures and hangs become clear errors.
import { describe, it, expect, afterAll, vi } from "vitest";
import { createEngine, ArgumentError, type Engine, type SequentialConfig } from "../src/index.js";
import { Sequential } from "../src/engine/sequential.js";
import type { History } from "../src/engine/types.js";
import { loadThreadedKernels } from "../src/engine/wasm.js";
import { ThreadPool } from "../src/engine/threads/pool.js";
import { DONE, type ThreadWorker } from "../src/engine/threads/work.js";
import { spawnThreadWorker } from "../src/engine/threads/spawn.js";
import { ThreadedRunner } from "../src/engine/runner.js";
import { startThreads } from "../src/engine/engine.js";
import { mnistSlice } from "./support/idx-files.js";
import { exitedAll, spawned } from "./support/workers.js";

vi.mock("node:worker_threads", async (original) => (await import("./support/workers.js")).trackWorkers(original));

const train = mnistSlice("train", 1500);
const probe = train.images.subarray(0, 500 * 784);
const NET: SequentialConfig = {
  inputSize: 784,
  layers: [
    { units: 48, activation: "relu" },
    { units: 20, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 11,
};
const engines: Engine[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

async function engine(threads: number, threadTimeoutMs?: number): Promise<Engine> {
  const e = await createEngine({ backend: "wasm-simd", threads, threadTimeoutMs });
  engines.push(e);
  return e;
}

/** Trains NET on the slice: 2 epochs, an odd batch size so slices and the last batch are uneven. */
async function fitTwoEpochs(model: Sequential, learningRate = 0.002): Promise<History> {
  model.compile({ optimizer: "adam", learningRate });
  return model.fit(train.images, train.labels, { epochs: 2, batchSize: 99, validationSplit: 0.2 });
}

describe("threads: 1", () => {
  it("is the single-threaded engine", async () => {
    const e = await engine(1);
    expect(e.threads).toBe(1);
    expect(e.threadsNote).toBeNull();
  });

  it("the threaded code path on one thread (threaded build, step split into ranges) matches the serial engine bit for bit", async () => {
    const serial = (await engine(1)).sequential(NET);
    const { kernels, module } = await loadThreadedKernels("wasm-simd");
    const pool = await ThreadPool.start(kernels, module, 1, 5000);
    const threaded = new Sequential(kernels, NET, new ThreadedRunner(kernels, pool));
    for (const model of [serial, threaded])
      model.compile({ optimizer: "sgd", learningRate: 0.05, momentum: 0.9, clipvalue: 0.5 });
    const [a, b] = [
      await serial.fit(train.images, train.labels, { epochs: 1, batchSize: 64 }),
      await threaded.fit(train.images, train.labels, { epochs: 1, batchSize: 64 }),
    ];
    expect(b).toEqual(a);
    expect(await fitTwoEpochs(threaded)).toEqual(await fitTwoEpochs(serial));
    expect(threaded.getWeights()).toEqual(serial.getWeights());
    expect(threaded.probe(probe).deadUnits).toEqual(serial.probe(probe).deadUnits);
    pool.terminate();
  });
});

describe("threads: 2", () => {
  it("trains the same loss curve as one thread within 1e-4 per epoch, and the same every time", async () => {
    const [one, two] = [await engine(1), await engine(2)];
    expect(two.threads).toBe(2);
    const h1 = await fitTwoEpochs(one.sequential(NET));
    const h2 = await fitTwoEpochs(two.sequential(NET));
    const again = await fitTwoEpochs(two.sequential(NET));
    for (const key of ["loss", "val_loss"] as const) {
      h2.history[key].forEach((v, i) => expect(Math.abs(v - h1.history[key][i])).toBeLessThan(1e-4));
    }
    expect(h2.history.loss).not.toEqual(h1.history.loss); // the sums really are split
    expect(again).toEqual(h2);
  });

  it("counts the same dead units, and evaluates and predicts as one thread, on the same weights", async () => {
    const [one, two] = [(await engine(1)).sequential(NET), (await engine(2)).sequential(NET)];
    // A rate that kills units, so there is something to count.
    one.compile({ optimizer: "adam", learningRate: 0.1 });
    await one.fit(train.images, train.labels, { epochs: 1, batchSize: 128 });
    two.setWeights(one.getWeights());
    const [d1, d2] = [one.probe(probe), two.probe(probe)];
    expect(d1.deadUnits.some((d) => d.dead > 0)).toBe(true);
    expect(d2.masks).toEqual(d1.masks);
    expect(d2.deadUnits.map(({ dormant: _, ...d }) => d)).toEqual(d1.deadUnits.map(({ dormant: _, ...d }) => d));
    const act = (m: Sequential) => m.unitActivity(probe);
    act(two).forEach((u, l) => {
      expect(u.active).toEqual(act(one)[l].active); // integer counts: exact
      u.absSum.forEach((s, j) => expect(s).toBeCloseTo(act(one)[l].absSum[j], 2)); // f32 sums in another order
    });
    const [e1, e2] = [one.evaluate(train.images, train.labels), two.evaluate(train.images, train.labels)];
    expect(e2.accuracy).toBe(e1.accuracy);
    expect(e2.loss).toBeCloseTo(e1.loss, 6);
    expect(two.predict(train.images.subarray(0, 77 * 784))).toEqual(one.predict(train.images.subarray(0, 77 * 784)));
  });

  it("gives the gradients of one thread, also for batches smaller than the thread count", async () => {
    const [one, two] = [(await engine(1)).sequential(NET), (await engine(2)).sequential(NET)];
    for (const n of [1, 2, 37]) {
      const x = train.images.subarray(0, n * 784);
      const y = train.labels.subarray(0, n);
      const [g1, g2] = [one.computeGradients(x, y), two.computeGradients(x, y)];
      expect(g2.loss).toBeCloseTo(g1.loss, 6);
      g2.grads.forEach((g, l) =>
        g.kernel.forEach((v, i) => expect(Math.abs(v - g1.grads[l].kernel[i])).toBeLessThan(1e-6)),
      );
    }
  });

  it("clips by norm, decays and regularises like one thread", async () => {
    const net: SequentialConfig = {
      ...NET,
      layers: [{ ...NET.layers[0], kernelRegularizer: { l2: 0.001 } }, ...NET.layers.slice(1)],
    };
    const run = async (threads: number) => {
      const model = (await engine(threads)).sequential(net);
      model.compile({ optimizer: "adamw", learningRate: 0.003, clipnorm: 0.5 });
      return model.fit(train.images, train.labels, { epochs: 1, batchSize: 100 });
    };
    const [h1, h2] = [await run(1), await run(2)];
    expect(Math.abs(h2.history.loss[0] - h1.history.loss[0])).toBeLessThan(1e-4);
  });

  it("reports divergence as one thread does", async () => {
    const model = (await engine(2)).sequential(NET);
    model.compile({ optimizer: "sgd", learningRate: 1e30 });
    const h = await model.fit(train.images, train.labels, { epochs: 2, batchSize: 100 });
    expect(h.diverged).toEqual({ epoch: 1, step: expect.any(Number) });
  });
});

describe("failures", () => {
  it("a worker that throws makes fit reject naming it, stops every worker, and the engine says so afterwards", async () => {
    const { kernels, module } = await loadThreadedKernels("wasm-simd");
    const pool = await ThreadPool.start(kernels, module, 2, 5000);
    const runner = new ThreadedRunner(kernels, pool);
    const model = new Sequential(kernels, NET, runner);
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    const fitting = model.fit(train.images, train.labels, {
      epochs: 1,
      batchSize: 100,
      callbacks: {
        onBatchEnd: (batch) => {
          if (batch !== 2) return;
          // Break worker 1's replica: its layer table now points past the end of memory.
          const replica = (runner as unknown as { replicas: Map<number, { models: number[] }> }).replicas
            .values()
            .next().value!.models[1];
          new Uint32Array(kernels.memory.buffer, replica + 8, 1)[0] = 0xfffffff0;
        },
      },
    });
    await expect(fitting).rejects.toThrow(/^thread worker 1 failed: .*out of bounds/);
    expect(pool.running).toBe(0);
    expect(await exitedAll(spawned.slice(-1))).toEqual([true]);
    expect(() => model.evaluate(train.images, train.labels)).toThrow(
      /threads stopped after an error \(thread worker 1 failed/,
    );
  });

  // The pool's clock is the test's: frozen while the model trains normally (no deadline can pass
  // however slow the machine), then advancing 250 ms a reading, so a wait for a worker that is
  // gone passes its deadline after a few readings instead of a second of real time.
  const testClock = () => {
    let t = 0;
    let step = 0;
    return { now: () => (t += step), advance: (ms: number) => (step = ms) };
  };

  it("a worker that stops answering turns into an error naming it after threadTimeoutMs, not a hang", async () => {
    const { kernels, module } = await loadThreadedKernels("wasm-simd");
    const clock = testClock();
    const workers: ThreadWorker[] = [];
    const spawn = () => {
      const w = spawnThreadWorker();
      workers.push(w);
      return w;
    };
    const pool = await ThreadPool.start(kernels, module, 2, 1000, { now: clock.now, spawn });
    const model = new Sequential(kernels, NET, new ThreadedRunner(kernels, pool));
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    await model.fit(train.images.subarray(0, 200 * 784), train.labels.subarray(0, 200), { epochs: 1, batchSize: 50 });
    // Kill the worker behind the pool's back, as a crash would — after it finished the last
    // command, so the next fit's first wait is the barrier (killed mid-command, settle() would
    // name the worker as not finishing its work instead).
    pool.settle();
    workers[0].terminate();
    expect(await exitedAll(spawned.slice(-1))).toEqual([true]);
    clock.advance(250);
    await expect(model.fit(train.images, train.labels, { epochs: 1, batchSize: 50 })).rejects.toThrow(
      /^thread worker 1 did not reach the barrier within 1000 ms$/,
    );
    expect(pool.running).toBe(0);
  });

  it("a worker that never finishes a command turns into an error naming it when thread 0 next needs the model", async () => {
    const { kernels, module } = await loadThreadedKernels("wasm-simd");
    const clock = testClock();
    const pool = await ThreadPool.start(kernels, module, 2, 1000, { now: clock.now });
    const runner = new ThreadedRunner(kernels, pool);
    const model = new Sequential(kernels, NET, runner);
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    await model.fit(train.images.subarray(0, 100 * 784), train.labels.subarray(0, 100), { epochs: 1, batchSize: 50 });
    pool.settle();
    // As if worker 1 were still busy with the last command: its DONE bump is missing.
    Atomics.sub(pool.control.i32, DONE, 1);
    clock.advance(250);
    expect(() => model.evaluate(train.images, train.labels)).toThrow(
      /^thread worker 1 did not finish its work within 1000 ms$/,
    );
    expect(pool.running).toBe(0);
  });

  it("a worker that cannot start makes the start reject naming it, and leaves no worker", async () => {
    const { kernels } = await loadThreadedKernels("wasm-simd");
    // A module whose instantiation fails in the worker: it imports a function nobody provides.
    const missingImport = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 12, 1, 3, 101, 110, 118, 4, 110, 111, 112, 101, 0, 0,
    ]);
    const module = await WebAssembly.compile(missingImport);
    const before = spawned.length;
    await expect(ThreadPool.start(kernels, module, 3, 5000)).rejects.toThrow(
      /^thread workers 1, 2 failed to start: .*nope/,
    );
    expect(await exitedAll(spawned.slice(before))).toEqual([true, true]);
  });

  it("an engine whose thread workers cannot start runs on one thread and says why, naming the script", async () => {
    const url = "https://lab.example/assets/dying-relu.thread.js";
    const unloadable = (): ThreadWorker => ({
      start: async () => ({ ready: false, error: `the worker script ${url} failed to load` }),
      terminate: () => {},
    });
    const started = await startThreads("wasm-simd", undefined, 2, 5000, unloadable);
    expect(started).toEqual({
      note: `thread worker 1 failed to start: the worker script ${url} failed to load; running on one thread`,
    });
    const working = await startThreads("wasm-simd", undefined, 2, 5000);
    expect("runner" in working && working.runner.threads).toBe(2);
    if ("runner" in working) working.runner.dispose();
  });

  it("rejects bad thread options with one line", async () => {
    await expect(createEngine({ threads: 0 })).rejects.toThrow(ArgumentError);
    await expect(createEngine({ threads: 0 })).rejects.toThrow("threads must be an integer ≥ 1, got 0");
    await expect(createEngine({ threads: 65 })).rejects.toThrow("threads must be at most 64, got 65");
    await expect(createEngine({ threads: 1.5 })).rejects.toThrow(/threads must be an integer/);
    await expect(createEngine({ threadTimeoutMs: -1 })).rejects.toThrow(
      "threadTimeoutMs must be a positive number of milliseconds, got -1",
    );
    const js = await createEngine({ backend: "js", threads: 2 });
    expect(js.threads).toBe(1);
    expect(js.threadsNote).toBe('backend "js" runs on one thread');
  });
});
