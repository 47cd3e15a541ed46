// The page ↔ worker protocol: message checks, throttling, engine error wording, and the real
// worker module run in Node against the built site's data (a small subset).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  checkFromWorker,
  checkToWorker,
  engineErrorMessage,
  type FromWorker,
  type StartMessage,
} from "../src/web/protocol.js";
import { throttle } from "../src/study/events.js";
import type { Cell } from "../src/study/grid.js";
import { applyMessage, initialState, finishedRuns } from "../src/web/state.js";
import { DEFAULTS, type LabConfig } from "../src/web/settings.js";
import { studyConfig, resultsJson } from "../src/web/study-config.js";
import { needs } from "./support/needs.js";
import { checkReport } from "../src/study/check-report.js";
import { serveStatic, type StaticServer } from "../src/web/serve.js";

const logs = { loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.4 };
const run = {
  learningRate: 0.1,
  seed: 1,
  history: { loss: [1], accuracy: [0.5], val_loss: [1.2], val_accuracy: [0.4] },
  deadUnits: [{ layer: "dense_1", units: 8, dead: 2, fraction: 0.25 }],
  deadUnitsPerEpoch: [[{ layer: "dense_1", units: 8, dead: 2, fraction: 0.25 }]],
  diverged: null,
  seconds: 1,
};
const cell = (learningRate: number, activation: Cell["activation"]): Cell => ({
  learningRate,
  activation,
  kernelInitializer: "glorot_uniform",
  seed: 1,
});
const valid: FromWorker[] = [
  { type: "data-progress", loaded: 10, total: null },
  { type: "data-progress", loaded: 10, total: 20 },
  { type: "data-ready", train: 60000, test: 10000, seconds: 2 },
  { type: "engine", backend: "wasm-simd", threads: 2, threadsNote: null },
  { type: "engine", backend: "wasm-simd", threads: 1, threadsNote: "the page is not cross-origin isolated" },
  { type: "run-start", index: 0, cell: cell(0.1, "leaky_relu"), steps: 188 },
  { type: "train-begin", index: 0, deadUnits: run.deadUnits, masks: [Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 1)] },
  { type: "batch", index: 0, epoch: 0, step: 5, steps: 188, logs: { loss: 1, accuracy: 0.5 }, elapsedMs: 18 },
  {
    type: "epoch-end",
    index: 0,
    epoch: 0,
    logs,
    elapsedMs: 30,
    trainMs: 25,
    steps: 188,
    deadUnits: run.deadUnits,
    masks: [Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0)],
  },
  { type: "epoch-end", index: 1, epoch: 0, logs, elapsedMs: 30, trainMs: 25, steps: 188 },
  { type: "epoch-begin", index: 0, epoch: 1 },
  {
    type: "run-error",
    index: 2,
    name: "ArgumentError",
    dyingRelu: true,
    message: "bad",
  },
  { type: "run-end", index: 0, run },
  { type: "done", seconds: 12 },
  { type: "error", stage: "data", message: "cannot fetch" },
];

describe("worker → page messages", () => {
  it.each(valid.map((m) => [m.type, m]))("accepts a well-formed %s after a structured clone", (_, msg) => {
    const copy = structuredClone(msg);
    expect(checkFromWorker(copy)).toEqual(msg);
  });

  it.each([
    ["not an object", 42],
    ["null", null],
    ["an unknown type", { type: "hello" }],
    ["progress without numbers", { type: "data-progress", loaded: "10", total: null }],
    ["an engine on no threads", { type: "engine", backend: "wasm-simd", threads: 0, threadsNote: null }],
    ["an engine without its threads note", { type: "engine", backend: "wasm-simd", threads: 1 }],
    ["a negative run index", { type: "run-start", index: -1, cell: cell(0.1, "relu"), steps: 3 }],
    [
      "a run of an unknown activation",
      { type: "run-start", index: 0, cell: { ...cell(0.1, "relu"), activation: "swish" }, steps: 3 },
    ],
    ["a train-begin probe without masks", { type: "train-begin", index: 0, deadUnits: [] }],
    ["a fractional step", { type: "batch", index: 0, epoch: 0, step: 1.5, steps: 3, logs, elapsedMs: 1 }],
    [
      "masks that are not bytes",
      {
        type: "epoch-end",
        index: 0,
        epoch: 0,
        logs,
        elapsedMs: 1,
        trainMs: 1,
        steps: 1,
        deadUnits: [],
        masks: [[1, 0]],
      },
    ],
    ["a run without dead units", { type: "run-end", index: 0, run: { learningRate: 0.1 } }],
    ["an error with an unknown stage", { type: "error", stage: "moon", message: "x" }],
  ])("rejects %s", (_, msg) => {
    expect(checkFromWorker(msg)).toBeNull();
  });
});

