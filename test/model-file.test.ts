// Model files: model.save() → JSON → engine.loadModel() gives the same predictions, and files of
// another format, version or shape, or with corrupt content, are refused with a ModelFileError.
import { describe, it, expect, beforeAll } from "vitest";
import { createEngine, ModelFileError, DataError, type Engine, type ModelFile } from "../src/index.js";
import { TINY, randomWeights, tinyBatch } from "./support/tiny.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});

const roundTrip = (file: ModelFile) => JSON.parse(JSON.stringify(file));

describe("model.save() and engine.loadModel()", () => {
  it("give identical predictions, weights and layers after a JSON round trip", async () => {
    const model = engine.sequential({ ...TINY, seed: 3 });
    model.compile({ optimizer: "adam", learningRate: 0.01 });
    const { x, y } = tinyBatch(1, 64);
    await model.fit(x, y, { epochs: 3, batchSize: 16 });
    const file = model.save();
    expect(file).toMatchObject({ format: "dying-relu-model", version: 1, inputSize: 7, encoding: "float32-le-base64" });
    expect(file.layers).toEqual([
      { name: "dense_1", units: 5, activation: "relu" },
      { name: "dense_2", units: 6, activation: "relu" },
      { name: "dense_3", units: 3, activation: "softmax" },
    ]);
    const loaded = engine.loadModel(JSON.stringify(file));
    expect(loaded.predict(x)).toEqual(model.predict(x));
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.deadUnits(x)).toEqual(model.deadUnits(x));
    // The parsed object works as well, and on the js backend.
    const js = await createEngine({ backend: "js" });
    expect(js.loadModel(roundTrip(file)).getWeights()).toEqual(model.getWeights());
  });

  it("keep NaN and Inf weights (a diverged run) exactly", () => {
    const model = engine.sequential(TINY);
    const w = randomWeights(2);
    w[0].kernel[3] = NaN;
    w[1].bias[0] = -Infinity;
    model.setWeights(w);
    const back = engine.loadModel(roundTrip(model.save())).getWeights();
    expect(Number.isNaN(back[0].kernel[3])).toBe(true);
    expect(back[1].bias[0]).toBe(-Infinity);
  });

  it("read plain number arrays (no encoding)", () => {
    const w = randomWeights(4);
    const file = {
      format: "dying-relu-model",
      version: 1,
      inputSize: 7,
      layers: [
        { name: "a", units: 5, activation: "relu" },
        { name: "b", units: 6, activation: "relu" },
        { name: "c", units: 3, activation: "softmax" },
      ],
      weights: w.map((l) => ({ kernel: Array.from(l.kernel), bias: Array.from(l.bias) })),
    };
    expect(engine.loadModel(file).getWeights()).toEqual(w);
  });

  describe("refuse bad files with a one-line ModelFileError", () => {
    const good = () => {
      const m = engine.sequential(TINY);
      m.setWeights(randomWeights(5));
      return roundTrip(m.save());
    };
    const cases: [string, () => unknown, RegExp][] = [
      ["text that is not JSON", () => "{ not json", /model file is not JSON/],
      [
        "another format",
        () => ({ ...good(), format: "keras" }),
        /not a dying-relu model file: expected "format": "dying-relu-model", got "keras"/,
      ],
      ["no format at all", () => ({ weights: [] }), /not a dying-relu model file/],
      [
        "another version",
        () => ({ ...good(), version: 2 }),
        /model file version 2 is not supported \(this engine reads version 1\)/,
      ],
      [
        "corrupt base64",
        () => {
          const f = good();
          f.weights[1].kernel = "@@not base64@@";
          return f;
        },
        /layer dense_2 kernel is not valid base64/,
      ],
      [
        "a truncated kernel",
        () => {
          const f = good();
          f.weights[0].kernel = f.weights[0].kernel.slice(0, 40);
          return f;
        },
        /layer dense_1 kernel holds \d+ (values|bytes)/,
      ],
      [
        "weights of another shape",
        () => {
          const f = good();
          f.layers[1].units = 7;
          return f;
        },
        /layer dense_2 kernel holds 30 values, but its layer's shape needs 35/,
      ],
      [
        "a missing layer's weights",
        () => {
          const f = good();
          f.weights.pop();
          return f;
        },
        /weights must hold one \{ kernel, bias \} per layer \(3\), got 2/,
      ],
      [
        "an unknown activation",
        () => {
          const f = good();
          f.layers[0].activation = "swish";
          return f;
        },
        /model file: layers\[0\]\.activation must be one of/,
      ],
      ["an unknown encoding", () => ({ ...good(), encoding: "float16" }), /unknown encoding "float16"/],
      ["a bad input size", () => ({ ...good(), inputSize: 0 }), /inputSize must be a whole number ≥ 1, got 0/],
    ];
    it.each(cases)("%s", (_name, file, message) => {
      let error: unknown;
      try {
        engine.loadModel(file());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelFileError);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    });
  });
});
