// The dying-ReLU lab's CLI: several seeds per rate, shards and `merge`, the CSV, through the built bin.
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mnistFolder } from "./support/idx-files.js";
import { cli } from "./support/cli.js";

let data: string;
let dir: string;
// A small grid: 2 rates × 3 seeds, 2 epochs on 960 images.
const SWEEP = () => [
  "sweep",
  "--data",
  data,
  "--lr",
  "0.01,0.1",
  "--seeds",
  "3",
  "--seed",
  "5",
  "--epochs",
  "2",
  "--batch-size",
  "64",
  "--layers",
  "32,16",
  "--probe",
  "100",
];
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), "utf8"));
const noSeconds = (runs: { seconds: number }[]) => runs.map(({ seconds: _, ...rest }) => rest);
let whole: { stdout: string };

beforeAll(async () => {
  data = mnistFolder(1200, 200);
  dir = mkdtempSync(join(tmpdir(), "dying-relu-lab-"));
  whole = await cli(...SWEEP(), "--workers", "2", "--json", join(dir, "all.json"), "--csv", join(dir, "all.csv"));
});

describe("dying-relu sweep --seeds", () => {
  it("trains each rate with seeds seed … seed + N − 1 and reports mean ± std (min–max)", () => {
    const report = read("all.json");
    expect(report.schemaVersion).toBe(2);
    expect(report.config).toMatchObject({ seed: 5, seeds: 3, shard: null });
    expect(report.runs.map((r: { learningRate: number; seed: number }) => [r.learningRate, r.seed])).toEqual([
      [0.01, 5],
      [0.01, 6],
      [0.01, 7],
      [0.1, 5],
      [0.1, 6],
      [0.1, 7],
    ]);
    for (const r of report.runs) expect(r.deadUnitsPerEpoch).toHaveLength(r.diverged ? r.diverged.epoch - 1 : 2);
    expect(whole.stdout).toContain("seeds 5–7");
    expect(whole.stdout).toMatch(/learning rate {2}seeds +dense_1 dead +dense_2 dead +val_accuracy +diverged/);
    // Hand-computed from the JSON: mean and sample std of the first layer's dead fraction and the accuracy.
    const pct = (v: number) => (v * 100).toFixed(2);
    for (const lr of [0.01, 0.1]) {
      const runs = report.runs.filter((r: { learningRate: number }) => r.learningRate === lr);
      const cell = (xs: number[]) => {
        const mean = (xs[0] + xs[1] + xs[2]) / 3;
        const std = Math.sqrt(((xs[0] - mean) ** 2 + (xs[1] - mean) ** 2 + (xs[2] - mean) ** 2) / 2);
        return `${pct(mean)}% ± ${pct(std)} (${(Math.min(...xs) * 100).toFixed(1)}–${(Math.max(...xs) * 100).toFixed(1)})`;
      };
      const dead = cell(runs.map((r: { deadUnits: { fraction: number }[] }) => r.deadUnits[0].fraction));
      const acc = cell(runs.map((r: { history: { val_accuracy: number[] } }) => r.history.val_accuracy[1]));
      const line = whole.stdout.split("\n").find((l) => l.startsWith(`${lr} `))!;
      expect(line).toContain(dead);
      expect(line).toContain(acc);
      expect(line).toMatch(/ 3 /);
      expect(line).toMatch(/0\/3$/);
    }
  });

  it("writes one CSV row per run", () => {
    const report = read("all.json");
    const rows = readFileSync(join(dir, "all.csv"), "utf8").trimEnd().split("\n");
    expect(rows[0]).toBe(
      "learning_rate,seed,final_val_accuracy,final_val_loss,dead_dense_1,dead_dense_2,diverged_epoch,diverged_step,activation,kernel_initializer",
    );
    expect(rows).toHaveLength(7);
    report.runs.forEach(
      (
        r: {
          learningRate: number;
          seed: number;
          history: { val_accuracy: number[]; val_loss: number[] };
          deadUnits: { fraction: number }[];
        },
        i: number,
      ) => {
        expect(rows[i + 1]).toBe(
          [
            r.learningRate,
            r.seed,
            r.history.val_accuracy[1],
            r.history.val_loss[1],
            r.deadUnits[0].fraction,
            r.deadUnits[1].fraction,
            "",
            "",
            "relu",
            "glorot_uniform",
          ].join(","),
        );
      },
    );
  });
});

