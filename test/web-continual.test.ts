// The lab's Continual mode without a browser: its settings from the URL and the form, the same
// study as a CLI line, its state under the workers' messages, and the checks on those messages.
import { describe, expect, it } from "vitest";
import { CONTINUAL } from "../src/study/continual-config.js";
import { checkContinualReport, type ContinualReport } from "../src/study/continual-schema.js";
import type { TaskRecord } from "../src/study/continual.js";
import {
  PAGE_DEFAULTS,
  continualCommand,
  parseContinualQuery,
  parsePageSettings,
  toContinualQuery,
} from "../src/web/continual/settings.js";
import { applyMessage, downloaded, initialState, resultsFile, stopState } from "../src/web/continual/state.js";
import { checkFromContinualWorker, checkStartContinual } from "../src/web/continual/protocol.js";

const record = (task: number): TaskRecord => ({
  task,
  onlineAccuracy: 0.9,
  loss: 0.3,
  deadUnits: [{ layer: "dense_1", units: 100, dead: 2, fraction: 0.02, nearlyDead: 3, dormant: 4 }],
  effectiveRank: [60],
  approximateRank: [50],
  weightMagnitude: 0.06,
  replaced: [0],
});

describe("the Continual mode's settings", () => {
  it("starts from the study's defaults with 10,000 examples per task, and says so as a CLI line", () => {
    const s = parseContinualQuery("");
    expect(s.errors).toEqual([]);
    expect(s.config).toEqual({ ...CONTINUAL, perTask: 10_000 });
    expect(s.engine).toBe("auto");
    expect(continualCommand(s.config, s.engine)).toBe("dying-relu continual --per-task 10000");
    expect(toContinualQuery(s.config, s.engine)).toBe("");
  });

  it("reads the URL's settings and writes back only those that differ", () => {
    const s = parseContinualQuery("?tasks=20&method=bp,l2,cbp&layers=50,50&rho=1e-5&engine=wasm-simd&autostart=1");
    expect(s.errors).toEqual([]);
    expect(s.autostart).toBe(true);
    expect(s.config).toMatchObject({
      tasks: 20,
      methods: ["bp", "l2", "cbp"],
      layers: [50, 50],
      replacementRate: 1e-5,
    });
    expect(toContinualQuery(s.config, s.engine)).toBe(
      "?tasks=20&method=bp,l2,cbp&layers=50,50&rho=0.00001&engine=wasm-simd",
    );
    expect(continualCommand(s.config, s.engine)).toBe(
      "dying-relu continual --tasks 20 --per-task 10000 --method bp,l2,cbp --layers 50,50 --replacement-rate 0.00001 --backend wasm-simd",
    );
  });

  it("names each bad field in one line, and unknown URL parameters", () => {
    const s = parseContinualQuery("?tasks=x&method=bp,bp&lr=-1&engine=gpu&epochs=5");
    expect(s.errors).toEqual([
      { field: "tasks", message: 'tasks must be a whole number, got "x"' },
      { field: "methods", message: 'methods: "bp" is given twice' },
      { field: "learningRate", message: 'learning rate must be a positive number, got "-1"' },
      { field: "engine", message: 'engine must be one of auto, wasm-relaxed, wasm-simd, js, got "gpu"' },
      {
        field: "",
        message:
          'unknown URL parameter "epochs" (known: tasks, per-task, method, layers, opt, lr, wd, noise, rho, seed, engine, autostart)',
      },
    ]);
    // Range checks across the study are checkContinual's: 60,000 images at most per task.
    expect(parsePageSettings({ perTask: "70000" }).errors).toEqual([
      { field: "perTask", message: "examples per task must be an integer in [1, 60000], got 70000" },
    ]);
    expect(parsePageSettings({ tasks: "0" }).errors).toEqual([
      { field: "tasks", message: "tasks must be an integer in [1, 100000], got 0" },
    ]);
    expect(parsePageSettings({ methods: "" }).errors[0].message).toBe("methods: give at least one value");
  });
});

