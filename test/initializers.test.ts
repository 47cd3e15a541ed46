// kernelInitializer in every engine: the js twin draws the same kernels as both wasm builds bit
// for bit, the draws have Keras' variances (and the normals' ±2σ cut), "glorot_uniform" given
// explicitly is the default, and bad names are rejected.
import { describe, it, expect, beforeAll } from "vitest";
import { createEngine, ArgumentError, type Engine, type Initializer, type LayerConfig } from "../src/index.js";
import { log64 } from "../src/engine/js/init.js";

let engines: Engine[];
beforeAll(async () => {
  engines = [
    await createEngine({ backend: "js" }),
    await createEngine({ backend: "wasm-simd" }),
    await createEngine({ backend: "wasm-relaxed" }),
  ];
});

// [Keras scale, fan mode, truncated normal?]
const KERAS: Record<Exclude<Initializer, "randomized_asymmetric">, [number, "fan_in" | "fan_avg", boolean]> = {
  glorot_uniform: [1, "fan_avg", false],
  glorot_normal: [1, "fan_avg", true],
  he_uniform: [2, "fan_in", false],
  he_normal: [2, "fan_in", true],
  lecun_normal: [1, "fan_in", true],
  lecun_uniform: [1, "fan_in", false],
};

const net = (init: Initializer | undefined, seed = 7) => ({
  inputSize: 784,
  layers: [
    { units: 128, activation: "relu", ...(init ? { kernelInitializer: init } : {}) },
    { units: 64, activation: "relu", ...(init ? { kernelInitializer: init } : {}) },
    { units: 10, activation: "softmax" },
  ] as LayerConfig[],
  seed,
});

describe.each(Object.keys(KERAS) as (keyof typeof KERAS)[])("%s", (init) => {
  it("js and both wasm builds draw the same kernels bit for bit; biases are 0", () => {
    const [js, ...wasm] = engines.map((e) => {
      const m = e.sequential(net(init));
      const w = m.getWeights();
      m.dispose();
      return w;
    });
    for (const w of wasm) {
      w.forEach((l, i) => {
        expect(Buffer.from(l.kernel.buffer).equals(Buffer.from(js[i].kernel.buffer))).toBe(true);
        expect(l.bias.every((b) => b === 0)).toBe(true);
      });
    }
  });

  it("has Keras' variance scale/n (n = fan_in or (fan_in + fan_out)/2) and bound", () => {
    const m = engines[1].sequential(net(init));
    const [k] = m.getWeights();
    m.dispose();
    const [scale, mode, normal] = KERAS[init];
    const variance = scale / (mode === "fan_in" ? 784 : (784 + 128) / 2);
    const bound = normal ? (2 * Math.sqrt(variance)) / 0.87962566103423978 : Math.sqrt(3 * variance);
    let s = 0;
    let s2 = 0;
    let hi = 0;
    for (const v of k.kernel) {
      hi = Math.max(hi, Math.abs(v));
      s += v;
      s2 += v * v;
    }
    expect(hi).toBeLessThanOrEqual(bound * (1 + 1e-7));
    expect(hi).toBeGreaterThan(0.99 * bound);
    const n = k.kernel.length;
    expect(Math.abs(s / n)).toBeLessThan(0.01 * Math.sqrt(variance));
    expect(Math.abs((s2 / n - (s / n) ** 2) / variance - 1)).toBeLessThan(0.02);
  });
});