describe("page → worker messages", () => {
  const start: StartMessage = {
    type: "start",
    study: studyConfig(DEFAULTS),
    activations: ["relu"],
    engine: "auto",
    subset: null,
    dataUrl: "http://localhost/data/",
  };

  it("accepts a start request after a structured clone", () => {
    expect(checkToWorker(structuredClone(start))).toEqual(start);
    expect(checkToWorker({ ...start, subset: 3000 })).not.toBeNull();
  });

  it("rejects anything else", () => {
    expect(checkToWorker({ type: "stop" })).toBeNull();
    expect(checkToWorker({ ...start, study: null })).toBeNull();
    expect(checkToWorker({ ...start, activations: [] })).toBeNull();
    expect(checkToWorker({ ...start, activations: ["relu", "tanh"] })).toBeNull();
    expect(checkToWorker({ ...start, subset: -1 })).toBeNull();
    expect(checkToWorker({ ...start, dataUrl: 1 })).toBeNull();
  });
});

describe("throttle", () => {
  it("lets a message through at most once per interval, or when forced", () => {
    let t = 0;
    const tick = throttle(50, () => t);
    const sent: number[] = [];
    for (t = 0; t < 200; t += 10) if (tick(t === 190)) sent.push(t);
    expect(sent).toEqual([0, 50, 100, 150, 190]);
  });
});

describe("engine errors", () => {
  it("explains a browser without SIMD, without relaxed SIMD, and a missing js engine", () => {
    expect(
      engineErrorMessage("auto", new Error("CompileError: invalid type"), { plain: false, relaxed: false }),
    ).toMatch(
      /^This browser cannot run the WebAssembly engine: it lacks WebAssembly SIMD .*\(CompileError: invalid type\)$/,
    );
    expect(engineErrorMessage("wasm-relaxed", new Error("x"), { plain: true, relaxed: false })).toMatch(
      /^Engine "wasm-relaxed" needs relaxed SIMD/,
    );
    expect(
      engineErrorMessage("js", new Error('backend must be "auto", "wasm-relaxed" or "wasm-simd", got "js"'), {
        plain: true,
        relaxed: true,
      }),
    ).toMatch(/^Engine "js" \(the plain-JavaScript twin\) is not available in this build/);
    expect(engineErrorMessage("wasm-simd", new Error("boom"), { plain: true, relaxed: true })).toBe(
      'The engine "wasm-simd" could not start: boom',
    );
  });
});

