// A worker thread of the parallel sweep (parallel.ts): one engine, and runOne() for each
// run the main thread sends, with its progress posted back (batches at most every 100 ms).
import { parentPort, workerData } from "node:worker_threads";
import { createEngine } from "../engine/engine.js";
import { DyingReluError } from "../errors.js";
import { runOne } from "./run.js";
import type { RunRequest, RunWorkerEvent, RunWorkerInit } from "./parallel.js";
import type { ModelFile } from "../engine/model-file.js";

const BATCH_EVERY_MS = 100;

const port = parentPort!;
const { backend, config, data, batchEvents, saveModels, threads } = workerData as RunWorkerInit;
const post = (e: RunWorkerEvent) => port.postMessage(e);
const engine = createEngine({ backend, threads });
engine.catch(() => {}); // reported by the first run that awaits it

port.on("message", async ({ index, learningRate, activation, kernelInitializer, seed }: RunRequest) => {
  try {
    let model: ModelFile | undefined;
    let began = 0;
    let posted = 0;
    const run = await runOne(
      await engine,
      data,
      config,
      { learningRate, activation, kernelInitializer, seed },
      {
        callbacks: {
          onEpochBegin(epoch) {
            began = posted = performance.now();
            post({ type: "epochBegin", index, epoch });
          },
          onBatchEnd: batchEvents
            ? (step, logs) => {
                const now = performance.now();
                if (now - posted < BATCH_EVERY_MS) return;
                posted = now;
                post({ type: "batch", index, step, logs, elapsedMs: now - began });
              }
            : undefined,
          onEpochEnd(epoch, logs) {
            post({ type: "epochEnd", index, epoch, logs, elapsedMs: performance.now() - began });
          },
        },
        onModel: saveModels
          ? (m) => {
              model = m.save();
            }
          : undefined,
      },
    );
    post({ type: "runEnd", index, run, ...(model && { model }) });
  } catch (e) {
    const dyingRelu = e instanceof DyingReluError;
    post({
      type: "error",
      index,
      name: dyingRelu ? e.name : "Error",
      dyingRelu,
      message: String((e as Error)?.message ?? e),
    });
  }
});
