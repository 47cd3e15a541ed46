// The continual study's methods × seeds trained at once in run workers (Node worker threads, the
// pool of pool.ts), each with an engine of its own on one thread, MNIST shared; the runs come back
// in runContinual's order with the same numbers, as each run is a function of its method and seed.
import type { Backend } from "../engine/wasm.js";
import type { Mnist } from "../data/mnist.js";
import { isIndex, isObj } from "./events.js";
import { checkContinual, type ContinualConfig, type Method } from "./continual-config.js";
import {
  continualJobs,
  type ContinualHooks,
  type ContinualJob,
  type ContinualRun,
  type TaskRecord,
} from "./continual.js";
import { shareMnist } from "./parallel.js";
import { runPool } from "./pool.js";

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
  | { type: "run-error"; index: number; name: string; dyingRelu: boolean; message: string };

const WORKER = new URL("./continual-worker.js", import.meta.url);

/** runContinual's runs in up to `workers` run workers; a failed run stops all with one line naming it. */
export async function runContinualParallel(
  data: Mnist,
  config: Partial<ContinualConfig>,
  options: { workers: number; backend: Backend; hooks?: ContinualHooks; jobs?: ContinualJob[]; workerUrl?: URL },
): Promise<ContinualRun[]> {
  const c = checkContinual(config, data.train.labels.length);
  const jobs = options.jobs ?? continualJobs(c);
  const hooks = options.hooks ?? {};
  const init: ContinualWorkerInit = { backend: options.backend, config: c, data: shareMnist(data) };
  return runPool<ContinualRun>({
    workerUrl: options.workerUrl ?? WORKER,
    workerData: init,
    jobs: jobs.length,
    workers: options.workers,
    request: (index) => ({ index, ...jobs[index] }) satisfies ContinualRequest,
    name: (index) => `${jobs[index].method} seed ${jobs[index].seed}`,
    onStart: (index) => hooks.onRunStart?.(jobs[index].method, jobs[index].seed),
    onEnd: (_index, run) => hooks.onRunEnd?.(run),
    read: (message) => {
      if (!isObj(message) || !isIndex(message.index) || message.index >= jobs.length) return null;
      const m = message as ContinualMessage;
      switch (m.type) {
        case "task":
          if (!isObj(m.record) || !Array.isArray(m.record.deadUnits)) return null;
          hooks.onTaskEnd?.(jobs[m.index].method, jobs[m.index].seed, m.record, m.stepsPerSecond);
          return { index: m.index, reply: { kind: "event" } };
        case "run-end":
          return isObj(m.run) && Array.isArray(m.run.tasks)
            ? { index: m.index, reply: { kind: "end", result: m.run } }
            : null;
        case "run-error":
          return { index: m.index, reply: { kind: "error", ...m } };
        default:
          return null;
      }
    },
  });
}
