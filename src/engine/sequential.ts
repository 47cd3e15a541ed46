// A Keras-style sequential MLP whose numeric work all runs in the wasm engine. This class owns
// the model's arena pointer, checks arguments, moves data in and out of wasm memory and runs
// the epoch loop; it does no arithmetic on the data itself.
import { ArgumentError, show } from "../errors.js";
import { DENSE, EVALUATE, FIT, trainCount } from "../keras-defaults.js";
import { fraction, integerAtLeast, integerIn, knownKeys, nonNegative } from "../validate.js";
import type { Kernels } from "./abi.js";
import { WasmMemory } from "./memory.js";
import {
  ACTIVATION_SPECS,
  HIDDEN_ACTIVATIONS,
  deadDefinition,
  type Activation,
  type HiddenActivation,
} from "./activations.js";
import { resolveLayers, type Layer } from "./layers.js";
import { MAX_UNITS, allocating, batchBytes, checkFits, modelBytes } from "./sizes.js";
import {
  DEFAULT_SEED,
  type FitOptions,
  type History,
  type InputData,
  type LabelData,
  type RecycleOptions,
  type RecycledUnits,
  type LayerWeights,
  type Logs,
  type SequentialConfig,
} from "./types.js";
import { INITIALIZER_CODES } from "./initializers.js";
import { ResidentInputs, ResidentLabels } from "./dataset.js";
import { SerialRunner, writeUpdate, type Runner, type Update } from "./runner.js";
import { resolveOptimizer, type CompileConfig, type Optimizer } from "./optimizer.js";
import {
  DEFAULT_NEARLY_DEAD_THRESHOLD,
  DEFAULT_TAU,
  activityCounts,
  type DeadUnits,
  type DeadUnitsOptions,
  type UnitActivity,
} from "./dead-units.js";
import { encodeModel, type ModelFile } from "./model-file.js";
import { printSummary } from "./summary.js";
import { checkLabels, pixelBytes, rowsOf } from "./data-checks.js";

// The option names of each options object, so that a misspelt one is refused (knownKeys).
const FIT_OPTIONS = [
  "epochs",
  "batchSize",
  "shuffle",
  "validationSplit",
  "validationData",
  "callbacks",
  "recycle",
] as const satisfies readonly (keyof FitOptions)[];
const DEAD_UNITS_OPTIONS = ["nearlyDeadThreshold", "tau"] as const satisfies readonly (keyof DeadUnitsOptions)[];

/** Whether deadUnits/deadMask report a layer's units: those of hidden activations. */
const isHidden = (a: Activation): a is HiddenActivation => (HIDDEN_ACTIVATIONS as readonly Activation[]).includes(a);

// Evaluation, prediction and probes run in chunks of at least this many rows.
const CHUNK_ROWS = 256;

export class Sequential {
  readonly inputSize: number;
  readonly seed: number;
  private readonly layers: Layer[];
  private readonly mem: WasmMemory;
  private handle: number;
  private optimizer: Optimizer | null = null;
  /** Set from a callback to end fit() after the current batch, as in Keras. */
  stopTraining = false;
  /** True while a fit() runs: a second one, or dispose(), is refused. */
  private fitting = false;

  /**
   * Made by `engine.sequential(config)`. `runner` executes the batch work: on this thread by
   * default, or on the engine's threads.
   * @internal
   */
  constructor(
    private readonly k: Kernels,
    config: SequentialConfig,
    private readonly runner: Runner = new SerialRunner(k),
  ) {
    this.mem = new WasmMemory(k);
    if (config === null || typeof config !== "object")
      throw new ArgumentError(`sequential() needs a config object, got ${show(config)}`);
    knownKeys("sequential()", config, ["inputSize", "layers", "seed"]);
    this.inputSize = integerIn("inputSize", config.inputSize, 1, MAX_UNITS);
    this.seed = config.seed === undefined ? DEFAULT_SEED : integerAtLeast("seed", config.seed, 0);
    if (this.seed > 0xffffffff) throw new ArgumentError(`seed must be an integer in [0, 2^32), got ${this.seed}`);
    this.layers = resolveLayers(this.inputSize, config.layers);
    const bytes = modelBytes(this.inputSize, this.units, runner.threads);
    checkFits("this model", bytes, runner.threads);
    this.handle = this.mem.with(
      [
        Int32Array.from(this.layers, (l) => l.units),
        Int32Array.from(this.layers, (l) => ACTIVATION_SPECS[l.activation].code),
      ],
      ([units, acts]) =>
        allocating("this model", bytes, () => k.modelNew(this.inputSize, this.layers.length, units, acts, this.seed)),
    );
    this.layers.forEach((l, i) => {
      if (l.alpha !== 0) k.layerSetAlpha(this.handle, i, l.alpha);
      if (l.l2 > 0) k.layerSetL2(this.handle, i, l.l2);
    });
    // modelNew drew glorot_uniform kernels; other initialisers redraw all from the same seed.
    if (this.layers.some((l) => l.kernelInitializer !== DENSE.kernelInitializer)) {
      this.mem.with([Int32Array.from(this.layers, (l) => INITIALIZER_CODES[l.kernelInitializer])], ([inits]) =>
        k.modelInitialize(this.handle, inits, this.seed),
      );
    }
  }

