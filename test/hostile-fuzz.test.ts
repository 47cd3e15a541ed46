// Property-based hostile input (fast-check): whatever a stranger writes into a flag, a results
// file, a model file or a layer config, the answer is the library's own typed error with a
// one-line, bounded, printable message, or a valid result; never a TypeError, a RangeError or a
// trap from deeper down.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseSweepArgs } from "../src/cli/sweep.js";
import { checkReport } from "../src/study/check-report.js";
import { decodeModel } from "../src/engine/model-file.js";
import { createEngine, DyingReluError, type Engine } from "../src/index.js";
import { printable, show } from "../src/errors.js";

/** Runs `f`; a thrown error must be a DyingReluError whose message is one printable, bounded line. */
function typedOrFine(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DyingReluError)) throw new Error(`not a DyingReluError: ${String(e)}`);
    expect(e.message).not.toContain("\n");
    expect(printable(e.message, Infinity)).toBe(e.message);
    expect(e.message.length).toBeLessThan(2000);
  }
}

// Text that looks like a value: numbers of every kind, lists, names, junk and terminal escapes.
const valueText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.double().map(String),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(String),
  fc
    .array(fc.oneof(fc.double().map(String), fc.nat().map(String), fc.string({ maxLength: 4 })), { maxLength: 6 })
    .map((a) => a.join(",")),
  fc.constantFrom("1e400", "-0", "NaN", "Infinity", "0x10", " 3 ", "\u001b[2J", "1/0", "3/2", "0/0", "4294967312"),
);
const SWEEP_FLAGS = [
  "lr",
  "epochs",
  "batch-size",
  "validation-split",
  "validation-data",
  "layers",
  "probe",
  "probe-every",
  "seed",
  "seeds",
  "activation",
  "init",
  "alpha",
  "warmup",
  "optimizer",
  "momentum",
  "rho",
  "beta1",
  "beta2",
  "epsilon",
  "weight-decay",
  "clipnorm",
  "clipvalue",
  "global-clipnorm",
  "redo-every",
  "redo-tau",
  "shard",
  "workers",
  "threads",
  "backend",
];

describe("hostile input, property-based", () => {
  it("sweep flags: any values parse or give a typed one-line error", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...SWEEP_FLAGS), valueText), { maxLength: 5 }), (pairs) => {
        typedOrFine(() => parseSweepArgs(pairs.flatMap(([flag, value]) => [`--${flag}=${value}`])));
      }),
      { numRuns: 2000 },
    );
  });

  it("results files: any JSON value is a Report or a DataError", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => typedOrFine(() => checkReport(value, "x.json"))),
      { numRuns: 1000 },
    );
  });

  it("results files: a real-looking file with any one field replaced", () => {
    const base = { schemaVersion: 2, config: { learningRates: [0.1], epochs: 1 }, runs: [] as unknown[] };
    fc.assert(
      fc.property(fc.constantFrom("schemaVersion", "config", "runs"), fc.anything({ maxDepth: 4 }), (key, value) =>
        typedOrFine(() => checkReport({ ...base, [key]: value }, "x.json")),
      ),
      { numRuns: 500 },
    );
  });

  it("model files: any JSON text or value decodes or gives a ModelFileError", () => {
    const fileLike = fc.record(
      {
        format: fc.oneof(fc.constant("dying-relu-model"), fc.jsonValue({ maxDepth: 2 })),
        version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 2 })),
        inputSize: fc.oneof(fc.integer({ min: -3, max: 2 ** 33 }), fc.jsonValue({ maxDepth: 2 })),
        layers: fc.oneof(
          fc.array(
            fc.record({
              name: fc.string({ maxLength: 8 }),
              units: fc.integer({ min: -2, max: 2 ** 33 }),
              activation: fc.string({ maxLength: 8 }),
            }),
            { maxLength: 3 },
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        encoding: fc.oneof(fc.constantFrom("json", "float32-le-base64"), fc.jsonValue({ maxDepth: 1 })),
        weights: fc.jsonValue({ maxDepth: 4 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fileLike, fc.jsonValue({ maxDepth: 5 }), fc.string()), (file) => {
        typedOrFine(() => decodeModel(file));
        typedOrFine(() => decodeModel(JSON.stringify(file) ?? "null"));
      }),
      { numRuns: 1000 },
    );
  });

  it("show() of any value is one bounded, printable line", () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 5, withTypedArray: true }), (value) => {
        const text = show(value);
        expect(text).not.toContain("\n");
        expect(printable(text, Infinity)).toBe(text);
        expect(text.length).toBeLessThan(500);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("layer configs, property-based, on a real engine", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: "wasm-simd", threads: 1 });
  });
  afterAll(() => engine.dispose());

  it("any sizes and options build a model or give a typed error, and the engine keeps working", () => {
    const layer = fc.record(
      {
        units: fc.oneof(
          fc.integer({ min: -1, max: 3000 }),
          fc.constantFrom(2 ** 24, 2 ** 32 + 16, 65536, 1.5, Number.NaN),
        ),
        activation: fc.constantFrom("relu", "softmax", "elu", "gelu", "swish", "", "leaky_relu"),
        alpha: fc.oneof(fc.double(), fc.constant(undefined)),
        name: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(undefined)),
      },
      { requiredKeys: ["units", "activation"] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.constant(2 ** 31)),
        fc.array(layer, { maxLength: 3 }),
        (inputSize, layers) => {
          typedOrFine(() => engine.sequential({ inputSize, layers: layers as never }).dispose());
        },
      ),
      { numRuns: 300 },
    );
    const ok = engine.sequential({ inputSize: 3, layers: [{ units: 2, activation: "softmax" }] });
    expect(ok.predict(Float32Array.of(1, 2, 3)).length).toBe(2);
    ok.dispose();
  });
});
