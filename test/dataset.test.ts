// engine.dataset: inputs and labels copied into the engine's memory once. Every method that takes
// arrays gives the same numbers bit for bit with a dataset (serial, threaded and js engines), the
// arrays are not copied again, and misuse (another engine, disposed, bad labels) is one-line errors.
import { describe, it, expect, afterAll, vi } from "vitest";
import { createEngine, ArgumentError, type Engine, type SequentialConfig } from "../src/index.js";
import { WasmMemory } from "../src/engine/memory.js";
import { mnistSlice } from "./support/idx-files.js";

const train = mnistSlice("train", 600);
const floats = Float32Array.from(train.images.subarray(0, 200 * 784), (v) => v / 255);
const NET: SequentialConfig = {
  inputSize: 784,
  layers: [
    { units: 32, activation: "relu" },
    { units: 16, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 5,
};
const engines: Engine[] = [];
afterAll(() => engines.forEach((e) => e.dispose()));

async function engine(backend: "wasm-simd" | "js", threads: number): Promise<Engine> {
  const e = await createEngine({ backend, threads });
  engines.push(e);
  return e;
}

describe.each([
  ["wasm-simd", 1],
  ["wasm-simd", 2],
  ["js", 1],
] as const)("%s on %i thread(s)", (backend, threads) => {
  it("gives every method's results bit for bit as the arrays do", async () => {
    const e = await engine(backend, threads);
    const ds = e.dataset(train.images, train.labels);
    const probe = e.dataset(floats);
    const [a, b] = [e.sequential(NET), e.sequential(NET)];
    for (const m of [a, b]) m.compile({ optimizer: "adam", learningRate: 0.003 });
    const options = { epochs: 2, batchSize: 50, validationSplit: 0.25 };
    expect(await b.fit(ds.x, ds.y, options)).toEqual(await a.fit(train.images, train.labels, options));
    expect(b.getWeights()).toEqual(a.getWeights());
    expect(b.evaluate(ds.x, ds.y)).toEqual(a.evaluate(train.images, train.labels));
    expect(b.predict(probe.x)).toEqual(a.predict(floats));
    expect(b.probe(probe.x)).toEqual(a.probe(floats));
    expect(b.unitActivity(ds.x)).toEqual(a.unitActivity(train.images));
    expect(b.computeGradients(ds.x, ds.y)).toEqual(a.computeGradients(train.images, train.labels));
    expect(b.trainOnBatch(ds.x, ds.y)).toEqual(a.trainOnBatch(train.images, train.labels));
    expect(b.recycleDormant(ds.x, { tau: 0.5 })).toEqual(a.recycleDormant(train.images, { tau: 0.5 }));
    const val = e.dataset(train.images.subarray(0, 100 * 784), train.labels.subarray(0, 100));
    const withVal = { epochs: 1, batchSize: 64 };
    expect(await b.fit(ds.x, ds.y, { ...withVal, validationData: [val.x, val.y] })).toEqual(
      await a.fit(train.images, train.labels, {
        ...withVal,
        validationData: [train.images.subarray(0, 100 * 784), train.labels.subarray(0, 100)],
      }),
    );
    for (const d of [ds, probe, val]) d.dispose();
  });
});

describe("engine.dataset", () => {
  it("is read in place: fit and evaluate copy no inputs or labels into wasm memory", async () => {
    const e = await engine("wasm-simd", 1);
    const ds = e.dataset(train.images, train.labels);
    const model = e.sequential(NET);
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    const upload = vi.spyOn(WasmMemory.prototype, "upload");
    try {
      await model.fit(ds.x, ds.y, { epochs: 1, batchSize: 100 });
      model.evaluate(ds.x, ds.y);
      model.deadUnits(ds.x);
      const sizes = upload.mock.calls.map(([a]) => a.length);
      expect(sizes).not.toContain(train.images.length);
      expect(sizes).not.toContain(train.labels.length);
      upload.mockClear();
      await model.fit(train.images, train.labels, { epochs: 1, batchSize: 100 });
      expect(upload.mock.calls.map(([a]) => a.length)).toEqual(
        expect.arrayContaining([train.images.length, train.labels.length]),
      );
    } finally {
      upload.mockRestore();
      ds.dispose();
    }
  });

  it("refuses another engine's data, disposed data, and labels outside the model's classes, in one line", async () => {
    const [e1, e2] = [await engine("wasm-simd", 1), await engine("wasm-simd", 1)];
    const ds = e1.dataset(train.images, train.labels);
    const model = e2.sequential(NET);
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    await expect(model.fit(ds.x, ds.y)).rejects.toThrow(ArgumentError);
    await expect(model.fit(ds.x, ds.y)).rejects.toThrow(
      "x belongs to another engine's dataset; make it with this model's engine",
    );
    expect(() => model.evaluate(train.images, ds.y)).toThrow(
      "y belongs to another engine's dataset; make it with this model's engine",
    );

    const own = e2.dataset(train.images, train.labels);
    own.dispose();
    expect(() => model.predict(own.x)).toThrow("x belongs to a dataset that was disposed");
    expect(() => model.evaluate(train.images, own.y)).toThrow("y belongs to a dataset that was disposed");
    own.dispose(); // a second dispose does nothing

    const labels = Uint8Array.from(train.labels);
    labels[7] = 12;
    const bad = e2.dataset(train.images, labels);
    expect(() => model.evaluate(bad.x, bad.y)).toThrow("y[7] is 12, but class indices must be in [0, 10)");
    const short = e2.dataset(train.images, train.labels.subarray(0, 10));
    expect(() => model.evaluate(short.x, short.y)).toThrow("y has 10 labels for 600 samples");
    const ragged = e2.dataset(train.images.subarray(0, 1000));
    expect(() => model.predict(ragged.x)).toThrow("x must hold whole samples of 784 values, got 1000 values");
    for (const d of [ds, bad, short, ragged]) d.dispose();
  });

  it("refuses a dataset disposed by a callback during fit", async () => {
    const e = await engine("wasm-simd", 1);
    const ds = e.dataset(train.images, train.labels);
    const model = e.sequential(NET);
    model.compile({ optimizer: "adam", learningRate: 0.001 });
    const fitting = model.fit(ds.x, ds.y, {
      epochs: 1,
      batchSize: 100,
      callbacks: { onBatchEnd: (batch) => void (batch === 1 && ds.dispose()) },
    });
    await expect(fitting).rejects.toThrow("x belongs to a dataset that was disposed");
  });

  it("checks its arguments when it is made", async () => {
    const e = await engine("wasm-simd", 1);
    expect(() => e.dataset([1, 2, 3] as unknown as Uint8Array)).toThrow(
      "x must be a Float32Array or a Uint8Array of pixel bytes, got [1, 2, 3]",
    );
    expect(() => e.dataset(new Uint8Array(0))).toThrow("x must hold at least one sample, got 0 values");
    expect(() => e.dataset(train.images, Float32Array.of(1) as unknown as Uint8Array)).toThrow(
      /^y must be class indices in a Uint8Array or Int32Array, got /,
    );
    expect(() => e.dataset(train.images, Int32Array.of(3, -1))).toThrow("y[1] is -1, but class indices must be ≥ 0");
  });
});
