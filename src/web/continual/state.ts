// The Continual mode's state, free of the DOM so that it can be tested in Node: one entry per
// method, each moved on by its worker's messages, and the results file of the finished runs.
import type { BackendChoice } from "../../engine/wasm.js";
import type { ContinualConfig, Method } from "../../study/continual-config.js";
import type { ContinualRun, TaskRecord } from "../../study/continual.js";
import type { ContinualReport } from "../../study/continual-schema.js";
import type { FromContinualWorker } from "./protocol.js";

export type RunStatus = "waiting" | "loading" | "running" | "done" | "diverged" | "stopped" | "failed";

export interface MethodState {
  method: Method;
  status: RunStatus;
  tasks: TaskRecord[];
  /** Its worker's download of MNIST (each worker fetches its own copy). */
  download: { loaded: number; total: number | null } | null;
  /** Within the current task. */
  progress: { task: number; done: number; hits: number } | null;
  stepsPerSecond: number | null;
  backend: string | null;
  run: ContinualRun | null;
}

export interface ContinualState {
  status: "idle" | "running" | "done" | "stopped" | "failed";
  config: ContinualConfig;
  engine: BackendChoice;
  runs: MethodState[];
  errors: string[];
  started: number;
  /** When the last run ended or the study was stopped. */
  ended: number | null;
}

export function initialState(
  config: ContinualConfig,
  engine: BackendChoice,
  status: ContinualState["status"] = "idle",
): ContinualState {
  return {
    status,
    config,
    engine,
    runs: config.methods.map((method) => ({
      method,
      status: "waiting",
      tasks: [],
      download: null,
      progress: null,
      stepsPerSecond: null,
      backend: null,
      run: null,
    })),
    errors: [],
    started: performance.now(),
    ended: null,
  };
}

const finished = (s: RunStatus) => s === "done" || s === "diverged" || s === "failed" || s === "stopped";

/** Applies method i's worker message; returns whether that run has ended (its worker can go). */
export function applyMessage(state: ContinualState, i: number, msg: FromContinualWorker): boolean {
  const run = state.runs[i];
  switch (msg.type) {
    case "data-progress":
      run.download = { loaded: msg.loaded, total: msg.total };
      run.status = "loading";
      return false;
    case "data-ready":
      run.download = { loaded: 1, total: 1 };
      return false;
    case "engine":
      run.backend = msg.backend;
      run.status = "running";
      return false;
    case "progress":
      run.status = "running";
      run.progress = { task: msg.task, done: msg.done, hits: msg.hits };
      run.stepsPerSecond = msg.stepsPerSecond;
      return false;
    case "task":
      run.tasks.push(msg.record);
      run.stepsPerSecond = msg.stepsPerSecond;
      return false;
    case "run-end":
      run.run = msg.run;
      run.tasks = msg.run.tasks;
      run.stepsPerSecond = msg.run.stepsPerSecond;
      run.status = msg.run.diverged ? "diverged" : "done";
      run.progress = null;
      settle(state);
      return true;
    case "error":
      run.status = "failed";
      state.errors.push(`${run.method}: ${msg.message}`);
      settle(state);
      return true;
  }
}

/** Once every run has ended: the study's status. */
function settle(state: ContinualState): void {
  if (!state.runs.every((r) => finished(r.status))) return;
  state.status = state.runs.some((r) => r.status === "failed") ? "failed" : "done";
  state.ended = performance.now();
}

/** Stops the runs still going; those already finished keep their results. */
export function stopState(state: ContinualState): void {
  for (const r of state.runs) if (!finished(r.status)) r.status = "stopped";
  state.status = "stopped";
  state.ended = performance.now();
}

/** The share of MNIST's download done, over the workers that have started one. */
export function downloaded(state: ContinualState): number {
  const seen = state.runs.flatMap((r) => (r.download ? [r.download] : []));
  if (seen.length === 0) return 0;
  return seen.reduce((s, d) => s + (d.total ? Math.min(d.loaded / d.total, 1) : 0), 0) / seen.length;
}

export const finishedRuns = (state: ContinualState): ContinualRun[] =>
  state.runs.flatMap((r) => (r.run ? [r.run] : []));

/**
 * The finished runs as the CLI's --json writes them: a complete file for the methods that
 * finished (a stopped or failed study's others are left out of its config too).
 */
export function resultsFile(state: ContinualState, backend: string): ContinualReport {
  const runs = finishedRuns(state);
  return {
    schemaVersion: 1,
    kind: "continual",
    generator: "dying-relu lab",
    backend,
    config: { ...state.config, methods: runs.map((r) => r.method) },
    shard: null,
    seconds: ((state.ended ?? performance.now()) - state.started) / 1000,
    runs,
  };
}
