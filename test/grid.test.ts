// The sweep's grid (rates × seeds), its shards, the seed statistics, the CSV rows and merging
// shard reports, at the module level.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { HIDDEN_ACTIVATIONS } from "../src/engine/activations.js";
import { expandGrid, parseShard, shardPositions } from "../src/study/grid.js";
import { ACTIVATIONS } from "../src/engine/activations.js";
import { INITIALIZERS } from "../src/engine/initializers.js";
import { seedStats, seedSummaryTable, stats } from "../src/cli/report.js";
import { runsCsv } from "../src/cli/results.js";
import type { Report } from "../src/study/schema.js";
import { mergeReports } from "../src/cli/merge.js";
import type { Run } from "../src/study/schema.js";

describe("expandGrid", () => {
  const relu = { activation: "relu", kernelInitializer: "glorot_uniform" };
  it("is rate-major, each rate with seeds seed … seed + seeds − 1", () => {
    expect(expandGrid([0.5, 0.01], 7, 3)).toEqual(
      [
        { learningRate: 0.5, seed: 7 },
        { learningRate: 0.5, seed: 8 },
        { learningRate: 0.5, seed: 9 },
        { learningRate: 0.01, seed: 7 },
        { learningRate: 0.01, seed: 8 },
        { learningRate: 0.01, seed: 9 },
      ].map((c) => ({ ...c, ...relu })),
    );
    expect(expandGrid([0.1], 42, 1)).toEqual([{ learningRate: 0.1, seed: 42, ...relu }]);
  });

  it("varies the rate slowest, then the activation, then the initialiser, then the seed", () => {
    const grid = expandGrid([0.5, 0.01], 7, 2, {
      activations: ["relu", "leaky_relu"],
      initializers: ["glorot_uniform", "he_normal"],
    });
    expect(grid).toHaveLength(16);
    expect(grid.slice(0, 5)).toEqual([
      { learningRate: 0.5, activation: "relu", kernelInitializer: "glorot_uniform", seed: 7 },
      { learningRate: 0.5, activation: "relu", kernelInitializer: "glorot_uniform", seed: 8 },
      { learningRate: 0.5, activation: "relu", kernelInitializer: "he_normal", seed: 7 },
      { learningRate: 0.5, activation: "relu", kernelInitializer: "he_normal", seed: 8 },
      { learningRate: 0.5, activation: "leaky_relu", kernelInitializer: "glorot_uniform", seed: 7 },
    ]);
    expect(grid[8]).toEqual({ learningRate: 0.01, activation: "relu", kernelInitializer: "glorot_uniform", seed: 7 });
    expect(new Set(grid.map((c) => JSON.stringify(c))).size).toBe(16);
  });

  it("takes its hidden activations from the engine's list", () => {
    expect(HIDDEN_ACTIVATIONS).toEqual(ACTIVATIONS.filter((a) => a !== "softmax" && a !== "linear"));
    expect(HIDDEN_ACTIVATIONS).toEqual(["relu", "leaky_relu", "elu", "gelu"]);
  });
});

describe("shards", () => {
  it("deal the grid round-robin", () => {
    expect(shardPositions(7, { index: 1, count: 3 })).toEqual([0, 3, 6]);
    expect(shardPositions(7, { index: 3, count: 3 })).toEqual([2, 5]);
    expect(shardPositions(3, null)).toEqual([0, 1, 2]);
  });

  it("cover the grid exactly once, for any grid size and shard count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (size, count) => {
        const all = Array.from({ length: count }, (_, k) => shardPositions(size, { index: k + 1, count })).flat();
        expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
      }),
    );
  });

  it("cover a grid with activation and initialiser axes exactly once", () => {
    const axes = fc.record({
      activations: fc.uniqueArray(fc.constantFrom(...HIDDEN_ACTIVATIONS), { minLength: 1 }),
      initializers: fc.uniqueArray(fc.constantFrom(...INITIALIZERS), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(axes, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), (a, seeds, count) => {
        const grid = expandGrid([0.1, 0.01], 1, seeds, a);
        const dealt = Array.from({ length: count }, (_, k) =>
          shardPositions(grid.length, { index: k + 1, count }).map((p) => grid[p]),
        ).flat();
        const key = (c: object) => JSON.stringify(c);
        expect(dealt.map(key).sort()).toEqual(grid.map(key).sort());
      }),
    );
  });

  it("parse K/N and refuse anything else in one line", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    expect(() => parseShard("3/2")).toThrow(/--shard 3\/2: K must be between 1 and N/);
    expect(() => parseShard("0/2")).toThrow(/--shard 0\/2: K must be between 1 and N/);
    expect(() => parseShard("1/0")).toThrow(/K must be between 1 and N/);
    expect(() => parseShard("a/b")).toThrow(/--shard expects K\/N .* got "a\/b"/);
    expect(() => parseShard("2")).toThrow(/--shard expects K\/N/);
  });
});

