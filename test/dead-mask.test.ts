// Per-unit dead flags (model.deadMask) and the study's per-epoch hook that the web lab uses.
import { describe, it, expect, beforeAll } from "vitest";
import { createEngine, runStudy, type DeadUnits, type Engine, type Mnist } from "../src/index.js";
import { maskString, revivedUnits, runOne, type TrainBegin } from "../src/study/run.js";
import { studyCells } from "../src/study/config.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: "wasm-simd" });
});

describe("deadMask", () => {
  it("flags exactly the units deadUnits counts, per ReLU layer", () => {
    const model = engine.sequential({
      inputSize: 3,
      layers: [
        { units: 4, activation: "relu", name: "h" },
        { units: 2, activation: "softmax" },
      ],
    });
    // The weights of engine.test.ts' dead-unit case: units 0 and 2 never fire, unit 1 fires only on
    // the third sample, unit 3 always.
    model.setWeights([
      { kernel: Float32Array.of(-1, 1, 0, 1, -1, -1, 0, 1, -1, -1, 0, 1), bias: Float32Array.of(-0.5, -0.5, 0, 0.1) },
      { kernel: new Float32Array(8), bias: new Float32Array(2) },
    ]);
    const x = Float32Array.of(0, 1, 0, 0, 0.2, 0.3, 1, 0, 0);
    expect(model.deadMask(x)).toEqual([Uint8Array.of(1, 0, 1, 0)]);
    expect(model.deadMask(x.subarray(0, 6))).toEqual([Uint8Array.of(1, 1, 1, 0)]);
    model.dispose();
  });

  it("agrees with deadUnits on widths that are not a multiple of the tile", () => {
    const model = engine.sequential({
      inputSize: 20,
      layers: [
        { units: 13, activation: "relu" },
        { units: 7, activation: "relu" },
        { units: 3, activation: "softmax" },
      ],
      seed: 5,
    });
    // Push some biases far negative so that a known set of units dies.
    const w = model.getWeights();
    [0, 4, 12].forEach((j) => (w[0].bias[j] = -100));
    [1, 6].forEach((j) => (w[1].bias[j] = -100));
    model.setWeights(w);
    const x = Uint8Array.from({ length: 50 * 20 }, (_, i) => (i * 37) % 256);
    const masks = model.deadMask(x);
    expect(masks.map((m) => m.length)).toEqual([13, 7]);
    expect(masks.map((m) => m.reduce((s, v) => s + v, 0))).toEqual(model.deadUnits(x).map((d) => d.dead));
    for (const j of [0, 4, 12]) expect(masks[0][j]).toBe(1);
    for (const j of [1, 6]) expect(masks[1][j]).toBe(1);
    model.dispose();
  });
});