describe("dying-relu sweep --shard and merge", () => {
  it.each([2, 3])("merging %i shards gives the unsharded runs", async (n) => {
    const files: string[] = [];
    for (let k = n; k >= 1; k--) {
      const file = join(dir, `s${k}of${n}.json`);
      const r = await cli(...SWEEP(), "--workers", "1", "--shard", `${k}/${n}`, "--json", file);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`shard ${k}/${n}:`);
      files.push(file);
    }
    const out = join(dir, `merged${n}.json`);
    const merged = await cli("merge", ...files, "--json", out);
    expect(merged.stderr).toBe("");
    expect(merged.code).toBe(0);
    const all = read("all.json");
    const m = JSON.parse(readFileSync(out, "utf8"));
    expect(m.config).toEqual(all.config);
    expect(noSeconds(m.runs)).toEqual(noSeconds(all.runs));
    // The same table as the unsharded sweep's.
    const table = (s: string) => s.slice(s.indexOf("Summary:")).split("\n").slice(0, 5).join("\n");
    expect(table(merged.stdout)).toBe(table(whole.stdout));
  });

  const bad: [string, () => string[], RegExp][] = [
    ["shard 3/2", () => [...SWEEP(), "--shard", "3/2"], /--shard 3\/2: K must be between 1 and N/],
    ["shard 0/2", () => [...SWEEP(), "--shard", "0/2"], /--shard 0\/2: K must be between 1 and N/],
    ["shard a/b", () => [...SWEEP(), "--shard", "a/b"], /--shard expects K\/N/],
    ["an empty shard", () => [...SWEEP(), "--shard", "7/7"], /the grid has only 6 runs/],
    ["zero seeds", () => [...SWEEP(), "--seeds", "0"], /--seeds must be at least 1/],
    ["merge of nothing", () => ["merge"], /merge needs the --json files/],
    ["an unknown merge flag", () => ["merge", "--nope"], /Unknown option '--nope' \(see dying-relu merge --help\)/],
    [
      "merge of a non-JSON file",
      () => {
        const f = join(dir, "junk.json");
        writeFileSync(f, "{nope");
        return ["merge", f];
      },
      /junk\.json: not JSON/,
    ],
    [
      "merge of a schema 1 file",
      () => {
        const f = join(dir, "old.json");
        writeFileSync(f, JSON.stringify({ config: {}, runs: [] }));
        return ["merge", f];
      },
      /old\.json: schemaVersion nothing/,
    ],
  ];
  it.each(bad)("%s: one line on stderr, exit code 2", async (_name, args, message) => {
    const { code, stderr } = await cli(...args());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("merge refuses shards of different configs, naming the field", async () => {
    const a = join(dir, "cfg-a.json");
    const b = join(dir, "cfg-b.json");
    await cli(...SWEEP(), "--lr", "0.01", "--seeds", "2", "--epochs", "1", "--shard", "1/2", "--json", a);
    await cli(
      ...SWEEP(),
      "--lr",
      "0.01",
      "--seeds",
      "2",
      "--epochs",
      "1",
      "--probe",
      "50",
      "--shard",
      "2/2",
      "--json",
      b,
    );
    const { code, stderr } = await cli("merge", a, b);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^dying-relu: config field "probe" differs: .*cfg-a\.json has 100, .*cfg-b\.json has 50; only "shard" may differ\n$/,
    );
  });

  it("help lists the new flags and the merge command", async () => {
    const sweep = (await cli("sweep", "--help")).stdout;
    for (const flag of ["--seeds N", "--shard K/N", "--csv FILE"]) expect(sweep).toContain(flag);
    const merge = await cli("merge", "--help");
    expect(merge.code).toBe(0);
    expect(merge.stdout).toMatch(/Usage: dying-relu merge FILE\.\.\./);
    expect(merge.stdout).toContain("Example:");
    expect((await cli("--help")).stdout).toContain("merge");
  });
});

