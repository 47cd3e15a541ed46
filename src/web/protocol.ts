// The messages between the lab page and its training worker. The page sends one "start"; the
// worker answers with progress until "done" or "error". Stopping is the page terminating the
// worker. Everything is structured-clone data (no classes), checked on arrival by the page.
import type { Run } from "../study/schema.js";
import type { StudyConfig } from "../study/config.js";
import type { Logs } from "../engine/types.js";
import type { DeadUnits } from "../engine/dead-units.js";
import type { BackendChoice } from "../engine/wasm.js";
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "../engine/activations.js";

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

export type FromWorker =
  | { type: "data-progress"; loaded: number; total: number | null }
  | { type: "data-ready"; train: number; test: number; seconds: number }
  /**
   * The engine in use, the threads each run is split over (1 unless the page is cross-origin
   * isolated) and, on one thread, why (engine.threadsNote).
   */
  | { type: "engine"; backend: string; threads: number; threadsNote: string | null }
  | { type: "run-start"; index: number; learningRate: number; activation: HiddenActivation; steps: number }
  /** The untrained model's probe, before the first epoch. */
  | { type: "before-training"; index: number; dead: DeadUnits[]; masks: Uint8Array[] }
  | {
      type: "batch";
      index: number;
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      accuracy: number;
      msPerStep: number;
    }
  | {
      type: "epoch";
      index: number;
      epoch: number;
      logs: Logs;
      dead: DeadUnits[];
      masks: Uint8Array[];
      msPerStep: number;
    }
  | { type: "run-end"; index: number; run: Run }
  | { type: "done"; seconds: number }
  | { type: "error"; stage: ErrorStage; message: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isNum = (v: unknown): v is number => typeof v === "number";
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const nums = (o: Record<string, unknown>, keys: string[]) => keys.every((k) => isNum(o[k]));
const isMasks = (v: unknown) => Array.isArray(v) && v.every((x) => x instanceof Uint8Array);
const isActivation = (v: unknown): v is HiddenActivation => HIDDEN_ACTIVATIONS.includes(v as HiddenActivation);

/** The message if it is a well-formed FromWorker, else null (the page reports it as a bug). */
export function checkFromWorker(msg: unknown): FromWorker | null {
  if (!isObj(msg) || typeof msg.type !== "string") return null;
  const m = msg;
  switch (m.type) {
    case "data-progress":
      return isNum(m.loaded) && (m.total === null || isNum(m.total)) ? (m as FromWorker) : null;
    case "data-ready":
      return nums(m, ["train", "test", "seconds"]) ? (m as FromWorker) : null;
    case "engine":
      return typeof m.backend === "string" &&
        isIndex(m.threads) &&
        m.threads >= 1 &&
        (m.threadsNote === null || typeof m.threadsNote === "string")
        ? (m as FromWorker)
        : null;
    case "run-start":
      return isIndex(m.index) && nums(m, ["learningRate", "steps"]) && isActivation(m.activation)
        ? (m as FromWorker)
        : null;
    case "before-training":
      return isIndex(m.index) && Array.isArray(m.dead) && isMasks(m.masks) ? (m as FromWorker) : null;
    case "batch":
      return isIndex(m.index) &&
        isIndex(m.epoch) &&
        isIndex(m.step) &&
        nums(m, ["steps", "loss", "accuracy", "msPerStep"])
        ? (m as FromWorker)
        : null;
    case "epoch":
      return isIndex(m.index) &&
        isIndex(m.epoch) &&
        isObj(m.logs) &&
        Array.isArray(m.dead) &&
        isMasks(m.masks) &&
        isNum(m.msPerStep)
        ? (m as FromWorker)
        : null;
    case "run-end":
      return isIndex(m.index) && isObj(m.run) && isNum(m.run.learningRate) && Array.isArray(m.run.deadUnits)
        ? (m as FromWorker)
        : null;
    case "done":
      return isNum(m.seconds) ? (m as FromWorker) : null;
    case "error":
      return typeof m.message === "string" && ["data", "engine", "config", "training"].includes(m.stage as string)
        ? (m as FromWorker)
        : null;
    default:
      return null;
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

/**
 * Sends batch progress at most every `intervalMs` (and always the last step of an epoch), so that
 * a fast engine does not flood the page with messages.
 */
export function throttle(intervalMs: number, now: () => number = () => performance.now()) {
  let last = -Infinity;
  return (force: boolean): boolean => {
    const t = now();
    if (!force && t - last < intervalMs) return false;
    last = t;
    return true;
  };
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
