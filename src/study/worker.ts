// A run worker of the parallel sweep (parallel.ts): one engine, and runOne() for each run the
// main thread sends, with its progress posted back as RunEvents (batches at most every 100 ms).
import { parentPort, workerData } from "node:worker_threads";
import { createEngine } from "../engine/engine.js";
import type { ModelFile } from "../engine/model-file.js";
import { stepsPerEpoch } from "./config.js";
import { eventHooks, runError, type RunEvent } from "./events.js";
import type { RunRequest, RunWorkerInit } from "./parallel.js";
import { runOne } from "./run.js";

const BATCH_EVERY_MS = 100;

const port = parentPort!;
const { backend, config, data, batchEvents, saveModels, threads } = workerData as RunWorkerInit;
const post = (e: RunEvent) => port.postMessage(e);
const engine = createEngine({ backend, threads });
engine.catch(() => {}); // reported by the first run that awaits it
const steps = stepsPerEpoch(config, data.train.count);

port.on("message", async ({ index, ...cell }: RunRequest) => {
  try {
    let model: ModelFile | undefined;
    const hooks = eventHooks(index, post, { steps, ...(batchEvents && { batchEveryMs: BATCH_EVERY_MS }) });
    const run = await runOne(await engine, data, config, cell, {
      ...hooks,
      onModel: saveModels
        ? (m) => {
            model = m.save();
          }
        : undefined,
    });
    post({ type: "run-end", index, run, ...(model && { model }) });
  } catch (e) {
    post(runError(index, e));
  }
});
