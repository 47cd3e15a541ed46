// Linear learning-rate warmup (compile's warmupSteps): the rates of the first steps by hand, SGD
// steps bit for bit in every engine, Keras 3's CosineDecay formula giving the same rates, and bad
// values.
import { describe, it, expect, beforeAll } from "vitest";
import { ArgumentError, type CompileConfig, type Engine } from "../src/index.js";
import { TINY, randomWeights, tinyBatch } from "./support/tiny.js";
import { BACKENDS, allEngines, type Backend } from "./support/engines.js";

let engines: Record<Backend, Engine>;
beforeAll(async () => {
  engines = await allEngines();
});

// lr 0.1 warmed up over 4 steps: the update after i earlier ones uses 0.1·min(1, i/4).
const RATES = [0, 0.025, 0.05, 0.075, 0.1, 0.1];

/**
 * keras.optimizers.schedules.CosineDecay(0.0, decay_steps, alpha, warmup_target, warmup_steps)
 * at optimizer.iterations = step, as keras/src/optimizers/schedules/learning_rate_schedule.py
 * computes it (in float64 here).
 */
function kerasCosineDecay(
  step: number,
  decaySteps: number,
  alpha: number,
  target: number,
  warmupSteps: number,
): number {
  const s = Math.min(step, decaySteps + warmupSteps);
  if (s < warmupSteps) return (target - 0) * (s / warmupSteps) + 0;
  const cosineDecayed = 0.5 * (1 + Math.cos(Math.PI * ((s - warmupSteps) / decaySteps)));
  return target * ((1 - alpha) * cosineDecayed + alpha);
}

describe("warmupSteps", () => {
  it("is Keras 3's CosineDecay(0, decay_steps=1, alpha=1.0, warmup_target=lr, warmup_steps=N)", () => {
    RATES.forEach((rate, i) => expect(kerasCosineDecay(i, 1, 1.0, 0.1, 4)).toBeCloseTo(rate, 15));
    expect(kerasCosineDecay(1000, 1, 1.0, 0.1, 4)).toBe(0.1);
  });

  it.each(BACKENDS)("%s: SGD steps w −= f32(lr_t)·g with lr_t = 0, 0.025, 0.05, 0.075, 0.1, 0.1", (backend) => {
    const model = engines[backend].sequential({ ...TINY, layers: [...TINY.layers] });
    model.setWeights(randomWeights(5));
    model.compile({ optimizer: "sgd", learningRate: 0.1, warmupSteps: 4 });
    RATES.forEach((rate, t) => {
      const b = tinyBatch(20 + t, 16);
      const before = model.getWeights();
      const { grads } = model.computeGradients(b.x, b.y);
      model.trainOnBatch(b.x, b.y);
      const lr = Math.fround(rate);
      model.getWeights().forEach((l, i) => {
        const expected = (w: Float32Array, g: Float32Array) =>
          Array.from(w, (v, j) => Math.fround(v - Math.fround(g[j] * lr)));
        expect(Array.from(l.kernel)).toEqual(expected(before[i].kernel, grads[i].kernel));
        expect(Array.from(l.bias)).toEqual(expected(before[i].bias, grads[i].bias));
      });
    });
    model.dispose();
  });

  it("Adam's first warmed-up update (rate 0) leaves the weights, counts the step; compile() starts over", () => {
    const model = engines["wasm-simd"].sequential({ ...TINY, layers: [...TINY.layers] });
    const w0 = randomWeights(5);
    model.setWeights(w0);
    const b = tinyBatch(6, 16);
    const train = (cfg: CompileConfig) => {
      model.compile(cfg);
      model.trainOnBatch(b.x, b.y);
      return model.getWeights();
    };
    expect(train({ optimizer: "adam", learningRate: 0.01, warmupSteps: 10 })).toEqual(w0);
    model.trainOnBatch(b.x, b.y); // the second update, at 0.01·1/10, moves them
    expect(model.getWeights()[0].kernel).not.toEqual(w0[0].kernel);
    model.setWeights(w0);
    expect(train({ optimizer: "adam", learningRate: 0.01, warmupSteps: 10 })).toEqual(w0);
    model.dispose();
  });

  it("warmupSteps 0 is no warmup", () => {
    const run = (cfg: CompileConfig) => {
      const model = engines.js.sequential({ ...TINY, layers: [...TINY.layers] });
      model.setWeights(randomWeights(5));
      model.compile(cfg);
      const b = tinyBatch(6, 16);
      model.trainOnBatch(b.x, b.y);
      const w = model.getWeights();
      model.dispose();
      return w;
    };
    expect(run({ optimizer: "rmsprop", learningRate: 0.01, warmupSteps: 0 })).toEqual(
      run({ optimizer: "rmsprop", learningRate: 0.01 }),
    );
  });

  it.each([-1, 1.5, Number.NaN, "3"])("rejects warmupSteps %s", (bad) => {
    const compile = () =>
      engines.js
        .sequential({ ...TINY, layers: [...TINY.layers] })
        .compile({ optimizer: "sgd", warmupSteps: bad as number });
    expect(compile).toThrow(ArgumentError);
    expect(compile).toThrow(/warmupSteps must be an integer ≥ 0/);
  });
});
