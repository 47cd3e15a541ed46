// How a model's batch work is executed: on the calling thread (SerialRunner), or split over the
// engine's threads (ThreadedRunner, data-parallel: each thread takes a contiguous slice of the
// rows). Sequential speaks only to a Runner for training, evaluation, prediction and probes.
import type { Kernels } from "./abi.js";
import { A, Cmd, MAX_THREADS } from "./threads/work.js";
import type { ThreadKernels } from "./abi.js";
import type { ThreadPool } from "./threads/pool.js";
import {
  OPT_FIELDS,
  OPTF_BETA1,
  OPTF_BETA2,
  OPTF_CLIPNORM,
  OPTF_CLIPVALUE,
  OPTF_EPSILON,
  OPTF_GLOBAL_CLIPNORM,
  OPTF_KIND,
  OPTF_LEARNING_RATE,
  OPTF_MOMENTUM,
  OPTF_NESTEROV,
  OPTF_RHO,
  OPTF_WEIGHT_DECAY,
} from "./codes.js";

/**
 * An optimizer step as the engine takes it: the fields of the model's optimizer descriptor
 * (assembly/codes.ts' OPTF_*); kind is one of the OPT_* codes, and the options an optimizer does
 * not take are 0.
 */
export interface Update {
  kind: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
  nesterov: boolean;
  rho: number;
  weightDecay: number;
  clipnorm: number;
  clipvalue: number;
  globalClipnorm: number;
}

/** Writes the step into the model's descriptor, where modelUpdate (and its range form) reads it. */
export function writeUpdate(k: Kernels, m: number, u: Update): void {
  const d = new Float64Array(k.memory.buffer, k.modelOptimizer(m), OPT_FIELDS);
  d[OPTF_KIND] = u.kind;
  d[OPTF_LEARNING_RATE] = u.learningRate;
  d[OPTF_BETA1] = u.beta1;
  d[OPTF_BETA2] = u.beta2;
  d[OPTF_EPSILON] = u.epsilon;
  d[OPTF_MOMENTUM] = u.momentum;
  d[OPTF_NESTEROV] = u.nesterov ? 1 : 0;
  d[OPTF_RHO] = u.rho;
  d[OPTF_WEIGHT_DECAY] = u.weightDecay;
  d[OPTF_CLIPNORM] = u.clipnorm;
  d[OPTF_CLIPVALUE] = u.clipvalue;
  d[OPTF_GLOBAL_CLIPNORM] = u.globalClipnorm;
}

/** Rows of data (u8 pixels or f32), labels and an optional index permutation, in wasm memory. */
export interface Rows {
  data: number;
  isU8: number;
  labels: number;
  idx: number;
  start: number;
  rows: number;
}

/** Summed loss (before any update) and hits over the rows. */
export interface Sums {
  loss: number;
  hits: number;
}

export interface Runner {
  readonly threads: number;
  /** Makes room for batches of up to `rows` rows. */
  reserve(m: number, rows: number): void;
  /** One optimizer step on the rows; a non-finite loss skips the update. */
  step(m: number, update: Update, r: Rows): Sums;
  /** The rows' mean-loss gradients into the model's gradient arena. */
  gradients(m: number, r: Rows): Sums;
  evaluate(m: number, r: Rows): Sums;
  /** Output-layer values for the rows into out ([rows, units] f32). */
  predict(m: number, r: Rows, out: number, units: number): void;
  /** Resets the model's probe flags and runs the rows through the dead-unit probe. */
  probe(m: number, r: Rows): void;
  /** Waits until no thread is still working on the model, before the caller touches it. */
  settle(): void;
  /** Frees what the runner added to the model (before modelFree). */
  release(m: number): void;
  /** True once the engine was disposed: its models refuse every call. */
  readonly disposed: boolean;
  /** Stops the runner for good (engine.dispose). */
  dispose(): void;
}

export class SerialRunner implements Runner {
  readonly threads = 1;

  constructor(private readonly k: Kernels) {}

  reserve(m: number, rows: number): void {
    this.k.modelReserve(m, rows);
  }

  step(m: number, u: Update, r: Rows): Sums {
    const k = this.k;
    writeUpdate(k, m, u);
    const loss = k.modelTrainBatch(m, r.data, r.isU8, r.labels, r.idx, r.start, r.rows);
    return { loss, hits: k.modelCorrect(m) };
  }

  gradients(m: number, r: Rows): Sums {
    const loss = this.k.modelGradients(m, r.data, r.isU8, r.labels, r.idx, r.start, r.rows);
    return { loss, hits: this.k.modelCorrect(m) };
  }

