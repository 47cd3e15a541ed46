// The continual-learning study: Online Permuted MNIST (Dohare et al. 2024). Each method trains one
// network through a stream of tasks; each task is MNIST's training images under a fresh pixel
// permutation, in a fresh order, each example predicted (counted for the task's online accuracy)
// and then trained on. At each task's start the network is measured on the task's first `probe`
// examples: dead units, effective and approximate rank per hidden layer, and weight magnitude.
import type { Engine } from "../engine/engine.js";
import type { DeadUnits } from "../engine/dead-units.js";
import { OnlineLearner, type OnlineOptions } from "../engine/online.js";
import type { Mnist } from "../data/mnist.js";
import { checkContinual, methodSpec, type ContinualConfig, type Method } from "./continual-config.js";
import { approximateRank, effectiveRank, singularValuesFromGram } from "./ranks.js";

/** One task of one run: the online figures over the task, the measures taken at its start. */
export interface TaskRecord {
  /** 1-based. */
  task: number;
  /** Share of the task's examples predicted right before being trained on. */
  onlineAccuracy: number;
  /** Mean cross-entropy of those predictions. */
  loss: number;
  deadUnits: Pick<DeadUnits, "layer" | "units" | "dead" | "fraction" | "nearlyDead" | "dormant">[];
  effectiveRank: number[];
  approximateRank: number[];
  /** Mean |w| over all kernels (biases excluded), at the task's start. */
  weightMagnitude: number;
  /** Units replaced (cbp) or recycled (redo) during the task, per hidden layer. */
  replaced: number[];
}

export interface ContinualRun {
  method: Method;
  seed: number;
  stepsPerSecond: number;
  seconds: number;
  /** True when the loss stopped being finite; the tasks up to there are kept. */
  diverged: boolean;
  tasks: TaskRecord[];
}

export interface ContinualHooks {
  onRunStart?(method: Method, seed: number): void;
  /** After every chunk of examples of a task: examples done in the task, hits so far, steps/s so far. */
  onProgress?(p: {
    method: Method;
    seed: number;
    task: number;
    done: number;
    hits: number;
    stepsPerSecond: number;
  }): void;
  /** After each task, with the run's steps per second so far. */
  onTaskEnd?(method: Method, seed: number, record: TaskRecord, stepsPerSecond: number): void;
  onRunEnd?(run: ContinualRun): void;
}

/**
 * Examples per engine call. Small, because a wasm engine (V8) moves a function to its optimising
 * compiler only between calls: one long call would run a whole task in the baseline code.
 */
export const EXAMPLES_PER_CALL = 1_000;

/** The seeds of task t's pixel permutation and example order: the same for every method. */
export function taskSeeds(seed: number, task: number): { pixels: number; order: number } {
  const mix = (x: number) => {
    let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    return (h ^ (h >>> 16)) >>> 0;
  };
  return { pixels: mix(seed * 2 + 1 + task * 0x9e3779b1), order: mix(seed * 2 + 2 + task * 0x85ebca6b) };
}

/** A run of the study: one method on one seed. */
export interface ContinualJob {
  method: Method;
  seed: number;
}

/** The study's runs in their fixed order, methods as given, each with seed, seed + 1, …; shards deal them out. */
export function continualJobs(c: ContinualConfig): ContinualJob[] {
  return c.methods.flatMap((method) => Array.from({ length: c.seeds }, (_, s) => ({ method, seed: c.seed + s })));
}

/** Every method × seed of the config (or the given jobs of it), one after another on this engine. */
export async function runContinual(
  engine: Engine,
  data: Mnist,
  config: Partial<ContinualConfig> = {},
  hooks: ContinualHooks = {},
  jobs?: ContinualJob[],
): Promise<ContinualRun[]> {
  const c = checkContinual(config, data.train.labels.length);
  const runs: ContinualRun[] = [];
  for (const { method, seed } of jobs ?? continualJobs(c))
    runs.push(await runContinualOne(engine, data, c, method, seed, hooks));
  return runs;
}