  private get units(): number[] {
    return this.layers.map((l) => l.units);
  }

  /** Makes room for batches of `rows` rows, or refuses a batch that the engine cannot hold. */
  private reserve(m: number, rows: number): void {
    const threads = this.runner.threads;
    const bytes = batchBytes(rows, this.inputSize, this.units, threads);
    checkFits(`a batch of ${rows} rows`, bytes, threads);
    allocating(`a batch of ${rows} rows`, bytes, () => this.runner.reserve(m, rows));
  }

  get outputSize(): number {
    return this.layers[this.layers.length - 1].units;
  }

  /** Sets up a fresh optimizer (Keras 3's defaults for what is left out). */
  compile(config: CompileConfig): void {
    this.optimizer = resolveOptimizer(config);
    this.k.modelResetOptimizer(this.live());
  }

  /**
   * The optimizer step for the update after `iterations` earlier ones, its learning rate warmed
   * up as Keras 3's CosineDecay warmup from 0: (target − 0)·(iterations/warmupSteps) + 0 while
   * iterations < warmupSteps (so the very first update has rate 0, as in Keras), then constant.
   */
  private updateAt(opt: Optimizer, iterations: number): Update {
    if (iterations >= opt.warmupSteps) return opt;
    return { ...opt, learningRate: opt.learningRate * (iterations / opt.warmupSteps) };
  }

