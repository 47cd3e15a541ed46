// A run worker of the parallel continual study (continual-parallel.ts): one engine, and
// runContinualOne() for each method and seed the main thread sends, each finished task posted back.
import { parentPort, workerData } from "node:worker_threads";
import { createEngine } from "../engine/engine.js";
import { runContinualOne } from "./continual.js";
import { runError } from "./events.js";
import type { ContinualMessage, ContinualRequest, ContinualWorkerInit } from "./continual-parallel.js";

const port = parentPort!;
const { backend, config, data } = workerData as ContinualWorkerInit;
const post = (m: ContinualMessage) => port.postMessage(m);
const engine = createEngine({ backend, threads: 1 });
engine.catch(() => {}); // reported by the first run that awaits it

port.on("message", async ({ index, method, seed }: ContinualRequest) => {
  try {
    const run = await runContinualOne(await engine, data, config, method, seed, {
      onTaskEnd: (_m, _s, record, stepsPerSecond) => post({ type: "task", index, record, stepsPerSecond }),
    });
    post({ type: "run-end", index, run });
  } catch (e) {
    post(runError(index, e) as ContinualMessage);
  }
});
