// Sizes that do not fit the engine: refused on the host with an ArgumentError that names them,
// before anything reaches wasm's 32-bit arithmetic, and the engine keeps working afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArgumentError, createEngine, type Engine, type SequentialConfig } from "../src/index.js";
import { batchBytes, modelBytes } from "../src/engine/sizes.js";
import { BACKENDS, allEngines, type Backend } from "./support/engines.js";
import { cli } from "./support/cli.js";

let engines: Record<Backend, Engine>;
let threaded: Engine;
beforeAll(async () => {
  engines = await allEngines();
  threaded = await createEngine({ backend: "wasm-simd", threads: 2 });
});
afterAll(async () => {
  await threaded?.dispose();
});

const mlp = (inputSize: number, ...units: number[]): SequentialConfig => ({
  inputSize,
  layers: [
    ...units.map((u) => ({ units: u, activation: "relu" as const })),
    { units: 3, activation: "softmax" as const },
  ],
});

/** A small model trains and evaluates on `engine`: it is still usable. */
async function stillWorks(engine: Engine) {
  const model = engine.sequential(mlp(4, 5));
  model.compile({ optimizer: "adam", learningRate: 0.01 });
  const x = Float32Array.from({ length: 40 }, (_, i) => (i % 7) / 7);
  const y = Uint8Array.from({ length: 10 }, (_, i) => i % 3);
  const history = await model.fit(x, y, { epochs: 2, batchSize: 5 });
  expect(history.history.loss.every(Number.isFinite)).toBe(true);
  model.dispose();
}

const refused = (make: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ArgumentError);
  expect((error as Error).message).toMatch(message);
};

describe.each(BACKENDS)("sizes on %s", (backend) => {
  it("refuses a 65536 × 65536 layer by its memory, and the engine still works", async () => {
    const engine = engines[backend];
    refused(
      () => engine.sequential(mlp(65536, 65536)),
      /^this model needs (80|96)\.0 GiB of engine memory, more than the (2|1)\.0 GiB an engine on (1 thread|2 threads) can hold$/,
    );
    await stillWorks(engine);
  });

  it("refuses widths that do not fit in 32 bits instead of wrapping them", async () => {
    const engine = engines[backend];
    refused(
      () => engine.sequential(mlp(4, 2 ** 32 + 16)),
      /layers\[0\]\.units must be an integer in \[1, 16777216\], got 4294967312/,
    );
    refused(() => engine.sequential(mlp(2 ** 31, 4)), /inputSize must be an integer in \[1, 16777216\]/);
    await stillWorks(engine);
  });

  it("refuses a batch whose buffers do not fit, by its size, and the model still trains", async () => {
    const engine = engines[backend];
    const model = engine.sequential(mlp(784, 8192));
    model.compile({ optimizer: "sgd", learningRate: 0.01 });
    const rows = 40_000; // 134 kB of buffers per row: 5.4 GB
    const x = new Uint8Array(rows * 784);
    const y = new Uint8Array(rows);
    await expect(model.fit(x, y, { batchSize: rows, epochs: 1 })).rejects.toThrow(
      /^a batch of 40000 rows needs (5\.0|7\.5) GiB of engine memory, more than the (2|1)\.0 GiB/,
    );
    await model.fit(x.subarray(0, 784 * 64), y.subarray(0, 64), { batchSize: 32, epochs: 1 });
    model.dispose();
    await stillWorks(engine);
  });
});

describe("sizes on two threads", () => {
  it("hold against the threaded build's 1 GiB", async () => {
    refused(() => threaded.sequential(mlp(16384, 8192)), /more than the 1\.0 GiB an engine on 2 threads can hold/);
    await stillWorks(threaded);
  });
});

describe("the size arithmetic", () => {
  it("counts every arena of a model exactly as assembly/model.ts lays them out", () => {
    // 784-128-64-32-10 padded to 784-128-64-32-16: 109,936 parameters, five arenas.
    const params = 784 * 128 + 128 + 128 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16;
    const wt = 128 * 64;
    const flags = 3 * (128 + 64 + 32 + 16);
    expect(modelBytes(784, [128, 64, 32, 10], 1)).toBe(4 * (5 * params + wt + flags));
    expect(modelBytes(784, [128, 64, 32, 10], 2)).toBe(4 * (6 * params + 2 * wt + 2 * flags));
  });

  it("bounds a batch's buffers from above, each further thread holding its share", () => {
    const perRow = 4 * (784 + 1 + 2 * 128 + 2 * (128 + 64 + 32 + 16));
    expect(batchBytes(256, 784, [128, 64, 32, 10], 1)).toBe(256 * perRow);
    expect(batchBytes(256, 784, [128, 64, 32, 10], 2)).toBe((256 + 128) * perRow);
  });
});

describe("sizes through the CLI", () => {
  it.each([
    [
      ["--layers", "100000,100000"],
      /^dying-relu: an MLP 784-100000-100000-10 needs 225\.0 GiB of engine memory, more than the 2\.0 GiB/,
    ],
    [["--layers", "4294967312"], /^dying-relu: --layers must be between 1 and 16777216, got 4294967312$/],
    [
      ["--layers", "4000", "--batch-size", "48000", "--workers", "1", "--threads", "1"],
      /^dying-relu: a batch of 48000 rows needs 3\.0 GiB/,
    ],
    [
      ["--layers", "4000", "--batch-size", "48000", "--workers", "2", "--threads", "1"],
      /^dying-relu: learning rate [\d.]+ \(seed 42\): a batch of 48000 rows needs 3\.0 GiB/,
    ],
  ])("sweep %j: one line, exit code 2", async (flags, message) => {
    const { code, stderr } = await cli("sweep", "--epochs", "1", "--quiet", ...flags);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });
});
