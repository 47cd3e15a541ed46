// createEngine(): one wasm instance (one linear memory) that models are created in, or the
// engine's pure-TypeScript twin over a memory of its own (backend "js"). With threads > 1 the
// memory is shared and threads − 1 workers run instances of their own over it (threads/pool.ts).
import {
  chooseBackend,
  loadKernels,
  loadThreadedKernels,
  type Backend,
  type BackendChoice,
  type WasmBackend,
} from "./wasm.js";
import type { Kernels } from "./abi.js";
import { Sequential } from "./sequential.js";
import type { Labels, SequentialConfig } from "./types.js";
import { makeDataset, type Dataset, type ResidentLabels } from "./dataset.js";
import type { Inputs } from "./memory.js";
import { ModelFileError, decodeModel } from "./model-file.js";
import { SerialRunner, ThreadedRunner, type Runner } from "./runner.js";
import { ThreadError, ThreadPool } from "./threads/pool.js";
import { MAX_THREADS, type ThreadWorker } from "./threads/work.js";
import { defaultThreads, spawnThreadWorker, threadsUnavailable } from "./threads/spawn.js";
import { ArgumentError, show } from "../errors.js";
import { integerAtLeast, knownKeys } from "../validate.js";

export interface EngineOptions {
  /**
   * "auto" (default) picks the relaxed-SIMD build where the runtime validates it; "js" runs the
   * same math in plain TypeScript (no wasm), for comparison.
   */
  backend?: BackendChoice;
  /**
   * Node 20 has relaxed SIMD behind a V8 flag; the engine turns it on at run time (process-wide)
   * unless this is false, in which case "auto" runs plain SIMD there. Default true.
   */
  setV8Flag?: boolean;
  /**
   * Where the engine's files are served from: the four .wasm builds and, in a browser, the thread
   * script dying-relu.thread.js. Default: beside the module (the package's dist/browser/ folder).
   */
  wasmBase?: string | URL;
  /**
   * Threads each training step, evaluation, prediction and probe is split over (data-parallel,
   * deterministic for a given count). Default: every core where shared memory and workers are
   * available (Node; a cross-origin isolated page), else 1. Backend "js" runs on one thread.
   */
  threads?: number;
  /** How long (ms) to wait for a thread worker before failing with an error naming it (default 30000). */
  threadTimeoutMs?: number;
}

export interface Engine {
  readonly backend: Backend;
  /** Why this build runs, e.g. "relaxed SIMD supported by this runtime". */
  readonly backendNote: string;
  /** Threads the engine runs on (1: single-threaded). */
  readonly threads: number;
  /** Why the engine runs on one thread though more were asked for or there are more cores, or null. */
  readonly threadsNote: string | null;
  sequential(config: SequentialConfig): Sequential;
  /**
   * A model from a model file (its JSON text or the parsed object), as model.save() writes it;
   * throws a ModelFileError if it is not JSON, of another format or version, or its weights do
   * not fit its layers. Compile it before training it further.
   */
  loadModel(json: unknown): Sequential;
  /**
   * Copies inputs (and labels) into the engine's memory once, as TF.js keeps a tensor: pass
   * `ds.x` and `ds.y` to any of its models' fit, evaluate, predict or probes in place of the
   * arrays, and they are read where they are instead of being copied on every call. Frees with
   * `ds.dispose()`.
   */
  dataset(x: Inputs): Dataset<null>;
  dataset(x: Inputs, y: Labels): Dataset<ResidentLabels>;
  /** Stops the engine's thread workers; its models cannot be used afterwards. */
  dispose(): void;
}

