// The lab's training worker (a module worker): fetches MNIST once, creates the engine and runs
// the study once per learning rate × activation with runOne(), posting progress to the page.
// The page stops it by terminating it.
import { createEngine, relaxedSimdSupported, type BackendChoice, type Engine, type Mnist } from "../index.js";
import { runStudy } from "../study/run.js";
import { expandGrid } from "../study/grid.js";
import { stepsPerEpoch } from "../study/config.js";
import { eventHooks } from "../study/events.js";
import { loadData } from "./data.js";
import { checkToWorker, engineErrorMessage, type ErrorStage, type FromWorker, type StartMessage } from "./protocol.js";
import { simdSupported } from "./support.js";

const BATCH_EVERY_MS = 50;

const post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, { transfer });
const fail = (stage: ErrorStage, e: unknown) =>
  post({ type: "error", stage, message: e instanceof Error ? e.message : String(e) });

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
    return fail("data", e);
  }

  let engine: Engine;
  try {
    // "js" is handed through as is: createEngine rejects a backend this build does not have.
    engine = await createEngine({ backend: msg.engine as BackendChoice });
  } catch (e) {
    return post({
      type: "error",
      stage: "engine",
      message: engineErrorMessage(msg.engine, e, { plain: simdSupported(), relaxed: relaxedSimdSupported() }),
    });
  }
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
    return fail(e instanceof Error && e.name === "ArgumentError" ? "config" : "training", e);
  }
  post({ type: "done", seconds: (performance.now() - started) / 1000 });
}

self.onmessage = (event: MessageEvent) => {
  const msg = checkToWorker(event.data);
  if (!msg)
    return fail(
      "config",
      `the worker got a message it does not understand: ${JSON.stringify(event.data)?.slice(0, 200)}`,
    );
  void start(msg);
};
