// The messages between the lab's Continual mode and one of its workers. The page starts a worker
// per method with one "start"; the worker answers with the data's and the engine's progress, the
// run's progress within a task, each task's record, then the run or an error. Everything is
// structured-clone data, checked on arrival by the page.
import type { BackendChoice } from "../../engine/wasm.js";
import type { ContinualConfig, Method } from "../../study/continual-config.js";
import type { ContinualRun, TaskRecord } from "../../study/continual.js";
import { isIndex, isNum, isObj } from "../../study/events.js";
import { checkDataMessage, type ErrorStage } from "../protocol.js";
import type { DataMessage } from "../data.js";

export interface StartContinual {
  type: "start";
  /** Checked (checkContinual) by the page. */
  config: ContinualConfig;
  method: Method;
  seed: number;
  engine: BackendChoice;
  /** Absolute URL of the folder holding the four MNIST files as NAME.gz. */
  dataUrl: string;
}

export type FromContinualWorker =
  | DataMessage
  | { type: "engine"; backend: string }
  | { type: "progress"; task: number; done: number; hits: number; stepsPerSecond: number }
  | { type: "task"; record: TaskRecord; stepsPerSecond: number }
  | { type: "run-end"; run: ContinualRun }
  | { type: "error"; stage: ErrorStage; message: string };

const isNums = (v: unknown) => Array.isArray(v) && v.every(isNum);

function isTaskRecord(r: unknown): r is TaskRecord {
  return (
    isObj(r) &&
    isIndex(r.task) &&
    isNum(r.onlineAccuracy) &&
    isNum(r.loss) &&
    Array.isArray(r.deadUnits) &&
    r.deadUnits.every((d) => isObj(d) && isIndex(d.dead) && isIndex(d.units) && isNum(d.fraction)) &&
    isNums(r.effectiveRank) &&
    isNums(r.approximateRank) &&
    isNum(r.weightMagnitude) &&
    isNums(r.replaced)
  );
}

/** The message if it is a well-formed FromContinualWorker, else null (the page reports it as a bug). */
export function checkFromContinualWorker(msg: unknown): FromContinualWorker | null {
  if (!isObj(msg)) return null;
  switch (msg.type) {
    case "data-progress":
    case "data-ready":
      return checkDataMessage(msg);
    case "engine":
      return typeof msg.backend === "string" ? (msg as FromContinualWorker) : null;
    case "progress":
      return ["task", "done", "hits"].every((k) => isIndex(msg[k])) && isNum(msg.stepsPerSecond)
        ? (msg as FromContinualWorker)
        : null;
    case "task":
      return isTaskRecord(msg.record) && isNum(msg.stepsPerSecond) ? (msg as FromContinualWorker) : null;
    case "run-end": {
      const r = msg.run;
      return isObj(r) && typeof r.method === "string" && Array.isArray(r.tasks) && r.tasks.every(isTaskRecord)
        ? (msg as FromContinualWorker)
        : null;
    }
    case "error":
      return typeof msg.message === "string" && ["data", "engine", "config", "training"].includes(msg.stage as string)
        ? (msg as FromContinualWorker)
        : null;
    default:
      return null;
  }
}

/** The message if it is a well-formed start request, else null. */
export function checkStartContinual(msg: unknown): StartContinual | null {
  if (!isObj(msg) || msg.type !== "start" || !isObj(msg.config)) return null;
  if (typeof msg.method !== "string" || !isIndex(msg.seed)) return null;
  if (typeof msg.engine !== "string" || typeof msg.dataUrl !== "string") return null;
  return msg as unknown as StartContinual;
}