function run(
  learningRate: number,
  seed: number,
  dead: number[],
  valAccuracy: number[],
  diverged = false,
  activation: Run["activation"] = "relu",
  kernelInitializer: Run["kernelInitializer"] = "glorot_uniform",
): Run {
  const deadUnits = dead.map((d, l) => ({ layer: `dense_${l + 1}`, units: 8, dead: d, fraction: d / 8 }));
  return {
    learningRate,
    activation,
    kernelInitializer,
    seed,
    seconds: 1,
    deadUnits,
    deadUnitsPerEpoch: valAccuracy.map(() => deadUnits),
    history: {
      loss: valAccuracy.map(() => 1),
      accuracy: valAccuracy,
      val_loss: valAccuracy.map((a) => 1 - a),
      val_accuracy: valAccuracy,
    },
    diverged: diverged ? { epoch: valAccuracy.length + 1, step: 3 } : null,
  };
}

describe("seed statistics", () => {
  it("are the mean, the sample std (n − 1), min and max", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sample variance 32/7.
    expect(stats([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, std: Math.sqrt(32 / 7), min: 2, max: 9 });
    expect(stats([0.25])).toEqual({ n: 1, mean: 0.25, std: 0, min: 0.25, max: 0.25 });
    expect(stats([])).toBeNull();
  });

  it("group the runs per rate, leaving out accuracies of runs that completed no epoch", () => {
    const runs = [
      run(0.1, 1, [2, 4], [0.5, 0.9]),
      run(0.1, 2, [4, 4], [0.7]),
      run(0.5, 1, [8, 8], [], true),
      run(0.5, 2, [6, 8], [0.1]),
    ];
    const [a, b] = seedStats(runs);
    expect(a.learningRate).toBe(0.1);
    expect(a.seeds).toEqual([1, 2]);
    expect(a.dead[0]).toEqual({ n: 2, mean: 0.375, std: Math.sqrt(2 * 0.125 ** 2), min: 0.25, max: 0.5 });
    expect(a.dead[1]).toEqual({ n: 2, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
    expect(a.valAccuracy!.mean).toBeCloseTo(0.8, 12);
    expect(a.valAccuracy!.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(b.diverged).toBe(1);
    expect(b.valAccuracy).toEqual({ n: 1, mean: 0.1, std: 0, min: 0.1, max: 0.1 });
  });

  it("group the runs per cell (rate, activation, init), in grid order", () => {
    const runs = [
      run(0.1, 1, [8, 8], [0.1], false, "relu", "glorot_uniform"),
      run(0.1, 2, [6, 8], [0.3], false, "relu", "glorot_uniform"),
      run(0.1, 1, [4, 2], [0.5], false, "relu", "he_normal"),
      run(0.1, 2, [2, 2], [0.7], false, "relu", "he_normal"),
      run(0.1, 1, [0, 0], [0.9], false, "leaky_relu", "glorot_uniform"),
      run(0.1, 2, [2, 0], [0.8], true, "leaky_relu", "glorot_uniform"),
    ];
    const cells = seedStats(runs);
    expect(cells.map((c) => [c.learningRate, c.activation, c.kernelInitializer, c.seeds])).toEqual([
      [0.1, "relu", "glorot_uniform", [1, 2]],
      [0.1, "relu", "he_normal", [1, 2]],
      [0.1, "leaky_relu", "glorot_uniform", [1, 2]],
    ]);
    expect(cells[0].dead[0]).toEqual({ n: 2, mean: 0.875, std: Math.sqrt(2 * 0.125 ** 2), min: 0.75, max: 1 });
    expect(cells[1].dead[0]).toEqual({ n: 2, mean: 0.375, std: Math.sqrt(2 * 0.125 ** 2), min: 0.25, max: 0.5 });
    expect(cells[1].valAccuracy!.mean).toBeCloseTo(0.6, 12);
    expect(cells[2].dead[1]).toEqual({ n: 2, mean: 0, std: 0, min: 0, max: 0 });
    expect(cells[2].diverged).toBe(1);
    // The table names the cells; a relu/glorot_uniform-only table does not.
    const table = seedSummaryTable(runs).split("\n");
    expect(table[0]).toMatch(/^learning rate {2}activation {2}init +seeds +dense_1 dead/);
    expect(table[3]).toMatch(/^0\.1 +relu +he_normal +2 +37\.50% ± 17\.68 \(25\.0–50\.0\)/);
    expect(table[4]).toMatch(/leaky_relu +glorot_uniform .* 1\/2$/);
    expect(seedSummaryTable(runs.slice(0, 2)).split("\n")[0]).toMatch(/^learning rate {2}seeds {2}/);
  });
});

describe("runsCsv", () => {
  it("writes a header and one row per run", () => {
    const csv = runsCsv([run(0.01, 3, [2, 0], [0.5, 0.75]), run(1e30, 3, [8, 8], [], true)]);
    expect(csv.trimEnd().split("\n")).toEqual([
      "learning_rate,seed,final_val_accuracy,final_val_loss,dead_dense_1,dead_dense_2,diverged_epoch,diverged_step,activation,kernel_initializer",
      "0.01,3,0.75,0.25,0.25,0,,,relu,glorot_uniform",
      "1e+30,3,,,1,1,1,3,relu,glorot_uniform",
    ]);
  });
});

describe("mergeReports", () => {
  const config = {
    learningRates: [0.1, 0.5],
    epochs: 1,
    batchSize: 4,
    validationSplit: 0.2,
    validationData: "split" as const,
    layers: [8, 8],
    probe: 10,
    seed: 1,
    backend: "js",
    data: "x",
    seeds: 2,
    shard: null,
  };
  const grid = [
    run(0.1, 1, [1, 1], [0.5]),
    run(0.1, 2, [2, 2], [0.6]),
    run(0.5, 1, [3, 3], [0.7]),
    run(0.5, 2, [4, 4], [0.8]),
  ];
  const shard = (index: number, count: number, over: object = {}): Report => ({
    schemaVersion: 2,
    config: { ...config, ...over, shard: { index, count } },
    runs: shardPositions(4, { index, count }).map((p) => grid[p]),
  });

  it("puts the shards' runs back in grid order, whatever the file order", () => {
    const merged = mergeReports(["c", "a", "b"], [shard(3, 3), shard(1, 3), shard(2, 3)]);
    expect(merged.runs).toEqual(grid);
    expect(merged.config).toEqual(config);
    expect(merged.schemaVersion).toBe(2);
  });

  it("joins shards of a rate × activation × init × seed grid, checking each run's cell", () => {
    const axes = {
      activations: ["relu" as const, "leaky_relu" as const],
      initializers: ["glorot_uniform" as const, "he_normal" as const],
    };
    const big = expandGrid(config.learningRates, config.seed, config.seeds, axes).map((c, i) =>
      run(c.learningRate, c.seed, [i % 8, 1], [0.5], false, c.activation, c.kernelInitializer),
    );
    expect(big).toHaveLength(16);
    const part = (index: number, runs = big): Report => ({
      schemaVersion: 2,
      config: { ...config, ...axes, shard: { index, count: 3 } },
      runs: shardPositions(16, { index, count: 3 }).map((p) => runs[p]),
    });
    expect(mergeReports(["b", "c", "a"], [part(2), part(3), part(1)]).runs).toEqual(big);
    // A shard whose runs have another activation than the grid says is refused.
    const swapped = big.map((r) => ({
      ...r,
      activation: r.activation === "relu" ? ("leaky_relu" as const) : ("relu" as const),
    }));
    expect(() => mergeReports(["a", "b", "c"], [part(1), part(2, swapped), part(3)])).toThrow(
      /^b: its runs are not those of shard 2\/3/,
    );
  });

  it("refuses mismatched configs, duplicates, missing shards and mixed splits", () => {
    expect(() => mergeReports(["a", "b"], [shard(1, 2), shard(2, 2, { epochs: 2 })])).toThrow(
      /^config field "epochs" differs: a has 1, b has 2; only "shard" may differ$/,
    );
    expect(() =>
      mergeReports(
        ["a", "b"],
        [shard(1, 2, { activations: ["relu", "leaky_relu"] }), shard(2, 2, { activations: ["relu"] })],
      ),
    ).toThrow(
      /^config field "activations" differs: a has \["relu","leaky_relu"\], b has \["relu"\]; only "shard" may differ$/,
    );
    expect(() => mergeReports(["a", "b"], [shard(1, 2, { initializers: ["he_normal"] }), shard(2, 2)])).toThrow(
      /^config field "initializers" differs: a has \["he_normal"\], b has nothing/,
    );
    // Results depend on the thread count each run was split over.
    expect(() => mergeReports(["a", "b"], [shard(1, 2, { threads: 2 }), shard(2, 2, { threads: 1 })])).toThrow(
      /^config field "threads" differs: a has 2, b has 1; only "shard" may differ$/,
    );
    expect(() => mergeReports(["a", "b"], [shard(1, 2), shard(1, 2)])).toThrow(
      /^a and b both hold shard 1\/2: duplicate or overlapping shards$/,
    );
    expect(() => mergeReports(["a", "b"], [shard(1, 3), shard(3, 3)])).toThrow(
      /^missing shard 2\/3 \(got 1\/3, 3\/3\)$/,
    );
    expect(() => mergeReports(["a", "b"], [shard(1, 2), shard(2, 3)])).toThrow(/different splits/);
    const wrong = shard(2, 2);
    wrong.runs = wrong.runs.slice(1);
    expect(() => mergeReports(["a", "b"], [shard(1, 2), wrong])).toThrow(/^b: its runs are not those of shard 2\/2/);
  });
});