  async fit(x: InputData, y: LabelData, options: FitOptions = {}): Promise<History> {
    if (this.fitting) {
      throw new ArgumentError("fit() is already running on this model; await it before calling fit() again");
    }
    knownKeys("fit()", options, FIT_OPTIONS);
    const opt = this.compiled();
    const epochs = integerAtLeast("epochs", options.epochs ?? FIT.epochs, 1);
    const batchSize = integerAtLeast("batchSize", options.batchSize ?? FIT.batchSize, 1);
    const shuffle = options.shuffle ?? FIT.shuffle;
    const split = fraction("validationSplit", options.validationSplit ?? FIT.validationSplit);
    const cb = options.callbacks ?? {};
    const n = rowsOf(this.k, this.inputSize, x, "x");
    checkLabels(this.k, this.outputSize, y, n, "y");
    if (options.validationData && split > 0) {
      throw new ArgumentError("give either validationSplit or validationData, not both");
    }
    const nTrain = split > 0 ? trainCount(n, split) : n;
    if (split > 0 && (nTrain < 1 || nTrain === n)) {
      throw new ArgumentError(`validationSplit ${split} of ${n} samples leaves an empty training or validation set`);
    }
    if (batchSize > nTrain) {
      throw new ArgumentError(`batchSize must be at most the ${nTrain} training samples, got ${batchSize}`);
    }
    const recycle = options.recycle === undefined ? null : this.recycleOptions(options.recycle, batchSize, nTrain);
    let valData: [InputData, LabelData] | null = null;
    if (options.validationData) {
      const [vx, vy] = options.validationData;
      checkLabels(
        this.k,
        this.outputSize,
        vy,
        rowsOf(this.k, this.inputSize, vx, "validationData[0]"),
        "validationData[1]",
      );
      valData = [vx, vy];
    }

    const m = this.live();
    this.reserve(m, Math.max(batchSize, CHUNK_ROWS));
    const history: History = {
      epoch: [],
      history: { loss: [], accuracy: [], val_loss: [], val_accuracy: [] },
      diverged: null,
    };
    if (recycle) history.recycled = [];
    let trained = 0; // steps of this fit, for recycle.every
    const isU8 = pixelBytes(x);
    const ptrs: number[] = [];
    const keep = (p: number) => {
      ptrs.push(p);
      return p;
    };
    this.stopTraining = false;
    this.fitting = true;
    try {
      const data = this.inputsAt(x, keep);
      const labels = this.labelsAt(y, keep);
      // A callback may dispose a dataset being trained on, or the engine: refuse to go on rather
      // than read freed memory.
      const stillThere = () => {
        if (this.runner.disposed) throw new ArgumentError("this model's engine was disposed during fit()");
        if (x instanceof ResidentInputs) x.pointer(this.k, "x");
        if (y instanceof ResidentLabels) y.pointer(this.k, "y");
      };
      // The sample order 0…nTrain−1, written in place (Array.from with a callback costs ms here).
      const idx = keep(this.k.alloc(Math.max(4 * nTrain, 16)));
      const order = this.mem.u32(idx, nTrain);
      for (let i = 0; i < nTrain; i++) order[i] = i;
      const steps = Math.ceil(nTrain / batchSize);
      await cb.onTrainBegin?.();
      for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
        await cb.onEpochBegin?.(epoch);
        if (shuffle) this.k.modelShuffle(m, idx, nTrain);
        let lossSum = 0;
        let hits = 0;
        let seen = 0;
        const recycled = new Array<number>(this.layers.length - 1).fill(0);
        for (let step = 0; step < steps && !this.stopTraining; step++) {
          const start = step * batchSize;
          const rows = Math.min(batchSize, nTrain - start);
          stillThere();
          const { loss, hits: stepHits } = this.runner.step(m, this.updateAt(opt, this.k.modelStep(m)), {
            data,
            isU8,
            labels,
            idx,
            start,
            rows,
          });
          if (!Number.isFinite(loss)) {
            history.diverged = { epoch: epoch + 1, step: step + 1 };
            break;
          }
          lossSum += loss;
          hits += stepHits;
          seen += rows;
          if (recycle && ++trained % recycle.every === 0) {
            this.recycleProbe(m, data, isU8, idx, recycle.probe, recycle.tau).forEach(
              (r, l) => (recycled[l] += r.recycled),
            );
          }
          await cb.onBatchEnd?.(step, { loss: lossSum / seen, accuracy: hits / seen });
        }
        if (history.diverged || seen === 0) break;
        const logs: Logs = { loss: lossSum / seen, accuracy: hits / seen };
        if (valData) {
          const v = this.evaluate(valData[0], valData[1]);
          logs.val_loss = v.loss;
          logs.val_accuracy = v.accuracy;
        } else if (nTrain < n) {
          stillThere();
          const v = this.evaluateRows(data, isU8, labels, nTrain, n - nTrain);
          logs.val_loss = v.loss;
          logs.val_accuracy = v.accuracy;
        }
        history.epoch.push(epoch);
        history.recycled?.push(recycled);
        history.history.loss.push(logs.loss);
        history.history.accuracy.push(logs.accuracy);
        if (logs.val_loss !== undefined) {
          history.history.val_loss.push(logs.val_loss);
          history.history.val_accuracy.push(logs.val_accuracy!);
        }
        await cb.onEpochEnd?.(epoch, logs);
      }
      await cb.onTrainEnd?.(history);
      return history;
    } finally {
      this.fitting = false;
      if (!this.runner.disposed) for (const p of ptrs) this.k.free(p);
    }
  }

  /** One optimizer step on exactly this batch; the loss and accuracy are those before the update. */
  trainOnBatch(x: InputData, y: LabelData): { loss: number; accuracy: number } {
    const opt = this.compiled();
    const n = rowsOf(this.k, this.inputSize, x, "x");
    checkLabels(this.k, this.outputSize, y, n, "y");
    const m = this.live();
    this.reserve(m, n);
    return this.withData(x, y, (data, isU8, labels) => {
      const { loss, hits } = this.runner.step(m, this.updateAt(opt, this.k.modelStep(m)), {
        data,
        isU8,
        labels,
        idx: 0,
        start: 0,
        rows: n,
      });
      return { loss: loss / n, accuracy: hits / n };
    });
  }

  /** Mean categorical cross-entropy and accuracy over all samples. */
  evaluate(x: InputData, y: LabelData, options: { batchSize?: number } = {}): { loss: number; accuracy: number } {
    knownKeys("evaluate()", options, ["batchSize"]);
    const batchSize = integerAtLeast("batchSize", options.batchSize ?? EVALUATE.batchSize, 1);
    const n = rowsOf(this.k, this.inputSize, x, "x");
    checkLabels(this.k, this.outputSize, y, n, "y");
    this.reserve(this.live(), Math.max(batchSize, CHUNK_ROWS));
    return this.withData(x, y, (data, isU8, labels) => this.evaluateRows(data, isU8, labels, 0, n));
  }

  /** Output probabilities, [samples, units] row-major. */
  predict(x: InputData): Float32Array {
    const n = rowsOf(this.k, this.inputSize, x, "x");
    const m = this.live();
    this.reserve(m, CHUNK_ROWS);
    const units = this.outputSize;
    return this.withData(x, null, (data, isU8) =>
      this.mem.with([new Float32Array(n * units)], ([out]) => {
        this.runner.predict(m, { data, isU8, labels: 0, idx: 0, start: 0, rows: n }, out, units);
        return this.mem.f32(out, n * units).slice();
      }),
    );
  }

  /**
   * One ReDo step by hand: probes x and recycles the τ-dormant units of every hidden layer (see
   * RecycleOptions); per hidden layer, which units it recycled.
   */
  recycleDormant(x: InputData, options: { tau?: number } = {}): RecycledUnits[] {
    knownKeys("recycleDormant()", options, ["tau"]);
    const tau = nonNegative("tau", options.tau ?? DEFAULT_TAU);
    const n = rowsOf(this.k, this.inputSize, x, "x");
    const m = this.live();
    this.reserve(m, CHUNK_ROWS);
    return this.withData(x, null, (data, isU8) => this.recycleProbe(m, data, isU8, 0, n, tau));
  }

  /** Probes rows [0, rows) of data (through idx when != 0), then recycles the dormant units. */
  private recycleProbe(m: number, data: number, isU8: number, idx: number, rows: number, tau: number): RecycledUnits[] {
    this.runner.probe(m, { data, isU8, labels: 0, idx, start: 0, rows });
    this.runner.settle(); // the probe's statistics are merged into m, which modelRecycle reads
    const hidden = this.layers.slice(0, -1);
    const flags = new Int32Array(hidden.reduce((s, l) => s + l.units, 0));
    const inits = Int32Array.from(this.layers, (l) => INITIALIZER_CODES[l.kernelInitializer]);
    this.mem.with([inits, flags], ([i, f]) => {
      this.k.modelRecycle(m, tau, i, f);
      flags.set(new Int32Array(this.k.memory.buffer, f, flags.length));
    });
    let at = 0;
    return hidden.map((l) => {
      const units = Uint8Array.from(flags.subarray(at, at + l.units));
      at += l.units;
      return { layer: l.name, recycled: units.reduce((s, v) => s + v, 0), units };
    });
  }

  private recycleOptions(r: RecycleOptions, batchSize: number, nTrain: number): Required<RecycleOptions> {
    if (r === null || typeof r !== "object")
      throw new ArgumentError(`recycle must be { every, tau?, probe? }, got ${show(r)}`);
    knownKeys("recycle", r, ["every", "tau", "probe"]);
    const every = integerAtLeast("recycle.every", r.every, 1);
    const tau = nonNegative("recycle.tau", r.tau ?? DEFAULT_TAU);
    const probe = integerAtLeast("recycle.probe", r.probe ?? batchSize, 1);
    if (probe > nTrain)
      throw new ArgumentError(`recycle.probe must be at most the ${nTrain} training samples, got ${probe}`);
    return { every, tau, probe };
  }

  /**
   * Dead units per hidden relu, leaky_relu, elu or gelu layer: for ReLU those whose output is
   * exactly 0 for every sample of x, for the others those whose output is never positive. Each
   * entry also counts the nearly dead units (active, output > 0, on fewer than
   * `nearlyDeadThreshold` of the samples) and the τ-dormant ones (Sokar et al. 2023).
   */
  deadUnits(x: InputData, options: DeadUnitsOptions = {}): DeadUnits[] {
    knownKeys("deadUnits()", options, DEAD_UNITS_OPTIONS);
    return this.probe(x, options).deadUnits;
  }

  /** deadUnits and deadMask from one pass over x, for callers that want both (e.g. every epoch). */
  probe(x: InputData, options: DeadUnitsOptions = {}): { deadUnits: DeadUnits[]; masks: Uint8Array[] } {
    knownKeys("probe()", options, DEAD_UNITS_OPTIONS);
    const threshold = options.nearlyDeadThreshold ?? DEFAULT_NEARLY_DEAD_THRESHOLD;
    if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
      throw new ArgumentError(`nearlyDeadThreshold must be a number in [0, 1], got ${show(threshold)}`);
    }
    const tau = nonNegative("tau", options.tau ?? DEFAULT_TAU);
    const n = rowsOf(this.k, this.inputSize, x, "x");
    const m = this.probeDead(x);
    const deadUnits: DeadUnits[] = [];
    const masks: Uint8Array[] = [];
    this.layers.forEach((l, i) => {
      if (!isHidden(l.activation)) return;
      const dead = this.k.deadCount(m, i);
      const definition = deadDefinition(l.activation);
      const { active, absSum } = this.probedActivity(m, i, l.units);
      deadUnits.push({
        layer: l.name,
        units: l.units,
        dead,
        fraction: dead / l.units,
        definition,
        ...activityCounts(active, absSum, n, threshold, tau),
      });
      masks.push(Uint8Array.from(this.mem.u32(this.k.layerAlive(m, i), l.units), (a) => (a === 0 ? 1 : 0)));
    });
    return { deadUnits, masks };
  }

  /**
   * Per hidden relu, leaky_relu, elu or gelu layer, the probe statistics deadUnits derives its
   * counts from: per unit, the number of samples of x with output > 0 and Σ_x |output| (f32).
   */
  unitActivity(x: InputData): UnitActivity[] {
    const samples = rowsOf(this.k, this.inputSize, x, "x");
    const m = this.probeDead(x);
    return this.layers.flatMap((l, i) =>
      isHidden(l.activation) ? [{ layer: l.name, samples, ...this.probedActivity(m, i, l.units) }] : [],
    );
  }

  private probedActivity(m: number, i: number, units: number): { active: Uint32Array; absSum: Float32Array } {
    return {
      active: this.mem.u32(this.k.layerActive(m, i), units).slice(),
      absSum: this.mem.f32(this.k.layerAbsSum(m, i), units).slice(),
    };
  }

  /** Per layer deadUnits reports, one byte per unit: 1 where the unit is dead on x, else 0. */
  deadMask(x: InputData): Uint8Array[] {
    return this.probe(x).masks;
  }

  /** Runs x through the dead-unit probe, leaving each layer's per-unit "fired" flags in wasm memory. */
  private probeDead(x: InputData): number {
    const n = rowsOf(this.k, this.inputSize, x, "x");
    const m = this.live();
    this.reserve(m, CHUNK_ROWS);
    this.withData(x, null, (data, isU8) => this.runner.probe(m, { data, isU8, labels: 0, idx: 0, start: 0, rows: n }));
    return this.live();
  }

  /**
   * The model's layers and weights as a model file (format "dying-relu-model", version 1; see
   * model-file.ts); JSON.stringify it to write it, engine.loadModel() to read it back.
   */
  save(): ModelFile {
    return encodeModel(this.inputSize, this.layers, this.getWeights());
  }

  getWeights(): LayerWeights[] {
    const m = this.live();
    return this.readLayers(
      (i) => this.k.layerWeights(m, i),
      (i) => this.k.layerBias(m, i),
    );
  }

  /**
   * Gradients of the mean loss over (x, y) with respect to every kernel and bias, in getWeights'
   * layout; the weights are left as they are (TF.js: optimizer.computeGradients).
   */
  computeGradients(x: InputData, y: LabelData): { loss: number; grads: LayerWeights[] } {
    const n = rowsOf(this.k, this.inputSize, x, "x");
    checkLabels(this.k, this.outputSize, y, n, "y");
    const m = this.live();
    this.reserve(m, n);
    const { loss } = this.withData(x, y, (data, isU8, labels) =>
      this.runner.gradients(m, { data, isU8, labels, idx: 0, start: 0, rows: n }),
    );
    const grads = this.readLayers(
      (i) => this.k.layerWeightGrads(m, i),
      (i) => this.k.layerBiasGrads(m, i),
    );
    return { loss: loss / n, grads };
  }

  /** Copies padded [rows, width] kernels and [width] biases out as dense Keras-layout arrays. */
  private readLayers(kernelAt: (layer: number) => number, biasAt: (layer: number) => number): LayerWeights[] {
    const m = this.live();
    return this.layers.map((l, i) => {
      const width = this.k.layerWidth(m, i);
      const stored = this.mem.f32(kernelAt(i), l.inputs * width);
      const kernel = new Float32Array(l.inputs * l.units);
      for (let r = 0; r < l.inputs; r++) kernel.set(stored.subarray(r * width, r * width + l.units), r * l.units);
      return { kernel, bias: this.mem.f32(biasAt(i), l.units).slice() };
    });
  }

  setWeights(weights: LayerWeights[]): void {
    if (!Array.isArray(weights) || weights.length !== this.layers.length) {
      throw new ArgumentError(`setWeights needs ${this.layers.length} { kernel, bias } entries, got ${show(weights)}`);
    }
    const m = this.live();
    this.layers.forEach((l, i) => {
      const { kernel, bias } = weights[i] ?? {};
      if (!(kernel instanceof Float32Array) || kernel.length !== l.inputs * l.units) {
        throw new ArgumentError(
          `layer ${l.name}: kernel must be a Float32Array of ${l.inputs}×${l.units} = ${l.inputs * l.units} values, got ${show(kernel)}`,
        );
      }
      if (!(bias instanceof Float32Array) || bias.length !== l.units) {
        throw new ArgumentError(`layer ${l.name}: bias must be a Float32Array of ${l.units} values, got ${show(bias)}`);
      }
    });
    this.layers.forEach((l, i) => {
      const width = this.k.layerWidth(m, i);
      const stored = this.mem.f32(this.k.layerWeights(m, i), l.inputs * width);
      for (let r = 0; r < l.inputs; r++)
        stored.set(weights[i].kernel.subarray(r * l.units, (r + 1) * l.units), r * width);
      this.mem.f32(this.k.layerBias(m, i), l.units).set(weights[i].bias);
    });
  }

  /** Keras' model.summary() table. */
  summary(print: (line: string) => void = console.log): void {
    printSummary(this.layers, print);
  }

  /** Frees the model's wasm memory; the model cannot be used afterwards. Refused while fit() runs. */
  dispose(): void {
    if (this.fitting) {
      throw new ArgumentError(
        "cannot dispose of this model while fit() runs; set model.stopTraining = true and dispose of it once fit() resolves",
      );
    }
    if (this.handle && !this.runner.disposed) {
      this.runner.release(this.handle);
      this.k.modelFree(this.handle);
    }
    this.handle = 0;
  }

  private evaluateRows(data: number, isU8: number, labels: number, start: number, rows: number) {
    const { loss, hits } = this.runner.evaluate(this.live(), { data, isU8, labels, idx: 0, start, rows });
    return { loss: loss / rows, accuracy: hits / rows };
  }

  /**
   * For this package's code that drives the kernels itself (the online learner): the kernels and
   * the live model, with room for `rows` rows and the compiled optimizer in its descriptor.
   * @internal
   */
  kernelAccess(rows: number): { k: Kernels; m: number } {
    const m = this.live();
    writeUpdate(this.k, m, this.compiled());
    this.reserve(m, rows);
    return { k: this.k, m };
  }

  /** The resolved layers (names, sizes, activations, initialisers), copied. @internal */
  layerConfigs(): Layer[] {
    return this.layers.map((l) => ({ ...l }));
  }

  /** The model's handle, once no thread is still working on it. */
  private live(): number {
    if (this.runner.disposed) throw new ArgumentError("this model's engine was disposed");
    if (!this.handle) throw new ArgumentError("this model was disposed");
    this.runner.settle();
    return this.handle;
  }

  private compiled(): Optimizer {
    if (!this.optimizer) throw new ArgumentError('call compile({ optimizer: "adam", learningRate }) before training');
    return this.optimizer;
  }

  /** Runs body with x (and y) in wasm memory: a dataset's arrays in place, arrays copied for the call. */
  private withData<T>(x: InputData, y: LabelData | null, body: (data: number, isU8: number, labels: number) => T): T {
    const copies: number[] = [];
    const keep = (p: number) => {
      copies.push(p);
      return p;
    };
    try {
      return body(this.inputsAt(x, keep), pixelBytes(x), y === null ? 0 : this.labelsAt(y, keep));
    } finally {
      for (const p of copies) this.k.free(p);
    }
  }

  /** x's address in wasm memory: a dataset's own, or a copy's, which goes to `keep` to be freed. */
  private inputsAt(x: InputData, keep: (p: number) => number): number {
    return x instanceof ResidentInputs ? x.pointer(this.k, "x") : keep(this.mem.upload(x));
  }

  /** y's address in wasm memory as Int32 class indices, as inputsAt. */
  private labelsAt(y: LabelData, keep: (p: number) => number): number {
    return y instanceof ResidentLabels ? y.pointer(this.k, "y") : keep(this.mem.upload(Int32Array.from(y)));
  }
}
