// The messages between the lab page and the lab worker. The page sends one "start"; the worker
// answers with the data's and the engine's progress, each run's RunEvents, then "done" or "error".
// Stopping is the page terminating the worker. Everything is structured-clone data (no classes),
// checked on arrival by the page.
import { checkRunEvent, isIndex, isNum, isObj, type RunEvent } from "../study/events.js";
import type { StudyConfig } from "../study/config.js";
import type { BackendChoice } from "../engine/wasm.js";
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "../engine/activations.js";
import type { DataMessage } from "./data.js";

export interface StartMessage {
  type: "start";
  /** Run once per learning rate × activation (the rate slowest); `study.activation` is ignored. */
  study: StudyConfig;
  activations: HiddenActivation[];
  engine: BackendChoice;
  /** Train on the first `subset` training images; null: all. */
  subset: number | null;
  /** Absolute URL of the folder holding the four MNIST files as NAME.gz. */
  dataUrl: string;
}

export type ToWorker = StartMessage;

export type ErrorStage = "data" | "engine" | "config" | "training";

/** The lab worker's messages: the data's and the engine's, and each run's RunEvents. */
export type FromWorker =
  | DataMessage
  /**
   * The engine in use, the threads each run is split over (1 unless the page is cross-origin
   * isolated) and, on one thread, why (engine.threadsNote).
   */
  | { type: "engine"; backend: string; threads: number; threadsNote: string | null }
  | RunEvent
  | { type: "done"; seconds: number }
  | { type: "error"; stage: ErrorStage; message: string };

const nums = (o: Record<string, unknown>, keys: string[]) => keys.every((k) => isNum(o[k]));
const isActivation = (v: unknown): v is HiddenActivation => HIDDEN_ACTIVATIONS.includes(v as HiddenActivation);

/** A data-progress or data-ready message if well-formed, else null. */
export function checkDataMessage(m: Record<string, unknown>): DataMessage | null {
  if (m.type === "data-progress")
    return isNum(m.loaded) && (m.total === null || isNum(m.total)) ? (m as DataMessage) : null;
  if (m.type === "data-ready") return nums(m, ["train", "test", "seconds"]) ? (m as DataMessage) : null;
  return null;
}

/** The message if it is a well-formed FromWorker, else null (the page reports it as a bug). */
export function checkFromWorker(msg: unknown): FromWorker | null {
  if (!isObj(msg) || typeof msg.type !== "string") return null;
  const m = msg;
  switch (m.type) {
    case "data-progress":
    case "data-ready":
      return checkDataMessage(m);
    case "engine":
      return typeof m.backend === "string" &&
        isIndex(m.threads) &&
        m.threads >= 1 &&
        (m.threadsNote === null || typeof m.threadsNote === "string")
        ? (m as FromWorker)
        : null;
    case "done":
      return isNum(m.seconds) ? (m as FromWorker) : null;
    case "error":
      return typeof m.message === "string" && ["data", "engine", "config", "training"].includes(m.stage as string)
        ? (m as FromWorker)
        : null;
    default:
      return checkRunEvent(m);
  }
}

/** The message if it is a well-formed start request, else null. */
export function checkToWorker(msg: unknown): ToWorker | null {
  if (!isObj(msg) || msg.type !== "start") return null;
  const s = msg.study;
  if (!isObj(s) || !Array.isArray(s.learningRates) || !Array.isArray(s.layers)) return null;
  if (!Array.isArray(msg.activations) || msg.activations.length === 0 || !msg.activations.every(isActivation))
    return null;
  if (typeof msg.engine !== "string" || typeof msg.dataUrl !== "string") return null;
  if (!(msg.subset === null || isIndex(msg.subset))) return null;
  return msg as unknown as ToWorker;
}

/** A one-line explanation of why the engine could not start, for the page. */
export function engineErrorMessage(choice: string, error: unknown, simd: { plain: boolean; relaxed: boolean }): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (!simd.plain && choice !== "js") {
    return `This browser cannot run the WebAssembly engine: it lacks WebAssembly SIMD (Chrome/Edge 91+, Firefox 89+, Safari 16.4+ have it). (${detail})`;
  }
  if (choice === "wasm-relaxed" && !simd.relaxed) {
    return `Engine "wasm-relaxed" needs relaxed SIMD, which this browser does not have (Chrome/Edge 114+); choose "wasm-simd" or "auto".`;
  }
  if (choice === "js" && /backend/.test(detail)) {
    return `Engine "js" (the plain-JavaScript twin) is not available in this build of the library; choose "auto", "wasm-relaxed" or "wasm-simd". (${detail})`;
  }
  return `The engine "${choice}" could not start: ${detail}`;
}
