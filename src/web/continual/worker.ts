// A worker of the lab's Continual mode: one method on one seed (runContinualOne), its progress
// posted to the page. The page stops it by terminating it.
import type { Mnist } from "../../index.js";
import { runContinualOne } from "../../study/continual.js";
import { throttle } from "../../study/events.js";
import { loadData } from "../data.js";
import { notUnderstood, runFailure, startEngine, workerError } from "../worker-support.js";
import { checkStartContinual, type FromContinualWorker, type StartContinual } from "./protocol.js";

const post = (msg: FromContinualWorker) => self.postMessage(msg);

async function start(msg: StartContinual): Promise<void> {
  let mnist: Mnist;
  try {
    mnist = await loadData(msg.dataUrl, post);
  } catch (e) {
    return post(workerError("data", e));
  }
  const engine = await startEngine(msg.engine, 1);
  if ("type" in engine) return post(engine);
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
    return post(runFailure(e));
  } finally {
    engine.dispose();
  }
}

self.onmessage = (event: MessageEvent) => {
  const msg = checkStartContinual(event.data);
  if (!msg) return post(notUnderstood(event.data));
  void start(msg);
};
