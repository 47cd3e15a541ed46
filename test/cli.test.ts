// The CLI as a user runs it: the built bin, its exit codes, stdout/stderr and files.
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { idx, mnistFolder, mnistSlice } from "./support/idx-files.js";
import { cli } from "./support/cli.js";

let data: string;
beforeAll(() => {
  data = mnistFolder(1200, 200);
});

describe("dying-relu sweep", () => {
  it("runs a small study end to end and writes the JSON report", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dying-relu-out-")), "runs.json");
    const { code, stdout, stderr } = await cli(
      "sweep",
      "--data",
      data,
      "--lr",
      "0.01,1e30",
      "--epochs",
      "2",
      "--batch-size",
      "64",
      "--probe",
      "100",
      "--seed",
      "7",
      "--json",
      out,
      "--workers",
      "1",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("seed 7");
    expect(stdout).not.toContain("workers");
    expect(stdout).toContain("── learning rate 0.01 ──");
    expect(stdout).toContain("Epoch 2/2");
    // 1200 × (1 − 0.2) = 960 training images in batches of 64: 15 steps.
    expect(stdout).toMatch(
      /^15\/15 ━{20} \d+s \d+ms\/step - accuracy: 0\.\d{4} - loss: \d+\.\d{4} - val_accuracy: 0\.\d{4} - val_loss: \d+\.\d{4}$/m,
    );
    expect(stdout).toContain("Layer-wise Dead ReLU Analysis for model with Learning Rate: 0.01");
    expect(stdout).toMatch(/^Layer dense_1: \d+\.\d\d% neurons are dead$/m);
    expect(stdout).toMatch(/^Final Validation Accuracy: \d+\.\d\d%$/m);
    expect(stdout).toMatch(/Training diverged: the loss became NaN\/Inf at epoch 1, step \d+/);
    expect(stdout).toMatch(/^1e\+30 .* diverged/m);

    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.config).toMatchObject({
      learningRates: [0.01, 1e30],
      epochs: 2,
      batchSize: 64,
      validationSplit: 0.2,
      layers: [128, 64, 32],
      probe: 100,
      seed: 7,
    });
    expect(report.runs).toHaveLength(2);
    const [ok, blown] = report.runs;
    expect(report.schemaVersion).toBe(2);
    expect(report.config).toMatchObject({
      seeds: 1,
      shard: null,
      activations: ["relu"],
      initializers: ["glorot_uniform"],
    });
    expect(Object.keys(ok).sort()).toEqual([
      "activation",
      "deadMasks",
      "deadUnits",
      "deadUnitsBeforeTraining",
      "deadUnitsPerEpoch",
      "diverged",
      "history",
      "kernelInitializer",
      "lastFiredEpoch",
      "lastFiredStep",
      "learningRate",
      "seconds",
      "seed",
    ]);
    expect(ok).toMatchObject({ activation: "relu", kernelInitializer: "glorot_uniform" });
    expect(ok.deadUnitsPerEpoch).toHaveLength(2); // one entry per epoch
    expect(ok.deadUnitsPerEpoch[1]).toEqual(ok.deadUnits); // the last epoch's probe is the final one
    expect(blown.deadUnitsPerEpoch).toHaveLength(0); // diverged in epoch 1
    // The final masks: one "0"/"1" per unit and layer, as many "1"s as deadUnits counts.
    for (const r of [ok, blown]) {
      expect(r.deadMasks.map((m: string) => [m.length, m.replace(/0/g, "").length])).toEqual(
        r.deadUnits.map((d: { units: number; dead: number }) => [d.units, d.dead]),
      );
      expect(r.deadMasks.join("")).toMatch(/^[01]+$/);
      expect(r.deadUnitsBeforeTraining.map((d: { units: number }) => d.units)).toEqual([128, 64, 32]);
    }
    expect(ok.history.val_accuracy).toHaveLength(2);
    expect(ok.history.val_accuracy[1]).toBeGreaterThan(0.7);
    expect(ok.deadUnits.map((d: { layer: string; units: number }) => [d.layer, d.units])).toEqual([
      ["dense_1", 128],
      ["dense_2", 64],
      ["dense_3", 32],
    ]);
    expect(ok.diverged).toBeNull();
    expect(blown.diverged.epoch).toBe(1);
  });

  it("gives the same numbers for the same seed and different ones for another seed", async () => {
    const run = async (seed: string) => {
      const out = join(mkdtempSync(join(tmpdir(), "dying-relu-out-")), "r.json");
      await cli(
        "sweep",
        "--data",
        data,
        "--lr",
        "0.01",
        "--epochs",
        "1",
        "--probe",
        "100",
        "--seed",
        seed,
        "--json",
        out,
      );
      const { runs } = JSON.parse(readFileSync(out, "utf8"));
      return { history: runs[0].history, dead: runs[0].deadUnits };
    };
    const [a, b, c] = [await run("3"), await run("3"), await run("4")];
    expect(a).toEqual(b);
    expect(a.history.loss).not.toEqual(c.history.loss);
  });

  it("--quiet prints the summary table only, even with --json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dying-relu-quiet-"));
    const args = ["--lr", "0.1,0.01", "--epochs", "1", "--layers", "8", "--probe", "20", "--threads", "1"];
    const { code, stdout, stderr } = await cli("sweep", ...args, "--quiet", "--json", join(dir, "r.json"));
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Summary: dead ReLU units \(on 20 probe images\)/);
    expect(lines[1]).toMatch(/^learning rate +dense_1 dead +val_accuracy +time$/);
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(["0.1", "0.01"]);
    expect(lines).toHaveLength(5);
    expect(existsSync(join(dir, "r.json"))).toBe(true);
  });

  it.each(["--version", "-V"])("%s prints the package's version", async (flag) => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const { code, stdout } = await cli(flag);
    expect(code).toBe(0);
    expect(stdout).toBe(`dying-relu ${version}\n`);
  });

  it("prints help listing every flag with its default", async () => {
    const { code, stdout } = await cli("sweep", "--help");
    expect(code).toBe(0);
    for (const flag of [
      "--lr",
      "--epochs",
      "--batch-size",
      "--validation-split",
      "--validation-data",
      "--layers",
      "--probe",
      "--seed",
      "--json",
      "--data",
      "--force",
      "--workers",
      "--threads",
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain("[0.5,0.1,0.01,0.001]");
    expect(stdout).toMatch(/--workers N .*\n.*\[CPU count \(\d+\), capped at one per run\]/);
    expect(stdout).toMatch(/--threads N .*\n.*\[⌊CPU count \/ runs in the grid⌋, at least 1\]/);
    expect((await cli("--help")).stdout).toContain("sweep");
  });
});

