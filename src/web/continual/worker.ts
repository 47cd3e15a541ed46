// A worker of the lab's Continual mode: one method on one seed (runContinualOne), its progress
// posted to the page. The page stops it by terminating it.
import { createEngine, relaxedSimdSupported, type BackendChoice, type Engine, type Mnist } from "../../index.js";
import { runContinualOne } from "../../study/continual.js";
import { throttle } from "../../study/events.js";
import { loadData } from "../data.js";
import { engineErrorMessage, type ErrorStage } from "../protocol.js";
import { simdSupported } from "../support.js";
import { checkStartContinual, type FromContinualWorker, type StartContinual } from "./protocol.js";

const post = (msg: FromContinualWorker) => self.postMessage(msg);
const fail = (stage: ErrorStage, e: unknown) =>
  post({ type: "error", stage, message: e instanceof Error ? e.message : String(e) });

async function start(msg: StartContinual): Promise<void> {
  let mnist: Mnist;
  try {
    mnist = await loadData(msg.dataUrl, post);
  } catch (e) {
    return fail("data", e);
  }
  let engine: Engine;
  try {
    engine = await createEngine({ backend: msg.engine as BackendChoice, threads: 1 });
  } catch (e) {
    return post({
      type: "error",
      stage: "engine",
      message: engineErrorMessage(msg.engine, e, { plain: simdSupported(), relaxed: relaxedSimdSupported() }),
    });
  }
  post({ type: "engine", backend: engine.backend });
  const tick = throttle(100);
  try {
    const run = await runContinualOne(engine, mnist, msg.config, msg.method, msg.seed, {
      onProgress: ({ task, done, hits, stepsPerSecond }) => {
        if (tick(false)) post({ type: "progress", task, done, hits, stepsPerSecond });
      },
      onTaskEnd: (_method, _seed, record, stepsPerSecond) => post({ type: "task", record, stepsPerSecond }),
    });
    post({ type: "run-end", run });
  } catch (e) {
    return fail(e instanceof Error && e.name === "ArgumentError" ? "config" : "training", e);
  } finally {
    engine.dispose();
  }
}

self.onmessage = (event: MessageEvent) => {
  const msg = checkStartContinual(event.data);
  if (!msg)
    return fail(
      "config",
      `the worker got a message it does not understand: ${JSON.stringify(event.data)?.slice(0, 200)}`,
    );
  void start(msg);
};
