// The study with its learning rates trained at once, one worker thread per slot (Node only). Each
// worker owns one engine and runs study.ts' runOne() on the runs it is handed, so the numbers are
// those of runStudy() with the same config; the results come back in learning-rate order.
//
// The data set is shared, not copied: its arrays live in SharedArrayBuffers that every worker
// views (each engine still copies the training images into its own memory during fit).
import { runPool } from "./pool.js";
import { checkStudy, type StudyConfig } from "./config.js";
import { checkRunEvent } from "./events.js";
import type { Run } from "./schema.js";
import { isDefaultCell, type Cell } from "./grid.js";
import { integerAtLeast } from "../validate.js";
import type { Backend } from "../engine/wasm.js";
import type { Logs } from "../engine/types.js";
import type { ModelFile } from "../engine/model-file.js";
import type { Mnist, Split } from "../data/mnist.js";

/** What a run worker (one of the sweep's parallel runs) is started with: its workerData. */
export interface RunWorkerInit {
  backend: Backend;
  config: StudyConfig;
  /** Views of SharedArrayBuffers. */
  data: Mnist;
  /** Post (throttled) batch events; epoch events are always posted. */
  batchEvents: boolean;
  /** Send each trained model back with its run (model.save()). */
  saveModels?: boolean;
  /** Threads of each worker's engine. */
  threads: number;
}

/** The main thread's only message to a worker: train this run. */
export interface RunRequest {
  index: number;
  learningRate: number;
  /** Replace config.activation, config.kernelInitializer and config.seed for this run. */
  activation: Cell["activation"];
  kernelInitializer: Cell["kernelInitializer"];
  seed: number;
}

export interface ParallelHooks {
  onRunStart?: (learningRate: number, index: number) => void;
  onEpochBegin?: (index: number, epoch: number) => void;
  /** At most about 10 times a second per worker; `step` is 0-based, `logs` the running means. */
  onBatchEnd?: (index: number, step: number, logs: Logs, elapsedMs: number) => void;
  /** `elapsedMs` since the epoch began, measured in the worker. */
  onEpochEnd?: (index: number, epoch: number, logs: Logs, elapsedMs: number) => void;
  /** As each run finishes, in completion order; `model` is its trained model with options.saveModels. */
  onRunEnd?: (run: Run, index: number, model?: ModelFile) => void;
}

export interface ParallelOptions {
  /** Worker threads to start; never more than there are learning rates. */
  workers: number;
  /** A resolved backend, the same for every worker. */
  backend: Backend;
  /** Threads of each worker's engine, so that one run uses several cores (default 1). */
  threads?: number;
  hooks?: ParallelHooks;
  /** The worker entry; the compiled worker.js beside this module by default. */
  workerUrl?: URL;
  /**
   * The runs to train (a learning rate, activation, initialiser and seed each); `index` in events
   * and results is the position in this list. By default config.learningRates, each with
   * config's activation, initialiser and seed.
   */
  cells?: Cell[];
  /** Hand each trained model (model.save()) to hooks.onRunEnd. */
  saveModels?: boolean;
}

const DEFAULT_WORKER = new URL("./worker.js", import.meta.url);

function shared(a: Uint8Array): Uint8Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Uint8Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

const shareSplit = (s: Split): Split => ({ ...s, images: shared(s.images), labels: shared(s.labels) });

/**
 * The data set with its four arrays in SharedArrayBuffers (copied once; arrays already shared are
 * kept). Drop the original afterwards so that only the shared copy stays in memory.
 */
export function shareMnist(data: Mnist): Mnist {
  return { train: shareSplit(data.train), test: shareSplit(data.test) };
}

/**
 * Trains config.learningRates in up to options.workers worker threads and resolves to the runs
 * in learning-rate order. If a run throws or a worker dies, every worker is terminated and the
 * promise rejects with one line naming the learning rate (a DyingReluError stays one).
 */
export async function runStudyParallel(data: Mnist, config: StudyConfig, options: ParallelOptions): Promise<Run[]> {
  checkStudy(config, data);
  integerAtLeast("workers", options.workers, 1);
  const cells =
    options.cells ??
    config.learningRates.map(
      (learningRate): Cell => ({
        learningRate,
        activation: config.activation ?? "relu",
        kernelInitializer: config.kernelInitializer ?? "glorot_uniform",
        seed: config.seed,
      }),
    );
  const name = (index: number) => {
    const c = cells[index];
    const more = [
      ...(isDefaultCell(c) ? [] : [c.activation, c.kernelInitializer]),
      ...(options.cells ? [`seed ${c.seed}`] : []),
    ];
    return `learning rate ${c.learningRate}${more.length ? ` (${more.join(", ")})` : ""}`;
  };
  const hooks = options.hooks ?? {};
  const init: RunWorkerInit = {
    backend: options.backend,
    config,
    data: shareMnist(data),
    batchEvents: Boolean(hooks.onBatchEnd),
    saveModels: options.saveModels ?? false,
    threads: options.threads ?? 1,
  };
  const ends = await runPool<{ run: Run; model?: ModelFile }>({
    workerUrl: options.workerUrl ?? DEFAULT_WORKER,
    workerData: init,
    jobs: cells.length,
    workers: options.workers,
    request: (index) => ({ index, ...cells[index] }) satisfies RunRequest,
    name,
    onStart: (index) => hooks.onRunStart?.(cells[index].learningRate, index),
    onEnd: (index, { run, model }) => hooks.onRunEnd?.(run, index, model),
    read: (message) => {
      const e = checkRunEvent(message);
      if (e === null) return null;
      switch (e.type) {
        case "epoch-begin":
          hooks.onEpochBegin?.(e.index, e.epoch);
          break;
        case "batch":
          hooks.onBatchEnd?.(e.index, e.step, e.logs, e.elapsedMs);
          break;
        case "epoch-end":
          hooks.onEpochEnd?.(e.index, e.epoch, e.logs, e.elapsedMs);
          break;
        case "run-end":
          return { index: e.index, reply: { kind: "end", result: { run: e.run, model: e.model } } };
        case "run-error":
          return { index: e.index, reply: { kind: "error", ...e } };
      }
      return { index: e.index, reply: { kind: "event" } };
    },
  });
  return ends.map((e) => e.run);
}