/** One method on one seed. */
export async function runContinualOne(
  engine: Engine,
  data: Mnist,
  config: Partial<ContinualConfig>,
  method: Method,
  seed: number,
  hooks: ContinualHooks = {},
): Promise<ContinualRun> {
  const c = checkContinual({ ...config, methods: [method], seed }, data.train.labels.length);
  const spec = methodSpec(method);
  hooks.onRunStart?.(method, seed);
  const { train } = data;
  const inputSize = train.rows * train.cols;
  const ds = engine.dataset(train.images, train.labels);
  const model = engine.sequential({
    inputSize,
    layers: [
      ...c.layers.map((units) => ({ units, activation: "relu" as const, kernelInitializer: "he_uniform" as const })),
      { units: 10, activation: "softmax" as const, kernelInitializer: "lecun_uniform" as const }, // Kaiming, gain 1
    ],
    seed,
  });
  model.compile({
    optimizer: c.optimizer,
    learningRate: c.learningRate,
    ...(spec.weightDecay ? { weightDecay: c.weightDecay } : {}),
  });
  const options: OnlineOptions = {
    ...(spec.noise ? { noise: c.noise } : {}),
    ...(spec.cbp ? { cbp: { rate: c.replacementRate, decay: c.decay, maturity: c.maturity } } : {}),
  };
  const learner = new OnlineLearner(model, ds, options);
  const tasks: TaskRecord[] = [];
  let diverged = false;
  let steps = 0;
  let busy = 0; // seconds spent in training steps
  const t0 = performance.now();
  try {
    for (let t = 1; t <= c.tasks && !diverged; t++) {
      const seeds = taskSeeds(seed, t);
      learner.startTask(seeds.pixels, seeds.order);
      const probe = learner.probe(c.probe, undefined, c.redoTau);
      const sigma = probe.gram.map((g, l) => singularValuesFromGram(g, c.layers[l]));
      const weightMagnitude = learner.weightMagnitude();
      const before = learner.replaced();
      const recycled = spec.redo ? learner.recycle(c.redoTau) : null;
      let loss = 0;
      let hits = 0;
      for (let done = 0; done < c.perTask; ) {
        const n = Math.min(EXAMPLES_PER_CALL, c.perTask - done);
        const t1 = performance.now();
        const r = learner.train(done, n);
        busy += (performance.now() - t1) / 1000;
        done += n;
        steps += n;
        loss += r.loss;
        hits += r.hits;
        if (!Number.isFinite(r.loss)) {
          diverged = true;
          break;
        }
        hooks.onProgress?.({ method, seed, task: t, done, hits, stepsPerSecond: steps / busy });
        await Promise.resolve(); // let a caller's timers and messages run between chunks
      }
      const after = learner.replaced();
      const record: TaskRecord = {
        task: t,
        onlineAccuracy: hits / c.perTask,
        loss: loss / c.perTask,
        deadUnits: probe.deadUnits.map(({ layer, units, dead, fraction, nearlyDead, dormant }) => ({
          layer,
          units,
          dead,
          fraction,
          nearlyDead,
          dormant,
        })),
        effectiveRank: sigma.map(effectiveRank),
        approximateRank: sigma.map((s) => approximateRank(s)),
        weightMagnitude,
        replaced: recycled ?? after.map((a, l) => a - before[l]),
      };
      tasks.push(record);
      hooks.onTaskEnd?.(method, seed, record, busy > 0 ? steps / busy : 0);
    }
  } finally {
    learner.dispose();
    model.dispose();
    ds.dispose();
  }
  const run: ContinualRun = {
    method,
    seed,
    stepsPerSecond: busy > 0 ? steps / busy : 0,
    seconds: (performance.now() - t0) / 1000,
    diverged,
    tasks,
  };
  hooks.onRunEnd?.(run);
  return run;
}