  evaluate(m: number, r: Rows): Sums {
    const loss = this.k.modelEvaluate(m, r.data, r.isU8, r.labels, r.idx, r.start, r.rows);
    return { loss, hits: this.k.modelCorrect(m) };
  }

  predict(m: number, r: Rows, out: number): void {
    this.k.modelPredict(m, r.data, r.isU8, r.idx, r.start, r.rows, out);
  }

  probe(m: number, r: Rows): void {
    this.k.deadReset(m);
    this.k.deadAccumulate(m, r.data, r.isU8, r.idx, r.start, r.rows);
  }

  settle(): void {}

  release(): void {}

  disposed = false;

  dispose(): void {
    this.disposed = true;
  }
}

/** A model's replicas, one per worker thread, and their pointer table in wasm memory. */
interface Replicas {
  models: number[]; // [m, replica 1, …]
  table: number; // u32[threads − 1]: the replicas, for modelReduce
  nParams: number;
}

export class ThreadedRunner implements Runner {
  private readonly replicas = new Map<number, Replicas>();

  constructor(
    private readonly k: ThreadKernels,
    private readonly pool: ThreadPool,
  ) {
    if (pool.threads > MAX_THREADS) throw new RangeError(`at most ${MAX_THREADS} threads`);
  }

  get threads(): number {
    return this.pool.threads;
  }

  reserve(m: number, rows: number): void {
    this.settle();
    const set = this.of(m);
    this.k.modelReserve(m, rows);
    // Training slices need ⌈rows/threads⌉; evaluation and probes go in chunks of that size.
    const share = Math.ceil(rows / this.threads);
    for (let t = 1; t < this.threads; t++) this.k.modelReserve(set.models[t], share);
  }

  step(m: number, u: Update, r: Rows): Sums {
    const set = this.of(m);
    const t = this.k.modelStep(m) + 1;
    return this.run(Cmd.Step, set, r, (a) => {
      writeUpdate(this.k, m, u); // run() has settled: no thread still reads the last step's
      a[A.t] = t;
    });
  }

  gradients(m: number, r: Rows): Sums {
    const sums = this.run(Cmd.Gradients, this.of(m), r);
    this.settle(); // the caller reads the gradients next
    return sums;
  }

  evaluate(m: number, r: Rows): Sums {
    return this.run(Cmd.Evaluate, this.of(m), r);
  }

  predict(m: number, r: Rows, out: number, units: number): void {
    this.run(Cmd.Predict, this.of(m), r, (a) => {
      a[A.out] = out;
      a[A.outUnits] = units;
    });
    this.settle();
  }

  probe(m: number, r: Rows): void {
    this.run(Cmd.Probe, this.of(m), r);
  }

  settle(): void {
    this.pool.settle();
  }

  disposed = false;

  dispose(): void {
    this.disposed = true;
    this.pool.terminate();
  }

  release(m: number): void {
    const set = this.replicas.get(m);
    if (!set) return;
    this.settle();
    for (let t = 1; t < set.models.length; t++) this.k.modelFree(set.models[t]);
    this.k.free(set.table);
    this.replicas.delete(m);
  }

  /** Runs a command over the rows and sums the threads' [loss, hits] in thread order. */
  private run(cmd: Cmd, set: Replicas, r: Rows, more?: (a: Float64Array) => void): Sums {
    this.pool.run(cmd, set.models, (c) => {
      const a = c.args;
      a[A.data] = r.data;
      a[A.isU8] = r.isU8;
      a[A.labels] = r.labels;
      a[A.idx] = r.idx;
      a[A.start] = r.start;
      a[A.rows] = r.rows;
      a[A.table] = set.table;
      a[A.nParams] = set.nParams;
      more?.(a);
    });
    const res = this.pool.control.results;
    let loss = 0;
    let hits = 0;
    for (let t = 0; t < this.threads; t++) {
      loss += res[2 * t];
      hits += res[2 * t + 1];
    }
    return { loss, hits };
  }

  private of(m: number): Replicas {
    let set = this.replicas.get(m);
    if (!set) {
      this.settle();
      const k = this.k;
      const models = [m];
      for (let t = 1; t < this.threads; t++) models.push(k.modelReplica(m));
      const table = k.alloc(4 * Math.max(1, this.threads - 1));
      new Uint32Array(k.memory.buffer, table, this.threads - 1).set(models.slice(1));
      set = { models, table, nParams: k.modelParamCount(m) };
      this.replicas.set(m, set);
    }
    return set;
  }
}