/** The thread count to run with, and why it is fewer than wanted. */
function threadCount(backend: Backend, asked: number | undefined): { threads: number; note: string | null } {
  if (asked !== undefined) {
    integerAtLeast("threads", asked, 1);
    if (asked > MAX_THREADS) throw new ArgumentError(`threads must be at most ${MAX_THREADS}, got ${show(asked)}`);
  }
  const wanted = asked ?? Math.min(defaultThreads(), MAX_THREADS);
  if (wanted === 1) return { threads: 1, note: null };
  if (backend === "js") return { threads: 1, note: 'backend "js" runs on one thread' };
  const why = threadsUnavailable();
  if (why) return { threads: 1, note: why };
  return { threads: wanted, note: null };
}

/**
 * The threaded build on `threads` threads, or, when its workers cannot start (in a page, say,
 * whose thread script is not where the engine looks), why not: the engine then runs on one
 * thread and says so in its threadsNote rather than failing.
 */
export async function startThreads(
  backend: WasmBackend,
  wasmBase: string | URL | undefined,
  threads: number,
  timeoutMs: number,
  spawn: () => ThreadWorker = () => spawnThreadWorker(wasmBase),
): Promise<{ kernels: Kernels; runner: Runner } | { note: string }> {
  const loaded = await loadThreadedKernels(backend, wasmBase);
  try {
    const pool = await ThreadPool.start(loaded.kernels, loaded.module, threads, timeoutMs, { spawn });
    return { kernels: loaded.kernels, runner: new ThreadedRunner(loaded.kernels, pool) };
  } catch (e) {
    if (!(e instanceof ThreadError)) throw e;
    return { note: `${e.message}; running on one thread` };
  }
}

const ENGINE_OPTIONS = [
  "backend",
  "setV8Flag",
  "wasmBase",
  "threads",
  "threadTimeoutMs",
] as const satisfies readonly (keyof EngineOptions)[];

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  knownKeys("createEngine()", options, ENGINE_OPTIONS);
  const setV8Flag = options.setV8Flag ?? true;
  if (typeof setV8Flag !== "boolean")
    throw new ArgumentError(`setV8Flag must be true or false, got ${show(setV8Flag)}`);
  const { backend, note: backendNote } = chooseBackend(options.backend ?? "auto", setV8Flag);
  const timeout = options.threadTimeoutMs ?? 30_000;
  if (!(typeof timeout === "number" && timeout > 0 && Number.isFinite(timeout))) {
    throw new ArgumentError(
      `threadTimeoutMs must be a positive number of milliseconds, got ${show(options.threadTimeoutMs)}`,
    );
  }
  const wanted = threadCount(backend, options.threads);
  let kernels: Kernels;
  let runner: Runner;
  let { threads, note } = wanted;
  if (backend === "js") {
    // Loaded on demand: most users never pick the twin, and the browser bundle stays small.
    kernels = (await import("./js/index.js")).createJsKernels();
    runner = new SerialRunner(kernels);
  } else {
    const started = threads > 1 ? await startThreads(backend, options.wasmBase, threads, timeout) : null;
    if (started && "runner" in started) {
      ({ kernels, runner } = started);
    } else {
      if (started) ({ threads, note } = { threads: 1, note: started.note });
      kernels = await loadKernels(backend, options.wasmBase);
      runner = new SerialRunner(kernels);
    }
  }
  const open = (call: string) => {
    if (runner.disposed)
      throw new ArgumentError(`${call}: this engine was disposed; create another with createEngine()`);
  };
  const model = (config: SequentialConfig) => {
    open("sequential()");
    return new Sequential(kernels, config, runner);
  };
  return {
    backend,
    backendNote,
    threads,
    threadsNote: note,
    sequential: model,
    loadModel: (json) => {
      open("loadModel()");
      const { config, weights } = decodeModel(json);
      let m: Sequential;
      try {
        m = model(config);
      } catch (e) {
        if (e instanceof ArgumentError) throw new ModelFileError(`model file: ${e.message}`);
        throw e;
      }
      m.setWeights(weights);
      return m;
    },
    dataset: ((x: Inputs, y?: Labels) => {
      open("dataset()");
      return makeDataset(kernels, x, y);
    }) as Engine["dataset"],
    dispose: () => runner.dispose(),
  };
}
