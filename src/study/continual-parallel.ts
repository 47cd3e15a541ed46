// The continual study's methods × seeds trained at once in run workers (Node worker threads),
// each with an engine of its own on one thread, MNIST shared; the runs come back in the order of
// runContinual's, with the same numbers, as each run is a function of its method and seed alone.
import { Worker } from "node:worker_threads";
import { ArgumentError, DataError, DyingReluError } from "../errors.js";
import type { Backend } from "../engine/wasm.js";
import type { Mnist } from "../data/mnist.js";
import { integerAtLeast } from "../validate.js";
import { checkContinual, type ContinualConfig, type Method } from "./continual-config.js";
import {
  continualJobs,
  type ContinualHooks,
  type ContinualJob,
  type ContinualRun,
  type TaskRecord,
} from "./continual.js";
import { shareMnist } from "./parallel.js";

export interface ContinualWorkerInit {
  backend: Backend;
  config: ContinualConfig;
  data: Mnist;
}
export interface ContinualRequest {
  index: number;
  method: Method;
  seed: number;
}
export type ContinualMessage =
  | { type: "task"; index: number; record: TaskRecord; stepsPerSecond: number }
  | { type: "run-end"; index: number; run: ContinualRun }
  | { type: "run-error"; index: number; name: string; message: string };

const WORKER = new URL("./continual-worker.js", import.meta.url);
const ERRORS: Record<string, new (message: string) => DyingReluError> = { ArgumentError, DataError, DyingReluError };

/** runContinual's runs in up to `workers` run workers; a failed run stops all with one line naming it. */
export async function runContinualParallel(
  data: Mnist,
  config: Partial<ContinualConfig>,
  options: { workers: number; backend: Backend; hooks?: ContinualHooks; jobs?: ContinualJob[] },
): Promise<ContinualRun[]> {
  const c = checkContinual(config, data.train.labels.length);
  integerAtLeast("workers", options.workers, 1);
  const jobs = options.jobs ?? continualJobs(c);
  const hooks = options.hooks ?? {};
  const init: ContinualWorkerInit = { backend: options.backend, config: c, data: shareMnist(data) };
  const runs: ContinualRun[] = new Array(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;
  let settled = false;
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      Promise.all(workers.map((w) => w.terminate())).then(() => (error ? reject(error) : resolve(runs)));
    };
    const name = (index: number) => `${jobs[index].method} seed ${jobs[index].seed}`;
    const dispatch = (w: Worker) => {
      if (next === jobs.length) {
        if (finished === jobs.length) settle();
        return;
      }
      const index = next++;
      hooks.onRunStart?.(jobs[index].method, jobs[index].seed);
      w.postMessage({ index, ...jobs[index] } satisfies ContinualRequest);
    };
    for (let k = 0; k < Math.min(options.workers, jobs.length); k++) {
      const w = new Worker(WORKER, { workerData: init });
      workers.push(w);
      w.on("message", (m: ContinualMessage) => {
        if (settled) return;
        try {
          if (m.type === "task")
            hooks.onTaskEnd?.(jobs[m.index].method, jobs[m.index].seed, m.record, m.stepsPerSecond);
          else if (m.type === "run-end") {
            runs[m.index] = m.run;
            finished++;
            hooks.onRunEnd?.(m.run);
            dispatch(w);
          } else {
            const message = `${name(m.index)}: ${m.message.split("\n")[0]}`;
            settle(m.name in ERRORS ? new ERRORS[m.name](message) : new Error(message));
          }
        } catch (error) {
          settle(error as Error);
        }
      });
      w.on("error", (error) =>
        settle(new Error(`a continual run worker crashed: ${String(error?.message ?? error).split("\n")[0]}`)),
      );
      w.on("exit", (code) => settle(new Error(`a continual run worker exited with code ${code}`)));
      dispatch(w);
    }
  });
}
