// The remedies' sweep flags through the built bin: each reaches the study (the CLI's runs equal
// the library's runOne with the same config), shows in the header and the JSON config, and bad
// values are one-line errors.
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, type Engine } from "../src/index.js";
import { loadMnist } from "../src/data/mnist-node.js";
import { NOTEBOOK, studyCells, type StudyConfig } from "../src/study/config.js";
import { runOne } from "../src/study/run.js";
import type { Mnist } from "../src/data/mnist.js";
import { mnistFolder } from "./support/idx-files.js";
import { cli } from "./support/cli.js";

let data: string;
let dir: string;
let mnist: Mnist;
let engine: Engine;
/** The library's run of `config` at one learning rate, as the CLI trains it. */
const runAt = (config: StudyConfig, learningRate: number) =>
  runOne(engine, mnist, config, studyCells({ ...config, learningRates: [learningRate] })[0]);
const BASE = [
  "--lr",
  "0.05",
  "--epochs",
  "2",
  "--batch-size",
  "64",
  "--layers",
  "32,16",
  "--probe",
  "100",
  "--seed",
  "3",
  "--workers",
  "1",
  "--backend",
  "wasm-simd",
  "--threads",
  "2",
];
const CONFIG: StudyConfig = {
  ...NOTEBOOK,
  learningRates: [0.05],
  epochs: 2,
  batchSize: 64,
  layers: [32, 16],
  probe: 100,
  seed: 3,
};

beforeAll(async () => {
  data = mnistFolder(960, 100);
  dir = mkdtempSync(join(tmpdir(), "dying-relu-remedies-"));
  mnist = await loadMnist(data);
  engine = await createEngine({ backend: "wasm-simd", threads: 2 }); // as the CLI runs, split over two threads
});

/** Runs the sweep with `flags` and returns its stdout and the JSON report. */
async function sweep(name: string, ...flags: string[]) {
  const file = join(dir, `${name}.json`);
  const r = await cli("sweep", "--data", data, ...BASE, ...flags, "--json", file);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return { stdout: r.stdout, report: JSON.parse(readFileSync(file, "utf8")) };
}

const untimed = <T extends { seconds: number }>({ seconds: _, ...rest }: T) => rest;