describe("runStudy's onEpochEnd hook", () => {
  // 120 random 28×28 "images" with labels 0–9: enough for a two-epoch, two-rate study.
  const split = (count: number, salt: number) => ({
    images: Uint8Array.from({ length: count * 784 }, (_, i) => ((i * 2654435761 + salt) >>> 24) & 255),
    labels: Uint8Array.from({ length: count }, (_, i) => (i * 7 + salt) % 10),
    count,
    rows: 28,
    cols: 28,
  });
  const data: Mnist = { train: split(120, 1), test: split(20, 2) };
  const config = {
    learningRates: [0.5, 0.001],
    epochs: 2,
    batchSize: 32,
    validationSplit: 0.2,
    validationData: "split" as const,
    layers: [16, 8],
    probe: 50,
    seed: 3,
  };

  it("gets each epoch with the live model, and the last epoch's mask matches the run's dead units", async () => {
    const seen: { lr: number; index: number; epoch: number; loss: number; dead: number[] }[] = [];
    const batchCalls: number[] = [];
    const runs = await runStudy(engine, data, config, {
      run: (index, { learningRate }) => ({
        callbacks: { onEpochEnd: () => void batchCalls.push(learningRate) },
        onEpochEnd: ({ epoch, logs, model, probe }) => {
          expect(probe.length).toBe(50 * 784);
          seen.push({
            lr: learningRate,
            index,
            epoch,
            loss: logs.loss,
            dead: model.deadMask(probe).map((m) => m.reduce((s, v) => s + v, 0)),
          });
        },
      }),
    });
    expect(seen.map((s) => [s.lr, s.index, s.epoch])).toEqual([
      [0.5, 0, 0],
      [0.5, 0, 1],
      [0.001, 1, 0],
      [0.001, 1, 1],
    ]);
    // The study's own callbacks still run.
    expect(batchCalls).toEqual([0.5, 0.5, 0.001, 0.001]);
    runs.forEach((run, i) => {
      expect(seen[2 * i + 1].loss).toBe(run.history.loss[1]);
      expect(seen[2 * i + 1].dead).toEqual(run.deadUnits.map((d) => d.dead));
    });
  });

  it("records per epoch the new definitions and the units revived since the previous epoch", async () => {
    const masks: Uint8Array[][][] = [[], []];
    const entries: DeadUnits[][][] = [[], []];
    const runs = await runStudy(
      engine,
      data,
      { ...config, epochs: 3 },
      {
        run: (index) => ({
          onEpochEnd: ({ model, probe, deadUnits }) => {
            masks[index].push(model.deadMask(probe));
            entries[index].push(deadUnits);
          },
        }),
      },
    );
    runs.forEach((run, i) => {
      // The hook gets each epoch's record as the run keeps it.
      expect(entries[i]).toEqual(run.deadUnitsPerEpoch);
      expect(run.deadUnitsPerEpoch.length).toBe(3);
      run.deadUnitsPerEpoch.forEach((entries, e) => {
        entries.forEach((d, l) => {
          expect(d.dead).toBe(masks[i][e][l].reduce((s, v) => s + v, 0));
          expect(d.nearlyDead).toBeGreaterThanOrEqual(d.dead);
          expect(d.dormant).toBeGreaterThanOrEqual(d.dead);
          if (e === 0) expect(d.revived).toBeLessThanOrEqual(d.units - d.dead);
          else expect(d.revived).toBe(revivedUnits(masks[i][e - 1][l], masks[i][e][l]));
        });
      });
      // The last epoch after which each unit fired, −1 for never.
      expect(run.lastFiredEpoch).toEqual(
        masks[i][0].map((_, l) =>
          Array.from(masks[i][0][l], (_, j) => {
            let last = -1;
            masks[i].forEach((m, e) => {
              if (m[l][j] === 0) last = e;
            });
            return last;
          }),
        ),
      );
      // The same in steps (96 training images in batches of 32: epochs end at steps 3, 6, 9); a
      // unit that never fired after an epoch fired before training (0) or never (−1).
      expect(run.lastFiredStep).toEqual(
        run.lastFiredEpoch!.map((units, l) =>
          units.map((e, j) => (e >= 0 ? 3 * (e + 1) : run.lastFiredStep![l][j] === 0 ? 0 : -1)),
        ),
      );
      // The run's final record is the last epoch's, fields and all; JSON keeps every field.
      expect(run.deadUnits).toEqual(run.deadUnitsPerEpoch[2]);
      expect(JSON.parse(JSON.stringify(run.deadUnitsPerEpoch))).toEqual(run.deadUnitsPerEpoch);
    });
  });

  it("probes before training and keeps the final masks as strings", async () => {
    let begin: TrainBegin | undefined;
    const epochs: Uint8Array[][] = [];
    const run = await runOne(engine, data, config, studyCells({ ...config, learningRates: [0.5] })[0], {
      onEpochEnd: ({ masks }) => void epochs.push(masks.map((m) => m.slice())),
      onTrainBegin: (b) => {
        expect(epochs).toHaveLength(0); // before the first epoch
        begin = { deadUnits: b.deadUnits, masks: b.masks.map((m) => m.slice()) };
      },
    });
    // The untrained model's probe, reported before the first epoch and kept in the run.
    expect(begin!.masks.map((m) => m.length)).toEqual([16, 8]);
    expect(run.deadUnitsBeforeTraining).toEqual(begin!.deadUnits);
    expect(begin!.deadUnits.map((d) => d.dead)).toEqual(begin!.masks.map((m) => m.reduce((s, v) => s + v, 0)));
    // The first epoch's revivals are counted against that probe.
    expect(run.deadUnitsPerEpoch[0].map((d) => d.revived)).toEqual(
      begin!.masks.map((m, l) => revivedUnits(m, epochs[0][l])),
    );
    expect(run.deadMasks).toEqual(epochs[epochs.length - 1].map(maskString));
  });

  it("records per unit the last probed step after which it fired, every probeEvery steps and at epoch ends", async () => {
    let before: Uint8Array[] = [];
    const epochs: Uint8Array[][] = [];
    const probing = { ...config, probeEvery: 2 };
    const run = await runOne(engine, data, probing, studyCells({ ...probing, learningRates: [0.5] })[0], {
      onEpochEnd: ({ masks }) => void epochs.push(masks.map((m) => m.slice())),
      onTrainBegin: (b) => {
        before = b.masks.map((m) => m.slice());
      },
    });
    // Two epochs of 3 steps: probes before training (0), at steps 2, 4, 6 and at the epoch ends 3, 6.
    const final = run.deadMasks!;
    run.lastFiredStep!.forEach((units, l) =>
      units.forEach((step, j) => {
        expect([-1, 0, 2, 3, 4, 6]).toContain(step);
        if (final[l][j] === "0")
          expect(step).toBe(6); // alive at the end: fired after the last step
        else expect(step).toBeLessThan(6);
        const e = run.lastFiredEpoch![l][j];
        if (e >= 0) expect(step).toBeGreaterThanOrEqual(3 * (e + 1));
        if (step === -1) expect(before[l][j]).toBe(1); // never fired, not even before training
        if (step === 0) expect([before[l][j], epochs[0][l][j], epochs[1][l][j]]).toEqual([0, 1, 1]);
      }),
    );
    // Rate 0.5 kills units during training, so some last fired before the end.
    expect(run.lastFiredStep!.flat().some((s) => s >= 0 && s < 6)).toBe(true);
  });

  it("compiles the optimizer the config names, with its options", async () => {
    const one = { ...config, learningRates: [0.1], epochs: 1 };
    const [adam] = await runStudy(engine, data, one);
    const [sgd] = await runStudy(engine, data, { ...one, compile: { optimizer: "sgd" } });
    const [momentum] = await runStudy(engine, data, {
      ...one,
      compile: { optimizer: "sgd", momentum: 0.9, clipnorm: 1 },
    });
    expect(sgd.history.loss).not.toEqual(adam.history.loss);
    expect(momentum.history.loss).not.toEqual(sgd.history.loss);
    await expect(runStudy(engine, data, { ...one, compile: { optimizer: "lion" as "sgd" } })).rejects.toThrow(
      `optimizer must be one of "adam", "adamw", "sgd", "rmsprop", got "lion"`,
    );
    await expect(runStudy(engine, data, { ...one, compile: { optimizer: "adam", momentum: 0.9 } })).rejects.toThrow(
      /optimizer "adam" takes no option "momentum"/,
    );
  });

  it("maskString writes 1 per dead unit", () => {
    expect(maskString(Uint8Array.of(1, 0, 0, 1))).toBe("1001");
    expect(maskString(new Uint8Array(0))).toBe("");
  });

  it("revivedUnits counts units dead before and alive after", () => {
    expect(revivedUnits(Uint8Array.of(1, 1, 0, 0, 1), Uint8Array.of(0, 1, 0, 1, 0))).toBe(2);
    expect(revivedUnits(Uint8Array.of(0, 0), Uint8Array.of(1, 1))).toBe(0);
  });

  it("leaves a study without the hook unchanged", async () => {
    const a = await runStudy(engine, data, config);
    const b = await runStudy(engine, data, config, { run: () => ({ onEpochEnd: () => {} }) });
    expect(b.map((r) => r.history)).toEqual(a.map((r) => r.history));
    expect(b.map((r) => r.deadUnits)).toEqual(a.map((r) => r.deadUnits));
  });
});
