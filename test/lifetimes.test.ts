// Lifetimes: a model refuses dispose() while it trains and a second fit() at once, and a disposed
// engine refuses every call of its own and of its models, on every backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArgumentError, createEngine, type Engine, type SequentialConfig } from "../src/index.js";
import { BACKENDS, type Backend } from "./support/engines.js";

const CONFIG: SequentialConfig = {
  inputSize: 4,
  layers: [
    { units: 6, activation: "relu" },
    { units: 3, activation: "softmax" },
  ],
  seed: 1,
};
const x = Float32Array.from({ length: 4 * 60 }, (_, i) => ((i * 37) % 11) / 11);
const y = Uint8Array.from({ length: 60 }, (_, i) => i % 3);

const engines: Partial<Record<string, Engine>> = {};
const CASES = [...BACKENDS.map((b) => [b, 1] as const), ["wasm-simd", 2] as const];
beforeAll(async () => {
  for (const [backend, threads] of CASES) engines[`${backend}/${threads}`] = await createEngine({ backend, threads });
});
afterAll(() => {
  for (const e of Object.values(engines)) e?.dispose();
});

const compiled = (engine: Engine) => {
  const model = engine.sequential(CONFIG);
  model.compile({ optimizer: "adam", learningRate: 0.01 });
  return model;
};

describe.each(CASES)("on %s with %i thread(s)", (backend: Backend, threads: number) => {
  const engine = () => engines[`${backend}/${threads}`]!;

  it("refuses dispose() from inside fit, and fit ends with that one-line error; the model stays whole", async () => {
    const model = compiled(engine());
    await expect(
      model.fit(x, y, {
        batchSize: 10,
        epochs: 2,
        callbacks: {
          onBatchEnd: (step) => {
            if (step === 2) model.dispose();
          },
        },
      }),
    ).rejects.toThrow(/^cannot dispose of this model while fit\(\) runs; set model\.stopTraining = true/);
    // Not freed: it still trains, and gives the numbers of a model that never saw the refusal.
    const history = await model.fit(x, y, { batchSize: 10, epochs: 1 });
    expect(history.history.loss[0]).toBeGreaterThan(0);
    model.dispose();
  });

  it("refuses a second fit() while one runs, and the first one's history is that of a lone fit", async () => {
    const alone = compiled(engine());
    const expected = await alone.fit(x, y, { batchSize: 10, epochs: 2 });
    alone.dispose();
    const model = compiled(engine());
    const first = model.fit(x, y, { batchSize: 10, epochs: 2 });
    await expect(model.fit(x, y, { batchSize: 10, epochs: 2 })).rejects.toThrow(
      /^fit\(\) is already running on this model; await it before calling fit\(\) again$/,
    );
    expect(await first).toEqual(expected);
    model.dispose();
  });
});

describe.each(CASES)("a disposed engine (%s, %i thread(s))", (backend: Backend, threads: number) => {
  it("refuses every call of its own and of its models, with one line", async () => {
    const engine = await createEngine({ backend, threads });
    const model = compiled(engine);
    const saved = model.save();
    const data = engine.dataset(x, y);
    engine.dispose();
    const calls: [string, () => unknown][] = [
      ["sequential", () => engine.sequential(CONFIG)],
      ["loadModel", () => engine.loadModel(saved)],
      ["dataset", () => engine.dataset(x)],
      ["predict", () => model.predict(x)],
      ["evaluate", () => model.evaluate(x, y)],
      ["trainOnBatch", () => model.trainOnBatch(x, y)],
      ["deadUnits", () => model.deadUnits(x)],
      ["getWeights", () => model.getWeights()],
      ["compile", () => model.compile({ optimizer: "sgd", learningRate: 0.1 })],
    ];
    for (const [name, call] of calls) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(ArgumentError);
      expect((error as Error).message, name).toMatch(/engine was disposed/);
    }
    await expect(model.fit(data.x, data.y, { batchSize: 10 })).rejects.toThrow(/engine was disposed/);
    expect(() => model.dispose()).not.toThrow(); // disposing twice is harmless, as in TF.js
  });

  it("stops a fit that disposes of it from a callback at the next step", async () => {
    const engine = await createEngine({ backend, threads });
    const model = compiled(engine);
    const steps: number[] = [];
    await expect(
      model.fit(x, y, {
        batchSize: 10,
        epochs: 2,
        callbacks: {
          onBatchEnd: (step) => {
            steps.push(step);
            if (step === 1) engine.dispose();
          },
        },
      }),
    ).rejects.toThrow(/^this model's engine was disposed during fit\(\)$/);
    expect(steps).toEqual([0, 1]);
  });
});