describe("dying-relu sweep remedies", () => {
  it("--warmup N: Adam warmed up over N steps, as runOne with warmupSteps", async () => {
    const { stdout, report } = await sweep("warmup", "--warmup", "20");
    expect(stdout.split("\n")[0]).toContain("· Adam (warmup 20 steps)");
    expect(report.config.warmupSteps).toBe(20);
    const lib = await runAt({ ...CONFIG, warmupSteps: 20 }, 0.05);
    expect(untimed(report.runs[0])).toEqual(JSON.parse(JSON.stringify(untimed(lib))));
    const plain = await runAt(CONFIG, 0.05);
    expect(plain.history.loss).not.toEqual(lib.history.loss);
  });

  it("--optimizer and its flags: compile()'s options, as runOne with config.compile", async () => {
    const { stdout, report } = await sweep(
      "sgd",
      "--optimizer",
      "sgd",
      "--momentum",
      "0.9",
      "--nesterov",
      "--clipnorm",
      "1",
      "--weight-decay",
      "0.001",
    );
    expect(stdout.split("\n")[0]).toContain("· sgd (momentum 0.9, nesterov true, clipnorm 1, weightDecay 0.001)");
    const compile = { optimizer: "sgd" as const, momentum: 0.9, nesterov: true, clipnorm: 1, weightDecay: 0.001 };
    expect(report.config.compile).toEqual(compile);
    const lib = await runAt({ ...CONFIG, compile }, 0.05);
    expect(untimed(report.runs[0])).toEqual(JSON.parse(JSON.stringify(untimed(lib))));
    expect(lib.history.loss).not.toEqual((await runAt(CONFIG, 0.05)).history.loss);
    // A flag alone keeps Adam, with that option.
    const { report: eps } = await sweep("epsilon", "--epsilon", "1e-4", "--global-clipnorm", "5");
    expect(eps.config.compile).toEqual({ optimizer: "adam", globalClipnorm: 5, epsilon: 1e-4 });
  });

  it("--init randomized_asymmetric reaches the hidden layers", async () => {
    const { report } = await sweep("rai", "--init", "randomized_asymmetric");
    expect(report.runs[0].kernelInitializer).toBe("randomized_asymmetric");
    const lib = await runAt({ ...CONFIG, kernelInitializer: "randomized_asymmetric" }, 0.05);
    expect(untimed(report.runs[0])).toEqual(JSON.parse(JSON.stringify(untimed(lib))));
  });

  it("--redo-every N --redo-tau F: ReDo recycling, counted per epoch and layer, as runOne with recycle", async () => {
    const { stdout, report } = await sweep("redo", "--lr", "0.5", "--redo-every", "3", "--redo-tau", "0.1");
    expect(stdout.split("\n")[0]).toContain("· ReDo every 3 steps (τ 0.1)");
    expect(report.config.recycle).toEqual({ every: 3, tau: 0.1 });
    const run = report.runs[0];
    expect(run.recycledPerEpoch).toHaveLength(2);
    for (const epoch of run.recycledPerEpoch)
      expect(epoch.map((e: { layer: string }) => e.layer)).toEqual(["dense_1", "dense_2"]);
    const lib = await runAt({ ...CONFIG, recycle: { every: 3, tau: 0.1 } }, 0.5);
    expect(untimed(run)).toEqual(JSON.parse(JSON.stringify(untimed(lib))));
    expect(lib.recycledPerEpoch!.flat().some((e) => e.recycled > 0)).toBe(true);
    expect((await runAt(CONFIG, 0.5)).recycledPerEpoch).toBeUndefined();
  });

  it("--probe-every N: dead units after every N steps, agreeing with the per-epoch probe at epoch ends", async () => {
    const { report } = await sweep("probe-every", "--lr", "0.5", "--probe-every", "4");
    expect(report.config.probeEvery).toBe(4);
    const run = report.runs[0];
    // 768 training images in batches of 64: 12 steps per epoch, 24 in all.
    expect(run.deadUnitsPerStep.map((e: { step: number }) => e.step)).toEqual([4, 8, 12, 16, 20, 24]);
    const withoutRevived = (layers: { revived?: number }[]) => layers.map(({ revived: _, ...rest }) => rest);
    expect(run.deadUnitsPerStep[2].layers).toEqual(withoutRevived(run.deadUnitsPerEpoch[0]));
    expect(run.deadUnitsPerStep[5].layers).toEqual(withoutRevived(run.deadUnitsPerEpoch[1]));
    expect(run.deadUnitsPerStep[0].layers.map((l: { layer: string }) => l.layer)).toEqual(["dense_1", "dense_2"]);
    const lib = await runAt({ ...CONFIG, probeEvery: 4 }, 0.5);
    expect(untimed(run)).toEqual(JSON.parse(JSON.stringify(untimed(lib))));
    // Probing does not change training.
    expect(lib.history).toEqual((await runAt(CONFIG, 0.5)).history);
    expect((await runAt(CONFIG, 0.5)).deadUnitsPerStep).toBeUndefined();
  });

  const bad: [string, string[], RegExp][] = [
    ["--probe-every 0", ["--probe-every", "0"], /--probe-every must be at least 1, got 0/],
    ["--probe-every 1.5", ["--probe-every", "1.5"], /--probe-every expects a whole number, got "1.5"/],
    ["--redo-every 0", ["--redo-every", "0"], /--redo-every must be between 1 and 9007199254740992, got 0/],
    ["--redo-tau without --redo-every", ["--redo-tau", "0.1"], /--redo-tau needs --redo-every/],
    ["a negative --redo-tau", ["--redo-every", "2", "--redo-tau=-1"], /--redo-tau must be a number ≥ 0, got "-1"/],
    ["--warmup x", ["--warmup", "x"], /--warmup must be a whole number, got "x"/],
    ["--warmup -3", ["--warmup=-3"], /--warmup must be a whole number, got "-3"/],
    [
      "an unknown --optimizer",
      ["--optimizer", "lion"],
      /--optimizer must be one of "adam", "adamw", "sgd", "rmsprop", got "lion"/,
    ],
    [
      "a flag of another optimizer",
      ["--momentum", "0.9"],
      /--optimizer "adam" takes no option --momentum \(it takes --lr, .*--weight-decay, .*--beta1, --beta2, --epsilon\)/,
    ],
    [
      "--nesterov without sgd",
      ["--optimizer", "rmsprop", "--nesterov"],
      /--optimizer "rmsprop" takes no option --nesterov/,
    ],
    [
      "two clips",
      ["--clipnorm", "1", "--clipvalue", "1"],
      /give only one of --clipnorm, --clipvalue and --global-clipnorm/,
    ],
    ["--momentum 2", ["--optimizer", "sgd", "--momentum", "2"], /--momentum must be a number in \[0, 1\], got 2/],
    ["--beta1 1", ["--beta1", "1"], /--beta1 must be a number in \(0, 1\), got 1/],
    ["--weight-decay x", ["--weight-decay", "x"], /--weight-decay expects a number, got "x"/],
  ];
  it.each(bad)("%s: one line on stderr, exit code 2", async (_name, args, message) => {
    const { code, stderr } = await cli("sweep", "--data", data, ...BASE, ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("help lists the flags", async () => {
    const help = (await cli("sweep", "--help")).stdout;
    for (const flag of [
      "--warmup N",
      "randomized_asymmetric",
      "--redo-every N",
      "--redo-tau F",
      "--probe-every N",
      "--optimizer NAME",
      "--momentum F",
      "--nesterov",
      "--rho F",
      "--centered",
      "--beta1 F",
      "--beta2 F",
      "--epsilon F",
      "--weight-decay F",
      "--clipnorm F",
      "--clipvalue F",
      "--global-clipnorm F",
    ]) {
      expect(help).toContain(flag);
    }
  });
});
