// The study with its learning rates trained at once, one worker thread per slot (Node only). Each
// worker owns one engine and runs study.ts' runOne() on the runs it is handed, so the numbers are
// those of runStudy() with the same config; the results come back in learning-rate order.
//
// The data set is shared, not copied: its arrays live in SharedArrayBuffers that every worker
// views (each engine still copies the training images into its own memory during fit).
import { Worker } from "node:worker_threads";
import { ArgumentError, DataError, DyingReluError } from "../errors.js";
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
const ERRORS: Record<string, new (message: string) => DyingReluError> = { ArgumentError, DataError, DyingReluError };

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

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0];

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
  const runs: Run[] = new Array(cells.length);
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  const running = new Map<Worker, number>(); // worker → index of the run it trains
  let next = 0;
  let finished = 0;
  let settled = false;

  return new Promise<Run[]>((resolve, reject) => {
    // Ends the sweep either way, only once all workers have exited.
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      void Promise.all(exited).then(() => (error === undefined ? resolve(runs) : reject(error)));
    };
    const fail = (w: Worker, what: string) => {
      const index = running.get(w);
      settle(new Error(`${index === undefined ? "a worker thread" : name(index)}: ${what}`));
    };
    const dispatch = (w: Worker) => {
      if (next === cells.length) {
        running.delete(w);
        if (finished === cells.length) settle();
        return;
      }
      const index = next++;
      running.set(w, index);
      hooks.onRunStart?.(cells[index].learningRate, index);
      w.postMessage({ index, ...cells[index] } satisfies RunRequest);
    };
    const handle = (w: Worker, message: unknown) => {
      const e = checkRunEvent(message);
      if (e === null) return fail(w, "a message from its worker thread that is not a run event");
      switch (e.type) {
        case "epoch-begin":
          return hooks.onEpochBegin?.(e.index, e.epoch);
        case "batch":
          return hooks.onBatchEnd?.(e.index, e.step, e.logs, e.elapsedMs);
        case "epoch-end":
          return hooks.onEpochEnd?.(e.index, e.epoch, e.logs, e.elapsedMs);
        case "run-end":
          runs[e.index] = e.run;
          finished++;
          hooks.onRunEnd?.(e.run, e.index, e.model);
          return dispatch(w);
        case "run-error": {
          const message = `${name(e.index)}: ${e.message.split("\n")[0]}`;
          return settle(e.dyingRelu ? new (ERRORS[e.name] ?? DyingReluError)(message) : new Error(message));
        }
      }
    };

    try {
      for (let k = 0; k < Math.min(options.workers, cells.length); k++) {
        const w = new Worker(options.workerUrl ?? DEFAULT_WORKER, { workerData: init });
        workers.push(w);
        exited.push(new Promise((done) => w.once("exit", () => done())));
        w.on("message", (e: unknown) => {
          if (settled) return;
          try {
            handle(w, e);
          } catch (error) {
            settle(error); // a hook threw, e.g. stdout closed
          }
        });
        w.on("error", (error) => fail(w, `worker thread crashed: ${firstLine(error)}`));
        w.on("messageerror", (error) => fail(w, `bad message from its worker thread: ${firstLine(error)}`));
        w.on("exit", (code) => fail(w, `worker thread exited with code ${code}`));
        dispatch(w);
      }
    } catch (error) {
      settle(error);
    }
  });
}
