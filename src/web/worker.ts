// The lab's training worker (a module worker): fetches MNIST once, creates the engine and runs
// the study once per learning rate × activation with runOne(), posting progress to the page.
// The page stops it by terminating it.
import type { Mnist } from "../index.js";
import { runStudy } from "../study/run.js";
import { expandGrid } from "../study/grid.js";
import { stepsPerEpoch } from "../study/config.js";
import { eventHooks } from "../study/events.js";
import { loadData } from "./data.js";
import { checkToWorker, type FromWorker, type StartMessage } from "./protocol.js";
import { notUnderstood, runFailure, startEngine, workerError } from "./worker-support.js";

const BATCH_EVERY_MS = 50;

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, { transfer });

/** The first n training images, labels and all (the validation split is taken from these). */
function subset(mnist: Mnist, n: number | null): Mnist {
  if (n === null || n >= mnist.train.count) return mnist;
  const size = mnist.train.rows * mnist.train.cols;
  return {
    train: {
      ...mnist.train,
      images: mnist.train.images.subarray(0, n * size),
      labels: mnist.train.labels.subarray(0, n),
      count: n,
    },
    test: mnist.test,
  };
}

async function start(msg: StartMessage): Promise<void> {
  let mnist: Mnist;
  try {
    mnist = subset(await loadData(msg.dataUrl, post), msg.subset);
  } catch (e) {
    return post(workerError("data", e));
  }

  const engine = await startEngine(msg.engine);
  if ("type" in engine) return post(engine);
  post({ type: "engine", backend: engine.backend, threads: engine.threads, threadsNote: engine.threadsNote });

  const { study } = msg;
  const steps = stepsPerEpoch(study, mnist.train.count);
  const started = performance.now();
  // The page's runs, in labRuns() order: every learning rate × hidden activation.
  const cells = expandGrid(study.learningRates, study.seed, 1, {
    activations: msg.activations,
    initializers: [study.kernelInitializer ?? "glorot_uniform"],
  });
  try {
    await runStudy(
      engine,
      mnist,
      study,
      {
        onRunStart: (index, cell) => post({ type: "run-start", index, cell, steps }),
        run: (index) => eventHooks(index, post, { steps, batchEveryMs: BATCH_EVERY_MS, probes: true }),
        onRunEnd: (run, index) => post({ type: "run-end", index, run }),
      },
      cells,
    );
  } catch (e) {
    return post(runFailure(e));
  }
  post({ type: "done", seconds: (performance.now() - started) / 1000 });
}

self.onmessage = (event: MessageEvent) => {
  const msg = checkToWorker(event.data);
  if (!msg) return post(notUnderstood(event.data));
  void start(msg);
};