describe("randomized_asymmetric (Lu et al. 2019)", () => {
  const WIDE = 2048; // units of the first layer: one asymmetric draw each
  const weightsOf = (e: Engine) => {
    const m = e.sequential({
      inputSize: 784,
      layers: [
        { units: WIDE, activation: "relu", kernelInitializer: "randomized_asymmetric" },
        { units: 10, activation: "softmax" },
      ],
      seed: 3,
    });
    const w = m.getWeights();
    m.dispose();
    return w;
  };

  it("js and both wasm builds draw the same kernels and biases bit for bit", () => {
    const [js, ...wasm] = engines.map(weightsOf);
    for (const w of wasm) {
      w.forEach((l, i) => {
        expect(Buffer.from(l.kernel.buffer).equals(Buffer.from(js[i].kernel.buffer))).toBe(true);
        expect(Buffer.from(l.bias.buffer).equals(Buffer.from(js[i].bias.buffer))).toBe(true);
      });
    }
    expect(js[0].bias.some((b) => b !== 0)).toBe(true); // RAI draws the biases too
    expect(js[1].bias.every((b) => b === 0)).toBe(true); // the softmax layer stays glorot_uniform
  });

  it("gives each unit one positive Beta(2, 1) parameter among N(0, 0.6007²/fan_in) ones", () => {
    const [layer] = weightsOf(engines[1]);
    const sigma = 0.6007 / Math.sqrt(784);
    // A normal draw beyond 0.2 (9.3σ) has probability ~1e-20; Beta(2, 1) exceeds it with 0.96.
    let oneLarge = 0;
    let beta = 0;
    let beta2 = 0;
    let rest = 0;
    let rest2 = 0;
    let restCount = 0;
    for (let j = 0; j < WIDE; j++) {
      const column = Array.from({ length: 785 }, (_, i) => (i < 784 ? layer.kernel[i * WIDE + j] : layer.bias[j]));
      const large = column.filter((v) => v > 0.2).length;
      expect(large).toBeLessThanOrEqual(1);
      if (large === 1) oneLarge++;
      // The asymmetric draw is the column's maximum unless Beta(2, 1) fell below the normals' top.
      const k = column.indexOf(Math.max(...column));
      beta += column[k];
      beta2 += column[k] ** 2;
      column.forEach((v, i) => {
        if (i === k) return;
        rest += v;
        rest2 += v * v;
        restCount++;
      });
    }
    expect(oneLarge / WIDE).toBeGreaterThan(0.94); // P(Beta(2, 1) > 0.2) = 0.96
    const mean = beta / WIDE;
    expect(Math.abs(mean - 2 / 3)).toBeLessThan(0.02); // σ of the mean ≈ 0.005
    expect(Math.abs((beta2 / WIDE - mean * mean) * 18 - 1)).toBeLessThan(0.12); // variance 1/18
    expect(Math.abs(rest / restCount)).toBeLessThan(0.01 * sigma);
    expect(Math.abs(rest2 / restCount / sigma ** 2 - 1)).toBeLessThan(0.02);
  });
});

describe("kernelInitializer", () => {
  it("'glorot_uniform' given explicitly is the default draw; another seed draws other numbers", () => {
    const e = engines[1];
    const weights = (cfg: ReturnType<typeof net>) => {
      const m = e.sequential(cfg);
      const w = m.getWeights();
      m.dispose();
      return w;
    };
    expect(weights(net("glorot_uniform"))).toEqual(weights(net(undefined)));
    expect(weights(net("he_normal", 8))[0].kernel).not.toEqual(weights(net("he_normal", 7))[0].kernel);
  });

  it("mixes initialisers per layer", () => {
    const m = engines[0].sequential({
      inputSize: 784,
      layers: [
        { units: 128, activation: "relu", kernelInitializer: "he_normal" },
        { units: 10, activation: "softmax" },
      ],
    });
    const [a, b] = m.getWeights();
    const varOf = (k: Float32Array) => k.reduce((t, v) => t + v * v, 0) / k.length;
    expect(varOf(a.kernel) / (2 / 784)).toBeCloseTo(1, 1);
    expect(varOf(b.kernel) / (1 / 69)).toBeCloseTo(1, 0); // glorot_uniform: 2/(128 + 10)
    m.dispose();
  });

  it("rejects an unknown name with an ArgumentError listing the choices", () => {
    const bad = () =>
      engines[0].sequential({
        inputSize: 3,
        layers: [{ units: 2, activation: "softmax", kernelInitializer: "orthogonal" as Initializer }],
      });
    expect(bad).toThrow(ArgumentError);
    expect(bad).toThrow(
      `layers[0].kernelInitializer must be one of "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "lecun_uniform", "randomized_asymmetric", got "orthogonal"`,
    );
  });

  it("log64 (the normals' arithmetic-only log) agrees with Math.log within 2 ulp", () => {
    for (const x of [
      1,
      0.5,
      5e-324,
      1e-300,
      2.2250738585072014e-308,
      0.7071067811865476,
      0.9999999,
      1e-7,
      Math.random(),
    ]) {
      expect(Math.abs(log64(x) - Math.log(x))).toBeLessThanOrEqual(4.5e-16 * Math.abs(Math.log(x)));
    }
  });
});
