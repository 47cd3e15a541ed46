// The lab page's settings without a browser: URL ↔ settings with validation, the study they
// spell for the CLI and the engine.
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
import { cliCommand, cliGaps, compileOptions, labRuns, studyConfig } from "../src/web/study-config.js";
import { initialState, runLabel } from "../src/web/state.js";
import { NOTEBOOK } from "../src/study/config.js";
import { HIDDEN_ACTIVATIONS } from "../src/engine/activations.js";
import { INITIALIZERS } from "../src/engine/initializers.js";
import { OPTIMIZERS } from "../src/engine/optimizer.js";

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