describe("dying-relu sweep --activation and --init", () => {
  // 1 rate × 2 activations × 2 inits × 2 seeds = 8 runs.
  const GRID = () => [
    "sweep",
    "--data",
    data,
    "--lr",
    "0.1",
    "--activation",
    "relu,leaky_relu",
    "--init",
    "glorot_uniform,he_normal",
    "--seeds",
    "2",
    "--seed",
    "3",
    "--epochs",
    "1",
    "--batch-size",
    "64",
    "--layers",
    "16,8",
    "--probe",
    "100",
  ];
  let grid: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    grid = await cli(...GRID(), "--workers", "2", "--json", join(dir, "grid.json"), "--csv", join(dir, "grid.csv"));
  });

  it("trains every (rate, activation, init) cell with every seed, in grid order, with statistics per cell", () => {
    expect(grid.stderr).toBe("");
    expect(grid.code).toBe(0);
    const report = read("grid.json");
    expect(report.schemaVersion).toBe(2);
    expect(report.config).toMatchObject({
      activations: ["relu", "leaky_relu"],
      initializers: ["glorot_uniform", "he_normal"],
      seeds: 2,
    });
    expect(report.config).not.toHaveProperty("alpha");
    type R = {
      learningRate: number;
      activation: string;
      kernelInitializer: string;
      seed: number;
      deadUnits: { fraction: number; definition: string }[];
      history: { val_accuracy: number[] };
    };
    const runs: R[] = report.runs;
    expect(runs.map((r) => [r.activation, r.kernelInitializer, r.seed])).toEqual([
      ["relu", "glorot_uniform", 3],
      ["relu", "glorot_uniform", 4],
      ["relu", "he_normal", 3],
      ["relu", "he_normal", 4],
      ["leaky_relu", "glorot_uniform", 3],
      ["leaky_relu", "glorot_uniform", 4],
      ["leaky_relu", "he_normal", 3],
      ["leaky_relu", "he_normal", 4],
    ]);
    for (const r of runs) expect(r.deadUnits[0].definition).toBe(r.activation === "relu" ? "zero" : "never-positive");
    expect(grid.stdout).toContain("hidden relu,leaky_relu · init glorot_uniform,he_normal");
    expect(grid.stdout).toContain(
      "Layer-wise Dead Unit Analysis for model with Learning Rate: 0.1, Activation: leaky_relu, Kernel initializer: he_normal",
    );
    expect(grid.stdout).toContain("(dead = output ≤ 0 on every probe image (never positive)");
    expect(grid.stdout).toContain("relu: output exactly 0, leaky_relu/elu/gelu: never positive");
    expect(grid.stdout).toMatch(
      /learning rate {2}activation {2}init +seeds +dense_1 dead +dense_2 dead +val_accuracy +diverged/,
    );
    // Each cell's line, hand-computed from the JSON.
    const pct = (v: number) => (v * 100).toFixed(2);
    const cell = (xs: number[]) => {
      const mean = (xs[0] + xs[1]) / 2;
      const std = Math.sqrt((xs[0] - mean) ** 2 + (xs[1] - mean) ** 2);
      return `${pct(mean)}% ± ${pct(std)} (${(Math.min(...xs) * 100).toFixed(1)}–${(Math.max(...xs) * 100).toFixed(1)})`;
    };
    const lines = grid.stdout.split("\n").filter((l) => l.startsWith("0.1 "));
    expect(lines).toHaveLength(4);
    for (const [k, line] of lines.entries()) {
      const pair = runs.slice(2 * k, 2 * k + 2);
      expect(line).toMatch(new RegExp(`^0\\.1 +${pair[0].activation} +${pair[0].kernelInitializer} +2 `));
      expect(line).toContain(cell(pair.map((r) => r.deadUnits[0].fraction)));
      expect(line).toContain(cell(pair.map((r) => r.history.val_accuracy[0])));
    }
    const rows = readFileSync(join(dir, "grid.csv"), "utf8").trimEnd().split("\n");
    expect(rows[0].endsWith(",activation,kernel_initializer")).toBe(true);
    expect(rows.slice(1).map((r) => r.split(",").slice(-2).join(" "))).toEqual(
      runs.map((r) => `${r.activation} ${r.kernelInitializer}`),
    );
  });

  it("shards of the bigger grid merge back into it, and merge refuses another activation list", async () => {
    const files: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const file = join(dir, `g${k}of3.json`);
      const r = await cli(...GRID(), "--workers", "1", "--shard", `${k}/3`, "--json", file);
      expect(r.stderr).toBe("");
      files.push(file);
    }
    const out = join(dir, "gmerged.json");
    const merged = await cli("merge", ...files.reverse(), "--json", out);
    expect(merged.stderr).toBe("");
    const all = read("grid.json");
    const m = JSON.parse(readFileSync(out, "utf8"));
    expect(m.config).toEqual(all.config);
    expect(noSeconds(m.runs)).toEqual(noSeconds(all.runs));
    const table = (s: string) => s.slice(s.indexOf("Summary:")).split("\n").slice(0, 7).join("\n");
    expect(table(merged.stdout)).toBe(table(grid.stdout));

    const other = join(dir, "g-other.json");
    const args = GRID().map((a) => (a === "relu,leaky_relu" ? "relu,elu" : a));
    expect((await cli(...args, "--workers", "1", "--shard", "2/3", "--json", other)).code).toBe(0);
    const refused = await cli("merge", files[2], other);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^dying-relu: config field "activations" differs: .*has \["relu","leaky_relu"\], .*g-other\.json has \["relu","elu"\]; only "shard" may differ\n$/,
    );
  });

  it("with relu and glorot_uniform prints exactly what a sweep without the flags prints", async () => {
    const plain = await cli(...SWEEP(), "--seeds", "1", "--workers", "1");
    const explicit = await cli(
      ...SWEEP(),
      "--seeds",
      "1",
      "--workers",
      "1",
      "--activation",
      "relu",
      "--init",
      "glorot_uniform",
    );
    // Times differ from run to run: the summary's, the closing line's and the progress lines' (1s 4ms/step).
    const untimed = (s: string) =>
      s.replace(/in [\d.]+ s \([\d.]+ s per epoch/, "in T").replace(/\d+(\.\d+)?(ms|µs|s)\b/g, "T");
    expect(untimed(explicit.stdout)).toBe(untimed(plain.stdout));
    expect(plain.stdout).not.toMatch(/activation|initiali[sz]er|never positive|glorot|Dead Unit Analysis/i);
    expect(plain.stdout).toContain(
      "\nLayer-wise Dead ReLU Analysis for model with Learning Rate: 0.01\nLayer dense_1: ",
    );
    expect(plain.stdout).toContain(
      "\nSummary: dead ReLU units (on 100 probe images) and final validation accuracy per learning rate\n",
    );
    expect(plain.stdout).toMatch(/\nlearning rate +dense_1 dead +dense_2 dead +val_accuracy +time\n/);
    expect(plain.stdout.split("\n")[0]).toMatch(
      /^dying-relu sweep · seed 5 · engine \S+ \([^)]+\) · MLP 784-32-16-10 · Adam · 1 worker × \d+ threads?$/,
    );
  });

  const bad: [string, string[], RegExp][] = [
    [
      "--activation tanh",
      ["--activation", "tanh"],
      /^dying-relu: --activation must be one of relu, leaky_relu, elu, gelu, got "tanh"/,
    ],
    [
      "--init foo",
      ["--init", "foo"],
      /^dying-relu: --init must be one of glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_normal, lecun_uniform, randomized_asymmetric, got "foo"/,
    ],
    ["an activation twice", ["--activation", "relu,elu,relu"], /--activation: "relu" is given twice/],
    [
      "softmax as a hidden activation",
      ["--activation", "softmax"],
      /--activation must be one of relu, leaky_relu, elu, gelu, got "softmax"/,
    ],
    ["--alpha without leaky_relu or elu", ["--alpha", "0.1"], /--alpha applies only to leaky_relu and elu/],
    ["a negative --alpha", ["--activation", "leaky_relu", "--alpha=-0.1"], /--alpha must be a number ≥ 0, got "-0.1"/],
    ["a non-numeric --alpha", ["--activation", "elu", "--alpha", "x"], /--alpha must be a number ≥ 0, got "x"/],
  ];
  it.each(bad)("%s: one line on stderr, exit code 2", async (_name, args, message) => {
    const { code, stderr, stdout } = await cli(...SWEEP(), ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
  });

  it("--save names each cell's model, and --alpha reaches the leaky_relu layers and the config", async () => {
    const models = join(dir, "cell-models");
    const json = join(dir, "alpha.json");
    const r = await cli(
      "sweep",
      "--data",
      data,
      "--lr",
      "0.01",
      "--activation",
      "leaky_relu,relu",
      "--init",
      "he_normal",
      "--alpha",
      "0.05",
      "--epochs",
      "1",
      "--batch-size",
      "64",
      "--layers",
      "16,8",
      "--probe",
      "100",
      "--workers",
      "2",
      "--save",
      models,
      "--json",
      json,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("hidden leaky_relu,relu (alpha 0.05) · init he_normal");
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.config).toMatchObject({
      alpha: 0.05,
      activations: ["leaky_relu", "relu"],
      initializers: ["he_normal"],
    });
    const leaky = JSON.parse(readFileSync(join(models, "model-lr0.01-leaky_relu-he_normal-seed42.json"), "utf8"));
    expect(leaky.layers.slice(0, 2).map((l: { activation: string; alpha: number }) => [l.activation, l.alpha])).toEqual(
      [
        ["leaky_relu", 0.05],
        ["leaky_relu", 0.05],
      ],
    );
    expect(leaky.layers[2]).toEqual({ name: "output", units: 10, activation: "softmax" });
    const relu = JSON.parse(readFileSync(join(models, "model-lr0.01-relu-he_normal-seed42.json"), "utf8"));
    expect(relu.layers[0]).toEqual({ name: "dense_1", units: 16, activation: "relu" });
  });

  it("help lists the new flags", async () => {
    const help = (await cli("sweep", "--help")).stdout;
    for (const flag of ["--activation LIST", "--init LIST", "--alpha F", "relu, leaky_relu, elu, gelu", "he_normal"])
      expect(help).toContain(flag);
  });
});

