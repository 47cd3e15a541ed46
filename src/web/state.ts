// The lab page's state, kept free of the DOM so that it can be tested in Node: what the page shows
// as the worker reports progress (the reducer over its messages), and the runs' names on the page.
import type { Run } from "../study/schema.js";
import type { Logs } from "../engine/types.js";
import type { DeadUnits } from "../engine/dead-units.js";
import { ACTIVATION_SPECS, type Activation, type HiddenActivation } from "../engine/activations.js";
import type { FromWorker } from "./protocol.js";
import type { LabConfig } from "./settings.js";
import { labRuns } from "./study-config.js";

// ── What the page shows ─────────────────────────────────────────────────────────────────────

export interface EpochPoint {
  logs: Logs;
  /** The study's record: dead, nearlyDead, dormant, revived and the definition, per layer. */
  dead: DeadUnits[];
}

export interface RunState {
  learningRate: number;
  activation: HiddenActivation;
  status: "waiting" | "running" | "done" | "diverged" | "stopped";
  /** The untrained model's dead units on the probe (epoch 0 of the dead-unit charts). */
  before: DeadUnits[] | null;
  /** One entry per completed epoch. */
  epochs: EpochPoint[];
  /** Per hidden layer, 1 = dead, after the last probe; null before the first. */
  masks: Uint8Array[] | null;
  /** Running training loss within each epoch, by global step (epoch · steps + step). */
  batchLoss: (number | null)[];
  progress: { epoch: number; step: number; steps: number; loss: number; accuracy: number } | null;
  run: Run | null;
}

export type LabStatus = "idle" | "loading" | "training" | "done" | "stopped" | "failed";

export interface LabState {
  status: LabStatus;
  config: LabConfig;
  download: { loaded: number; total: number | null } | null;
  data: { train: number; test: number } | null;
  engine: { backend: string; simd: string; threads: number; threadsNote: string | null } | null;
  /** One per learning rate × activation, in labRuns() order. */
  runs: RunState[];
  /** Milliseconds per training step: the current epoch's running figure. */
  msPerStep: number | null;
  /** Steps per epoch once training has started. */
  steps: number | null;
  errors: string[];
  notices: string[];
  seconds: number | null;
}

export function initialState(config: LabConfig, status: LabStatus = "idle"): LabState {
  return {
    status,
    config,
    download: null,
    data: null,
    engine: null,
    runs: labRuns(config).map(({ learningRate, activation }) => ({
      learningRate,
      activation,
      status: "waiting",
      before: null,
      epochs: [],
      masks: null,
      batchLoss: [],
      progress: null,
      run: null,
    })),
    msPerStep: null,
    steps: null,
    errors: [],
    notices: [],
    seconds: null,
  };
}

/** A run's name on the page: "lr 0.5", or "lr 0.5 · leaky_relu" when activations are compared. */
export function runLabel(config: LabConfig, run: { learningRate: number; activation: string }): string {
  return config.activations.length > 1 ? `lr ${run.learningRate} · ${run.activation}` : `lr ${run.learningRate}`;
}

/** What "dead" means for an activation, as deadUnits() reports it: ReLU's exact zero, or never positive. */
export const deadDefinition = (activation: string): "zero" | "never-positive" =>
  ACTIVATION_SPECS[activation as Activation]?.dead ?? "never-positive";

/** How the engine computes, for the status line. */
export function simdMode(backend: string): string {
  if (backend === "wasm-relaxed") return "relaxed SIMD (f32x4.relaxed_madd)";
  if (backend === "wasm-simd") return "SIMD128 (f32x4)";
  if (backend === "js") return "plain JavaScript, no SIMD";
  return "unknown";
}

/** Applies one worker message to the page state (in place) and returns it. */
export function applyMessage(state: LabState, msg: FromWorker): LabState {
  const run = "index" in msg ? state.runs[msg.index] : undefined;
  switch (msg.type) {
    case "data-progress":
      state.status = "loading";
      state.download = { loaded: msg.loaded, total: msg.total };
      break;
    case "data-ready":
      state.data = { train: msg.train, test: msg.test };
      break;
    case "engine":
      state.engine = {
        backend: msg.backend,
        simd: simdMode(msg.backend),
        threads: msg.threads,
        threadsNote: msg.threadsNote,
      };
      state.status = "training";
      break;
    case "run-start":
      if (run) {
        run.status = "running";
        run.batchLoss = new Array<number | null>(msg.steps * state.config.epochs).fill(null);
      }
      state.steps = msg.steps;
      break;
    case "train-begin":
      if (run) {
        run.before = msg.deadUnits;
        run.masks = msg.masks;
      }
      break;
    case "batch":
      if (run) {
        const { loss, accuracy } = msg.logs;
        run.progress = { epoch: msg.epoch, step: msg.step, steps: msg.steps, loss, accuracy };
        const at = msg.epoch * msg.steps + msg.step;
        if (at < run.batchLoss.length) run.batchLoss[at] = loss;
      }
      state.msPerStep = msg.elapsedMs / (msg.step + 1);
      break;
    case "epoch-end":
      if (run && msg.deadUnits && msg.masks) {
        run.epochs[msg.epoch] = { logs: msg.logs, dead: msg.deadUnits };
        run.masks = msg.masks;
      }
      state.msPerStep = msg.trainMs / Math.max(1, msg.steps);
      break;
    case "run-end":
      if (run) {
        run.run = msg.run;
        run.status = msg.run.diverged ? "diverged" : "done";
        run.progress = null;
        if (msg.run.diverged) {
          state.notices.push(
            `${runLabel(state.config, run).replace(/^lr/, "Learning rate")} diverged: the loss became NaN/Inf at epoch ${msg.run.diverged.epoch}, step ${msg.run.diverged.step}; training stopped there.`,
          );
        }
      }
      break;
    case "done":
      state.status = "done";
      state.seconds = msg.seconds;
      break;
    case "error":
      state.status = "failed";
      state.errors.push(msg.message);
      for (const r of state.runs) if (r.status === "running") r.status = "stopped";
      break;
  }
  return state;
}

/** The user pressed stop (the worker is gone): what ran stays on screen. */
export function stopState(state: LabState): LabState {
  if (state.status === "loading" || state.status === "training" || state.status === "idle") state.status = "stopped";
  for (const r of state.runs) if (r.status === "running") r.status = "stopped";
  return state;
}

/** Completed runs, in the page's run order. */
export function finishedRuns(state: LabState): Run[] {
  return state.runs.flatMap((r) => (r.run ? [r.run] : []));
}