// The worker module itself, in Node: `self` is the global scope, postMessage collects messages.
const site = join(import.meta.dirname, "..", "dist", "site");
describe.runIf(needs("the built lab site's data", existsSync(join(site, "data")), "run npm run build"))(
  "the worker, run in Node on the built site's data",
  () => {
    let server: StaticServer;
    const received: unknown[] = [];
    let settle: () => void;

    beforeAll(async () => {
      server = await serveStatic({ root: site });
      const g = globalThis as unknown as { self: unknown; postMessage: (m: unknown) => void };
      g.self = globalThis;
      g.postMessage = (m: unknown) => {
        received.push(structuredClone(m));
        const type = (m as { type: string }).type;
        if (type === "done" || type === "error") settle();
      };
      await import("../src/web/worker.js");
    });
    afterAll(() => server?.close());

    const send = (msg: unknown) =>
      new Promise<void>((resolve) => {
        received.length = 0;
        settle = resolve;
        (globalThis as unknown as { onmessage: (e: { data: unknown }) => void }).onmessage({ data: msg });
      });

    it("answers a start with well-formed progress that drives the page state to done", async () => {
      const config = {
        ...DEFAULTS,
        learningRates: [0.5, 0.01],
        epochs: 2,
        subset: 1200,
        probe: 200,
        engine: "wasm-simd" as const,
        activations: ["relu", "leaky_relu"] as LabConfig["activations"],
        clipnorm: 5,
        warmupSteps: 3,
        redoEvery: 4,
      };
      await send({
        type: "start",
        study: studyConfig(config),
        activations: config.activations,
        engine: config.engine,
        subset: config.subset,
        dataUrl: new URL("data/", server.url).href,
      });
      const msgs = received.map((m) => checkFromWorker(m));
      expect(msgs.every((m) => m !== null)).toBe(true);
      const types = msgs.map((m) => m!.type);
      expect(types[0]).toBe("data-progress");
      // 2 rates × 2 activations, the rate slowest; each run probes before training, then after each of 2 epochs.
      expect(
        msgs
          .filter((m) => m!.type === "run-start")
          .map((m) => (m as { cell: { learningRate: number; activation: string } }).cell)
          .map((c) => [c.learningRate, c.activation]),
      ).toEqual([
        [0.5, "relu"],
        [0.5, "leaky_relu"],
        [0.01, "relu"],
        [0.01, "leaky_relu"],
      ]);
      expect(types.filter((t) => t === "epoch-end")).toHaveLength(8);
      expect(types.filter((t) => t === "run-end")).toHaveLength(4);
      const runTypes = types.filter((t) => ["run-start", "train-begin", "epoch-end"].includes(t));
      expect(runTypes).toEqual(Array(4).fill(["run-start", "train-begin", "epoch-end", "epoch-end"]).flat());
      expect(types.at(-1)).toBe("done");
      expect(types.indexOf("data-ready")).toBeLessThan(types.indexOf("engine"));
      const progress = msgs.filter((m) => m!.type === "data-progress").at(-1) as { loaded: number; total: number };
      expect(progress.loaded).toBe(progress.total);
      expect(progress.total).toBeGreaterThan(10e6);

      const state = initialState(config, "loading");
      for (const m of msgs) applyMessage(state, m!);
      expect(state.status).toBe("done");
      expect(state.errors).toEqual([]);
      expect(state.engine?.backend).toBe("wasm-simd");
      expect(state.data).toEqual({ train: 60000, test: 10000 });
      // The masks after the last epoch agree with each run's dead-unit counts.
      for (const r of state.runs) {
        expect(r.masks!.map((m) => m.reduce((a, b) => a + b, 0))).toEqual(r.run!.deadUnits.map((d) => d.dead));
        expect(r.run!.deadMasks).toEqual(r.masks!.map((m) => Array.from(m).join("")));
        expect(r.run!.activation).toBe(r.activation);
        expect(r.before).toEqual(r.run!.deadUnitsBeforeTraining);
        // The epochs carry the study's records: the definition, the other definitions and revivals.
        expect(r.epochs.map((e) => e.dead)).toEqual(r.run!.deadUnitsPerEpoch);
        expect(r.epochs[0].dead[0]).toMatchObject({
          definition: r.activation === "relu" ? "zero" : "never-positive",
          nearlyDead: expect.any(Number),
          dormant: expect.any(Number),
          revived: expect.any(Number),
        });
      }
      // The engine says how many threads each run was split over, and the download records it.
      expect(state.engine?.threads).toBeGreaterThanOrEqual(1);
      const json = resultsJson(config, state.engine!, finishedRuns(state));
      // The download is a results file as the sweep writes them: it passes the same schema.
      expect(checkReport(JSON.parse(JSON.stringify(json)), "download")).toEqual(json);
      expect(json.config.threads).toBe(state.engine!.threads);
      expect(json.runs.map((r) => [r.learningRate, r.activation])).toEqual([
        [0.5, "relu"],
        [0.5, "leaky_relu"],
        [0.01, "relu"],
        [0.01, "leaky_relu"],
      ]);
      expect(json.config.compile).toEqual({ optimizer: "adam", clipnorm: 5 });
      // Warmup and ReDo reach the study: the runs count what ReDo recycled in each of the 2 epochs.
      expect(json.config).toMatchObject({ warmupSteps: 3, recycle: { every: 4 } });
      for (const r of json.runs) expect(r.recycledPerEpoch).toHaveLength(2);
      expect(json.config.subset).toBe(1200);
    });

    it("reuses the downloaded data for the next start, and reports bad settings as a config error", async () => {
      await send({
        type: "start",
        study: { ...studyConfig(DEFAULTS), learningRates: [0.01], epochs: 1, batchSize: 5000 },
        activations: ["relu"],
        engine: "auto",
        subset: 1200,
        dataUrl: new URL("data/", server.url).href,
      });
      const msgs = received.map((m) => checkFromWorker(m)!);
      expect(msgs.some((m) => m.type === "data-progress")).toBe(false);
      expect(msgs.at(-1)).toEqual({
        type: "error",
        stage: "config",
        message: "batch size must be at most the 960 training images, got 5000",
      });
    });

    it("reports missing data as a data error", async () => {
      await send({
        type: "start",
        study: studyConfig(DEFAULTS),
        activations: ["relu"],
        engine: "auto",
        subset: null,
        dataUrl: new URL("nowhere/", server.url).href,
      });
      const last = checkFromWorker(received.at(-1));
      expect(last).toMatchObject({ type: "error", stage: "data" });
      expect((last as { message: string }).message).toMatch(
        /^cannot fetch http:\/\/localhost:\d+\/nowhere\/[a-z0-9-]+\.gz: HTTP 404$/,
      );
    });

    it("reports an engine it does not have", async () => {
      await send({
        type: "start",
        study: { ...studyConfig(DEFAULTS), learningRates: [0.01], epochs: 1 },
        activations: ["relu"],
        engine: "quantum",
        subset: 1200,
        dataUrl: new URL("data/", server.url).href,
      });
      expect(checkFromWorker(received.at(-1))).toMatchObject({ type: "error", stage: "engine" });
    });
  },
);