describe("dying-relu sweep --save and evaluate", () => {
  it("saves one model per run, and evaluate reproduces its test accuracy and dead units", async () => {
    const models = join(dir, "models");
    const json = join(dir, "saved.json");
    const r = await cli(
      "sweep",
      "--data",
      data,
      "--lr",
      "0.01,0.1",
      "--seeds",
      "2",
      "--epochs",
      "1",
      "--batch-size",
      "64",
      "--layers",
      "32,16",
      "--probe",
      "100",
      "--validation-data",
      "test",
      "--workers",
      "2",
      "--save",
      models,
      "--json",
      json,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`Saved 4 models in ${models}`);
    const { runs } = JSON.parse(readFileSync(json, "utf8"));
    for (const run of runs) {
      const file = join(models, `model-lr${run.learningRate}-seed${run.seed}.json`);
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
        format: "dying-relu-model",
        version: 1,
        inputSize: 784,
      });
      const e = await cli("evaluate", file, "--data", data, "--probe", "100");
      expect(e.stderr).toBe("");
      expect(e.code).toBe(0);
      // Validated on the test set, so the final val_accuracy is the saved model's test accuracy.
      expect(e.stdout).toContain(
        `Test accuracy: ${(run.history.val_accuracy[0] * 100).toFixed(2)}% (loss ${run.history.val_loss[0].toFixed(4)}) on 200 test images`,
      );
      for (const d of run.deadUnits)
        expect(e.stdout).toContain(
          `Layer ${d.layer}: ${(d.fraction * 100).toFixed(2)}% neurons are dead (${d.dead}/${d.units})`,
        );
    }
    // The same files again only with --force, refused before training.
    const again = (...more: string[]) =>
      cli(
        "sweep",
        "--data",
        data,
        "--lr",
        "0.01",
        "--epochs",
        "1",
        "--save",
        models,
        "--seed",
        "42",
        "--layers",
        "32,16",
        ...more,
      );
    const clash = await again();
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/model-lr0\.01-seed42\.json already exists; pass --force to overwrite it/);
    expect(clash.stdout).toBe("");
    expect((await again("--force")).code).toBe(0);
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      "a corrupt model file",
      () => {
        const f = join(dir, "corrupt.json");
        writeFileSync(
          f,
          '{"format":"dying-relu-model","version":1,"inputSize":784,"layers":[{"name":"d","units":10,"activation":"softmax"}],"encoding":"float32-le-base64","weights":[{"kernel":"AAAAAA==","bias":"AAAA"}]}',
        );
        return ["evaluate", f, "--data", data];
      },
      /corrupt\.json: model file: layer d kernel holds 1 values, but its layer's shape needs 7840/,
    ],
    [
      "a truncated model file",
      () => {
        const f = join(dir, "cut.json");
        writeFileSync(f, '{"format":"dying-relu-model","vers');
        return ["evaluate", f, "--data", data];
      },
      /cut\.json: model file is not JSON/,
    ],
    [
      "a model of another shape",
      () => {
        const f = join(dir, "small.json");
        writeFileSync(
          f,
          JSON.stringify({
            format: "dying-relu-model",
            version: 1,
            inputSize: 4,
            layers: [{ name: "out", units: 10, activation: "softmax" }],
            weights: [{ kernel: new Array(40).fill(0), bias: new Array(10).fill(0) }],
          }),
        );
        return ["evaluate", f, "--data", data];
      },
      /small\.json: the model takes 4 inputs per image, the data's images have 784 pixels/,
    ],
    ["a missing model file", () => ["evaluate", join(dir, "none.json")], /none\.json: cannot be read \(ENOENT\)/],
    ["no model file", () => ["evaluate"], /evaluate takes one model file, got 0/],
  ];
  it.each(bad)("%s: one line on stderr, exit code 2", async (_name, args, message) => {
    const { code, stderr } = await cli(...args());
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("help explains --save and evaluate", async () => {
    expect((await cli("sweep", "--help")).stdout).toContain("--save DIR");
    const help = await cli("evaluate", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dying-relu evaluate MODEL\.json/);
    for (const flag of ["--data DIR", "--probe N", "--backend NAME", "Example:"]) expect(help.stdout).toContain(flag);
    expect((await cli("--help")).stdout).toContain("evaluate");
  });
});