describe("dying-relu sweep --workers", () => {
  it("gives the numbers of the sequential sweep, reported in learning-rate order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dying-relu-out-"));
    const sweep = (workers: string) =>
      cli(
        "sweep",
        "--data",
        data,
        "--lr",
        "0.01,1e30,0.1",
        "--epochs",
        "2",
        "--batch-size",
        "64",
        "--probe",
        "100",
        "--seed",
        "7",
        "--workers",
        workers,
        "--json",
        join(dir, `w${workers}.json`),
      );
    const [one, two] = [await sweep("1"), await sweep("2")];
    for (const r of [one, two]) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const runs = (workers: string) =>
      JSON.parse(readFileSync(join(dir, `w${workers}.json`), "utf8")).runs.map(
        ({ seconds, ...rest }: { seconds: number }) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          return rest;
        },
      );
    const sequential = runs("1");
    expect(sequential.map((r: { learningRate: number }) => r.learningRate)).toEqual([0.01, 1e30, 0.1]);
    expect(sequential[1].diverged).not.toBeNull();
    expect(runs("2")).toEqual(sequential);

    const out = two.stdout;
    expect(out.split("\n")[0]).toMatch(/ · Adam · 2 workers × 1 thread$/);
    expect(out).not.toContain("── learning rate");
    for (const lr of ["0.01", "0.1"]) {
      expect(out).toMatch(
        new RegExp(
          `^\\[lr ${lr.replace(".", "\\.")}\\] +Epoch 2/2 15/15 ━{20} \\d+s \\d+ms/step - accuracy: 0\\.\\d{4} - loss: \\d+\\.\\d{4} - val_accuracy: 0\\.\\d{4} - val_loss: \\d+\\.\\d{4}$`,
          "m",
        ),
      );
    }
    expect(out).toMatch(/^\[lr 1e\+30\] Epoch 1\/2 diverged at step \d+: the loss became NaN\/Inf$/m);
    // Each run's report, in learning-rate order, all before the summary.
    const at = ["0.01", "1e+30", "0.1"].map((lr) => out.indexOf(`Learning Rate: ${lr}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out.indexOf("Summary:")).toBeGreaterThan(at[2]);
    // The reports and the table are the sequential sweep's, apart from progress lines and times.
    const results = (stdout: string) =>
      stdout
        .slice(stdout.indexOf("\nLayer-wise"))
        .split("\n")
        .filter((l) => l && !/^(\[lr |── |Epoch |\s*\d+\/\d+ |\d+ runs in |Wrote )/.test(l))
        .map((l) => l.replace(/ +\d+\.\ds$/, ""));
    expect(results(out)).toEqual(results(one.stdout));
    expect(results(out)).toContain("Final Validation Accuracy: n/a (no epoch completed)");
  });

  it("splits each run over --threads, says so, and gives the same runs with one worker or two", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dying-relu-out-"));
    const sweep = (workers: string) =>
      cli(
        "sweep",
        "--data",
        data,
        "--lr",
        "0.01,0.1",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--probe",
        "100",
        "--seed",
        "7",
        "--workers",
        workers,
        "--threads",
        "2",
        "--json",
        join(dir, `t${workers}.json`),
      );
    const [one, two] = [await sweep("1"), await sweep("2")];
    expect(one.stderr + two.stderr).toBe("");
    expect(one.stdout.split("\n")[0]).toMatch(/ · 1 worker × 2 threads$/);
    expect(two.stdout.split("\n")[0]).toMatch(/ · 2 workers × 2 threads$/);
    const report = (workers: string) => JSON.parse(readFileSync(join(dir, `t${workers}.json`), "utf8"));
    const runs = (workers: string) => report(workers).runs.map(({ seconds: _, ...rest }: { seconds: number }) => rest);
    expect(report("1").config.threads).toBe(2);
    expect(runs("2")).toEqual(runs("1"));
  });
});

describe("bad input: one line on stderr, exit code 2", () => {
  const cases: [string, () => string[], RegExp][] = [
    ["an unknown flag", () => ["sweep", "--nope"], /Unknown option '--nope'/],
    ["an unknown command", () => ["sweeep"], /unknown command "sweeep"/],
    ["a negative learning rate", () => ["sweep", "--lr=-0.1"], /--lr must be a positive number, got "-0.1"/],
    ["a dash value without =", () => ["sweep", "--lr", "-0.1"], /use '--lr=-XYZ'/],
    ["a zero learning rate", () => ["sweep", "--lr", "0.1,0"], /--lr must be a positive number, got "0"/],
    ["a flag without its value", () => ["sweep", "--epochs"], /Option '--epochs <value>' argument missing/],
    [
      "a learning rate that is not a number",
      () => ["sweep", "--lr", "0.1,fast"],
      /--lr must be a positive number, got "fast"/,
    ],
    [
      "an infinite learning rate",
      () => ["sweep", "--lr", "Infinity"],
      /--lr must be a positive number, got "Infinity"/,
    ],
    [
      "a zero batch size",
      () => ["sweep", "--data", data, "--batch-size", "0"],
      /--batch-size must be between 1 and 2147483647, got 0/,
    ],
    [
      "a batch larger than the training set",
      () => ["sweep", "--data", data, "--batch-size", "961"],
      /batch size must be at most the 960 training images, got 961/,
    ],
    [
      "a validation split of 1",
      () => ["sweep", "--data", data, "--validation-split", "1"],
      /validation split must be a number in \[0, 1\), got 1/,
    ],
    ["malformed layers", () => ["sweep", "--layers", "128,,32"], /--layers must be a whole number, got ""/],
    ["a fractional layer width", () => ["sweep", "--layers", "12.5"], /--layers must be a whole number, got "12.5"/],
    [
      "a probe larger than the data",
      () => ["sweep", "--data", data, "--probe", "1201"],
      /probe must be at most the 1200 training images, got 1201/,
    ],
    ["a missing data folder", () => ["sweep", "--data", "/nonexistent/mnist"], /\/nonexistent\/mnist/],
    ["zero workers", () => ["sweep", "--data", data, "--workers", "0"], /--workers must be at least 1, got 0/],
    [
      "workers that are not a number",
      () => ["sweep", "--data", data, "--workers", "x"],
      /--workers expects a whole number, got "x"/,
    ],
    [
      "fractional workers",
      () => ["sweep", "--data", data, "--workers", "1.5"],
      /--workers expects a whole number, got "1.5"/,
    ],
    ["negative workers", () => ["sweep", "--data", data, "--workers=-2"], /--workers expects a whole number, got "-2"/],
    ["zero threads", () => ["sweep", "--data", data, "--threads", "0"], /--threads must be between 1 and 64, got 0/],
    [
      "too many threads",
      () => ["sweep", "--data", data, "--threads", "65"],
      /--threads must be between 1 and 64, got 65/,
    ],
    [
      "threads that are not a number",
      () => ["sweep", "--data", data, "--threads", "two"],
      /--threads expects a whole number, got "two"/,
    ],
  ];
  it.each(cases)("%s", async (_name, args, message) => {
    const { code, stdout, stderr } = await cli(...args());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^dying-relu: /);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain("Epoch");
  });

  const broken = (): [string, () => string[], RegExp][] => {
    const labels = mnistSlice("train", 100).labels;
    return [
      [
        "a truncated IDX file",
        () => ["sweep", "--data", mnistFolder(100, 20, { "train-labels": idx([100], labels).subarray(0, 50) })],
        /train-labels-idx1-ubyte.*truncated/i,
      ],
      [
        "a wrong magic number",
        () => ["sweep", "--data", mnistFolder(100, 20, { "train-labels": idx([100], labels, 0x09) })],
        /train-labels-idx1-ubyte/,
      ],
      [
        "image and label counts that disagree",
        () => ["sweep", "--data", mnistFolder(100, 20, { "train-labels": idx([99], labels.subarray(0, 99)) })],
        /100.*99|99.*100/,
      ],
      [
        "a missing file",
        () => ["sweep", "--data", mnistFolder(100, 20, { "t10k-labels": null })],
        /t10k-labels-idx1-ubyte/,
      ],
    ];
  };
  it.each(broken())("%s", async (_name, args, message) => {
    const { code, stderr } = await cli(...args());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("refuses to overwrite an existing --json file without --force, before training", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dying-relu-out-"));
    const file = join(dir, "mine.json");
    writeFileSync(file, "precious");
    const { code, stderr, stdout } = await cli(
      "sweep",
      "--data",
      data,
      "--lr",
      "0.01",
      "--epochs",
      "1",
      "--json",
      file,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/mine\.json already exists; pass --force to overwrite it/);
    expect(stdout).not.toContain("Epoch");
    expect(readFileSync(file, "utf8")).toBe("precious");
    const forced = await cli("sweep", "--data", data, "--lr", "0.01", "--epochs", "1", "--json", file, "--force");
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).runs).toHaveLength(1);
  });

  it("refuses a --json path in a missing folder, before training", async () => {
    const { code, stderr } = await cli("sweep", "--data", data, "--json", "/nonexistent/dir/out.json");
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot be written/);
    expect(existsSync("/nonexistent/dir/out.json")).toBe(false);
  });
});
