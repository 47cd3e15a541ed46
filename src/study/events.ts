// A run's progress as messages: the one event union that the sweep's run workers (Node worker
// threads) and the lab worker (a Web Worker) post, eventHooks() that makes them from runOne's
// hooks, and checkRunEvent() that the receiving side applies to whatever arrives. Events are
// structured-clone data; `index` is the run's position in the cells being trained.
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from "../engine/activations.js";
import { INITIALIZERS, type Initializer } from "../engine/initializers.js";
import type { DeadUnits } from "../engine/dead-units.js";
import type { ModelFile } from "../engine/model-file.js";
import type { Logs } from "../engine/types.js";
import { DyingReluError } from "../errors.js";
import type { Cell } from "./grid.js";
import type { RunHooks } from "./run.js";
import type { Run } from "./schema.js";

export type RunEvent =
  | { type: "run-start"; index: number; cell: Cell; steps: number }
  /** The untrained model's probe, before the first epoch (only with `probes`). */
  | { type: "train-begin"; index: number; deadUnits: DeadUnits[]; masks: Uint8Array[] }
  | { type: "epoch-begin"; index: number; epoch: number }
  /** Throttled; `step` is 0-based, `logs` the epoch's running means, `elapsedMs` since the epoch began. */
  | { type: "batch"; index: number; epoch: number; step: number; steps: number; logs: Logs; elapsedMs: number }
  /**
   * `elapsedMs`: the whole epoch, validation included (as Keras' epoch line); `trainMs`: up to the
   * end of its last step. deadUnits and masks only with `probes`.
   */
  | {
      type: "epoch-end";
      index: number;
      epoch: number;
      logs: Logs;
      elapsedMs: number;
      trainMs: number;
      steps: number;
      deadUnits?: DeadUnits[];
      masks?: Uint8Array[];
    }
  | { type: "run-end"; index: number; run: Run; model?: ModelFile }
  /** The run failed; `name` is the DyingReluError subclass when `dyingRelu`, so the receiver can re-raise it. */
  | { type: "run-error"; index: number; name: string; dyingRelu: boolean; message: string };

export type Post = (event: RunEvent, transfer?: ArrayBuffer[]) => void;

export interface EventOptions {
  /** Training steps per epoch (stepsPerEpoch), so that every epoch's last batch is always posted. */
  steps: number;
  /** Post batch events at most this often; none when absent. */
  batchEveryMs?: number;
  /** Add the probe's dead units and masks (copies, transferred) to train-begin and epoch-end. */
  probes?: boolean;
  /** The clock, in ms (performance.now by default). */
  now?: () => number;
}

/**
 * runOne's hooks that post run `index`'s progress. The run's own end (`run-end`) and failure
 * (`run-error`) are the caller's to post, as only it sees runOne return or throw.
 */
export function eventHooks(index: number, post: Post, options: EventOptions): RunHooks {
  const { steps, batchEveryMs, probes = false, now = () => performance.now() } = options;
  const tick = batchEveryMs === undefined ? null : throttle(batchEveryMs, now);
  let epoch = 0;
  let began = 0;
  let lastStep = 0;
  let done = 0;
  // Copies: the study keeps its masks to count the next epoch's revivals, and posting detaches them.
  const copies = (masks: Uint8Array[]) => masks.map((m) => m.slice());
  return {
    callbacks: {
      onEpochBegin: (e) => {
        epoch = e;
        began = lastStep = now();
        done = 0;
        post({ type: "epoch-begin", index, epoch });
      },
      onBatchEnd: (step, logs) => {
        lastStep = now();
        done = step + 1;
        if (tick?.(step === steps - 1)) {
          post({ type: "batch", index, epoch, step, steps, logs: { ...logs }, elapsedMs: lastStep - began });
        }
      },
    },
    onTrainBegin: probes
      ? ({ deadUnits, masks }) => {
          const copied = copies(masks);
          post(
            { type: "train-begin", index, deadUnits, masks: copied },
            copied.map((m) => m.buffer as ArrayBuffer),
          );
        }
      : undefined,
    onEpochEnd: ({ epoch, logs, deadUnits, masks }) => {
      const copied = probes ? copies(masks) : [];
      post(
        {
          type: "epoch-end",
          index,
          epoch,
          logs: { ...logs },
          elapsedMs: now() - began,
          trainMs: lastStep - began,
          steps: done,
          ...(probes && { deadUnits, masks: copied }),
        },
        copied.map((m) => m.buffer as ArrayBuffer),
      );
    },
  };
}

/** The event `run-error` that reports `e` for run `index`. */
export function runError(index: number, e: unknown): RunEvent {
  const dyingRelu = e instanceof DyingReluError;
  return {
    type: "run-error",
    index,
    name: dyingRelu ? (e as Error).name : "Error",
    dyingRelu,
    message: String((e as Error)?.message ?? e),
  };
}

/**
 * Answers true at most once every `intervalMs` (and always when forced), so that a fast engine
 * does not flood the receiver with messages.
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

// Guards for structured-clone messages, shared with the lab's protocol.
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
export const isNum = (v: unknown): v is number => typeof v === "number";
export const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isLogs = (v: unknown) => isObj(v) && Object.values(v).every(isNum);
const isMasks = (v: unknown) => Array.isArray(v) && v.every((x) => x instanceof Uint8Array);
const isCell = (c: unknown) =>
  isObj(c) &&
  isNum(c.learningRate) &&
  HIDDEN_ACTIVATIONS.includes(c.activation as HiddenActivation) &&
  INITIALIZERS.includes(c.kernelInitializer as Initializer) &&
  isIndex(c.seed);
const isProbe = (m: Record<string, unknown>) => Array.isArray(m.deadUnits) && isMasks(m.masks);

/** The message if it is a well-formed RunEvent, else null (the receiver reports it as a bug). */
export function checkRunEvent(msg: unknown): RunEvent | null {
  if (!isObj(msg) || !isIndex(msg.index)) return null;
  const m = msg;
  const ok = (() => {
    switch (m.type) {
      case "run-start":
        return isCell(m.cell) && isIndex(m.steps);
      case "train-begin":
        return isProbe(m);
      case "epoch-begin":
        return isIndex(m.epoch);
      case "batch":
        return isIndex(m.epoch) && isIndex(m.step) && isIndex(m.steps) && isLogs(m.logs) && isNum(m.elapsedMs);
      case "epoch-end":
        return (
          isIndex(m.epoch) &&
          isLogs(m.logs) &&
          isNum(m.elapsedMs) &&
          isNum(m.trainMs) &&
          isIndex(m.steps) &&
          (m.masks === undefined || isProbe(m))
        );
      case "run-end":
        return isObj(m.run) && isNum(m.run.learningRate) && Array.isArray(m.run.deadUnits);
      case "run-error":
        return typeof m.name === "string" && typeof m.dyingRelu === "boolean" && typeof m.message === "string";
      default:
        return false;
    }
  })();
  return ok ? (m as RunEvent) : null;
}