describe("the Continual mode's state", () => {
  it("follows each method's worker to its end, and the study's end", () => {
    const state = initialState({ ...PAGE_DEFAULTS, tasks: 2 }, "auto", "running");
    expect(state.runs.map((r) => [r.method, r.status])).toEqual([
      ["bp", "waiting"],
      ["cbp", "waiting"],
    ]);
    applyMessage(state, 0, { type: "data-progress", loaded: 5, total: 10 });
    expect(state.runs[0].status).toBe("loading");
    applyMessage(state, 1, { type: "data-progress", loaded: 10, total: 10 });
    expect(downloaded(state)).toBe(0.75); // each worker fetches its own copy
    applyMessage(state, 1, { type: "data-ready", train: 60000, test: 10000, seconds: 1 });
    applyMessage(state, 0, { type: "engine", backend: "wasm-simd" });
    applyMessage(state, 0, { type: "progress", task: 1, done: 1000, hits: 800, stepsPerSecond: 5e4 });
    expect(state.runs[0]).toMatchObject({ status: "running", progress: { task: 1, done: 1000, hits: 800 } });
    applyMessage(state, 0, { type: "task", record: record(1), stepsPerSecond: 5e4 });
    const run = {
      method: "bp" as const,
      seed: 42,
      stepsPerSecond: 5e4,
      seconds: 1,
      diverged: false,
      tasks: [record(1), record(2)],
    };
    expect(applyMessage(state, 0, { type: "run-end", run })).toBe(true);
    expect(state.runs[0].status).toBe("done");
    expect(state.status).toBe("running"); // cbp still going
    expect(applyMessage(state, 1, { type: "error", stage: "engine", message: "no SIMD" })).toBe(true);
    expect(state.status).toBe("failed");
    expect(state.errors).toEqual(["cbp: no SIMD"]);
    // The finished run makes a results file that the CLI's schema accepts.
    const file = resultsFile(state, "wasm-simd");
    expect(checkContinualReport<ContinualReport>(JSON.parse(JSON.stringify(file)), "lab.json").runs).toHaveLength(1);
  });

  it("stops the runs still going and keeps the finished ones", () => {
    const state = initialState(PAGE_DEFAULTS, "auto", "running");
    const run = { method: "bp" as const, seed: 42, stepsPerSecond: 1, seconds: 1, diverged: false, tasks: [record(1)] };
    applyMessage(state, 0, { type: "run-end", run });
    stopState(state);
    expect(state.runs.map((r) => r.status)).toEqual(["done", "stopped"]);
    expect(state.status).toBe("stopped");
    // Its results file is whole for the method that finished: merge and --report read it.
    const file = resultsFile(state, "wasm-simd");
    expect(file.config.methods).toEqual(["bp"]);
    expect(file.runs.map((r) => r.method)).toEqual(["bp"]);
    expect(file.seconds).toBe(resultsFile(state, "wasm-simd").seconds); // fixed when the study stopped
  });
});

describe("the Continual mode's messages", () => {
  it("accepts well-formed messages and refuses the rest", () => {
    expect(checkFromContinualWorker({ type: "task", record: record(1), stepsPerSecond: 1 })).not.toBeNull();
    expect(
      checkFromContinualWorker({ type: "task", record: { ...record(1), effectiveRank: ["x"] }, stepsPerSecond: 1 }),
    ).toBeNull();
    expect(checkFromContinualWorker({ type: "progress", task: 1, done: -1, hits: 0, stepsPerSecond: 1 })).toBeNull();
    expect(checkFromContinualWorker({ type: "error", stage: "elsewhere", message: "x" })).toBeNull();
    expect(checkFromContinualWorker({ type: "data-ready", train: 1, test: 1, seconds: 0 })).not.toBeNull();
    expect(checkFromContinualWorker("hello")).toBeNull();
    const start = {
      type: "start",
      config: PAGE_DEFAULTS,
      method: "bp",
      seed: 42,
      engine: "auto",
      dataUrl: "http://x/",
    };
    expect(checkStartContinual(start)).not.toBeNull();
    expect(checkStartContinual({ ...start, seed: -1 })).toBeNull();
  });
});
