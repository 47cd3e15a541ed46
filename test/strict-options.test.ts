// Every options object of the public API refuses a key it does not know, naming it and the
// nearest valid one, instead of ignoring a misspelt option (as compile() always did).
import { beforeAll, describe, expect, it } from "vitest";
import { ArgumentError, createEngine, type Engine, type Sequential } from "../src/index.js";

let engine: Engine;
let model: Sequential;
const x = new Float32Array(8).fill(0.5);
const y = new Int32Array([0, 1]);

beforeAll(async () => {
  engine = await createEngine({ backend: "wasm-simd", threads: 1 });
  model = engine.sequential({
    inputSize: 4,
    layers: [
      { units: 3, activation: "relu" },
      { units: 2, activation: "softmax" },
    ],
  });
  model.compile({ optimizer: "sgd", learningRate: 0.1 });
});

const bad = (options: unknown) => options as never;

describe("unknown option names", () => {
  it.each([
    [
      "createEngine({ thread: 2 })",
      () => createEngine(bad({ thread: 2 })),
      /^createEngine\(\) has no option "thread"; did you mean "threads"\? \(it takes backend, setV8Flag, wasmBase, threads, threadTimeoutMs\)$/,
    ],
    [
      "fit({ batch_size: 32 })",
      () => model.fit(x, y, bad({ batch_size: 32 })),
      /^fit\(\) has no option "batch_size"; did you mean "batchSize"\?/,
    ],
    [
      "fit({ recycle: { evry: 3 } })",
      () => model.fit(x, y, bad({ batchSize: 2, recycle: { evry: 3 } })),
      /^recycle has no option "evry"; did you mean "every"\?/,
    ],
  ])("%s rejects with an ArgumentError naming the key and the nearest one", async (_name, call, message) => {
    await expect(call()).rejects.toThrow(ArgumentError);
    await expect(call()).rejects.toThrow(message);
  });

  it.each([
    [
      "evaluate(x, y, { batch_size: 2 })",
      () => model.evaluate(x, y, bad({ batch_size: 2 })),
      /^evaluate\(\) has no option "batch_size"; did you mean "batchSize"\? \(it takes batchSize\)$/,
    ],
    [
      "deadUnits(x, { treshold: 0.1 })",
      () => model.deadUnits(x, bad({ treshold: 0.1 })),
      /^deadUnits\(\) has no option "treshold" \(it takes nearlyDeadThreshold, tau\)$/,
    ],
    [
      "probe(x, { Tau: 0.1 })",
      () => model.probe(x, bad({ Tau: 0.1 })),
      /^probe\(\) has no option "Tau"; did you mean "tau"\?/,
    ],
    [
      "recycleDormant(x, { taus: 0.1 })",
      () => model.recycleDormant(x, bad({ taus: 0.1 })),
      /^recycleDormant\(\) has no option "taus"; did you mean "tau"\? \(it takes tau\)$/,
    ],
    [
      "sequential({ inputsize: 4 })",
      () => engine.sequential(bad({ inputsize: 4, inputSize: 4, layers: [{ units: 2, activation: "softmax" }] })),
      /^sequential\(\) has no option "inputsize"; did you mean "inputSize"\?/,
    ],
    [
      "a layer's { unit: 2 }",
      () => engine.sequential(bad({ inputSize: 4, layers: [{ units: 2, unit: 2, activation: "softmax" }] })),
      /^layers\[0\] has no option "unit"; did you mean "units"\?/,
    ],
  ])("%s throws an ArgumentError naming the key", (_name, call, message) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(message);
  });

  it("a refused call leaves the model and the engine usable, and known options still work", async () => {
    expect(() => model.evaluate(x, y, bad({ bachSize: 2 }))).toThrow(ArgumentError);
    const { history } = await model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false });
    expect(history.loss).toHaveLength(2);
    expect(model.evaluate(x, y, { batchSize: 1 }).loss).toBeGreaterThan(0);
    expect(model.deadUnits(x, { nearlyDeadThreshold: 0.5, tau: 0.1 })).toHaveLength(1);
  });

  it("options that are not an object are refused too", async () => {
    await expect(createEngine(bad(3))).rejects.toThrow("createEngine() must be an options object, got 3");
    expect(() => model.evaluate(x, y, bad([]))).toThrow(/^evaluate\(\) must be an options object/);
  });
});
