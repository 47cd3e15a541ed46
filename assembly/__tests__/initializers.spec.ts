// Keras' VarianceScaling initialisers (assembly/init.ts): statistics of a 784×128 draw against
// theory, the truncation bound of the truncated normals, log64 against Math.log, and the polar
// normals' moments.
import {
  initKernel,
  log64,
  rngNormal,
  TRUNCATED_STDDEV,
  INIT_GLOROT_UNIFORM,
  INIT_GLOROT_NORMAL,
  INIT_HE_UNIFORM,
  INIT_HE_NORMAL,
  INIT_LECUN_NORMAL,
  INIT_LECUN_UNIFORM,
  INIT_RANDOMIZED_ASYMMETRIC,
  RAI_SIGMA,
  initUnit,
} from "../init";
import { rngBelow, rngUniform } from "../prng";
import { glorotUniform } from "../init";
import { ld32, newState } from "./support";

const SENTINEL: f32 = 42.5;
const FAN_IN = 784;
const FAN_OUT = 128;
const LD = 136;

function allocSentinel(n: i32): usize {
  const p = heap.alloc((<usize>n) << 2);
  for (let i = 0; i < n; i++) store<f32>(p + ((<usize>i) << 2), SENTINEL);
  return p;
}

/** Draws a 784×128 kernel; checks mean, variance = scale/n, |w| ≤ bound, kurtosis, padding. */
function checkDraw(init: i32, scale: f64, n: f64, normal: bool): void {
  const w = allocSentinel((FAN_IN + 1) * LD);
  initKernel(newState(3), w, 0, FAN_IN, FAN_OUT, LD, init); // no bias: these leave it alone
  const variance = scale / n;
  // Uniform: |w| ≤ √(3·variance); truncated normal: |w| ≤ 2σ with σ = √variance/.8796….
  const bound = normal ? (2 * Math.sqrt(variance)) / TRUNCATED_STDDEV : Math.sqrt(3 * variance);
  let sum: f64 = 0,
    sq: f64 = 0,
    quad: f64 = 0,
    hi: f64 = 0;
  let outside = 0,
    padWritten = 0;
  for (let i = 0; i < FAN_IN; i++) {
    for (let j = 0; j < FAN_OUT; j++) {
      const v = <f64>ld32(w, i * LD + j);
      if (!(Math.abs(v) <= bound * (1 + 1e-7))) outside++;
      hi = Math.max(hi, Math.abs(v));
      sum += v;
      sq += v * v;
      quad += v * v * v * v;
    }
    for (let j = FAN_OUT; j < LD; j++) if (ld32(w, i * LD + j) != SENTINEL) padWritten++;
  }
  for (let j = 0; j < LD; j++) if (ld32(w, FAN_IN * LD + j) != SENTINEL) padWritten++;
  const count = <f64>(FAN_IN * FAN_OUT);
  const mean = sum / count;
  const v2 = sq / count - mean * mean;
  expect<i32>(outside).toBe(0, "values beyond the bound");
  expect<i32>(padWritten).toBe(0, "padding written");
  expect<f64>(Math.abs(mean) / Math.sqrt(variance)).toBeLessThan(0.01); // σ of the mean ≈ 0.003σ
  expect<f64>(Math.abs(v2 / variance - 1)).toBeLessThan(0.02);
  // Kurtosis: 1.8 for a uniform; 2.3656 for a normal cut at ±2σ (a plain normal's would be 3):
  // E[x⁴]/E[x²]² with E[x²] = 1 − 4φ(2)/Z, E[x⁴] = 3E[x²] − 16φ(2)/Z, Z = P(|x| < 2).
  const kurt = quad / count / (v2 * v2);
  expect<f64>(Math.abs(kurt - (normal ? 2.3656 : 1.8))).toBeLessThan(0.05);
  expect<f64>(hi).toBeGreaterThan(0.99 * bound); // the draw reaches the cut
  heap.free(w);
}

describe("initKernel (Keras VarianceScaling)", () => {
  test("glorot_uniform: variance 1/fan_avg, the same numbers as glorotUniform", () => {
    checkDraw(INIT_GLOROT_UNIFORM, 1, (FAN_IN + FAN_OUT) / 2.0, false);
    const a = allocSentinel(FAN_IN * LD);
    const b = allocSentinel(FAN_IN * LD);
    initKernel(newState(5), a, 0, FAN_IN, FAN_OUT, LD, INIT_GLOROT_UNIFORM);
    glorotUniform(newState(5), b, FAN_IN, FAN_OUT, LD);
    expect<i32>(memory.compare(a, b, (<usize>(FAN_IN * LD)) << 2)).toBe(0);
  });
  test("glorot_normal: truncated normal, variance 1/fan_avg, |w| ≤ 2σ", () => {
    checkDraw(INIT_GLOROT_NORMAL, 1, (FAN_IN + FAN_OUT) / 2.0, true);
  });
  test("he_uniform: variance 2/fan_in", () => {
    checkDraw(INIT_HE_UNIFORM, 2, FAN_IN, false);
  });
  test("he_normal: truncated normal, variance 2/fan_in", () => {
    checkDraw(INIT_HE_NORMAL, 2, FAN_IN, true);
  });
  test("lecun_normal: truncated normal, variance 1/fan_in", () => {
    checkDraw(INIT_LECUN_NORMAL, 1, FAN_IN, true);
  });
  test("lecun_uniform: variance 1/fan_in", () => {
    checkDraw(INIT_LECUN_UNIFORM, 1, FAN_IN, false);
  });
});

describe("randomized asymmetric initialisation (Lu et al. 2019)", () => {
  const UNITS = 2048;
  test("per unit: one parameter of fanIn + 1 (bias last) from Beta(2, 1), the rest N(0, 0.6007²/fanIn)", () => {
    const w = allocSentinel(FAN_IN * UNITS);
    const b = allocSentinel(UNITS);
    initKernel(newState(9), w, b, FAN_IN, UNITS, UNITS, INIT_RANDOMIZED_ASYMMETRIC);
    // Replays the definition on a second generator with the same seed: which parameter is the
    // asymmetric one, and every value bit for bit.
    const rng = newState(9);
    const sigma = RAI_SIGMA / Math.sqrt(<f64>FAN_IN);
    let mismatches = 0,
      biasPicks = 0,
      betaOutside = 0;
    let bs: f64 = 0,
      bs2: f64 = 0,
      ks: f64 = 0,
      ns: f64 = 0,
      ns2: f64 = 0,
      ns4: f64 = 0;
    for (let j = 0; j < UNITS; j++) {
      const k = <i32>rngBelow(rng, <u32>(FAN_IN + 1));
      ks += <f64>k / FAN_IN;
      if (k == FAN_IN) biasPicks++;
      for (let i = 0; i <= FAN_IN; i++) {
        const got = <f64>(i < FAN_IN ? ld32(w, i * UNITS + j) : ld32(b, j));
        if (i == k) {
          const beta = Math.sqrt(<f64>rngUniform(rng));
          if (<f32>beta != <f32>got) mismatches++;
          if (!(got >= 0 && got <= 1)) betaOutside++;
          bs += got;
          bs2 += got * got;
        } else {
          if (<f32>(rngNormal(rng) * sigma) != <f32>got) mismatches++;
          const z = got / sigma;
          ns += z;
          ns2 += z * z;
          ns4 += z * z * z * z;
        }
      }
    }
    expect<i32>(mismatches).toBe(0);
    expect<i32>(betaOutside).toBe(0);
    expect<i32>(biasPicks).toBeLessThan(12); // ~ UNITS/(FAN_IN + 1) = 2.6 expected
    expect<f64>(Math.abs(ks / UNITS - 0.5)).toBeLessThan(0.025); // k uniform over 0..fanIn: σ ≈ 0.0064
    // Beta(2, 1): mean 2/3, variance 1/18 (σ of the mean ≈ 0.005).
    const bm = bs / UNITS;
    expect<f64>(Math.abs(bm - 2.0 / 3)).toBeLessThan(0.02);
    expect<f64>(Math.abs((bs2 / UNITS - bm * bm) * 18 - 1)).toBeLessThan(0.1);
    // The symmetric part, standardised: mean 0, variance 1, kurtosis 3 (an untruncated normal).
    const count = <f64>(FAN_IN * UNITS);
    expect<f64>(Math.abs(ns / count)).toBeLessThan(0.005);
    expect<f64>(Math.abs(ns2 / count - 1)).toBeLessThan(0.005);
    expect<f64>(Math.abs(ns4 / count - 3)).toBeLessThan(0.05);
    heap.free(w);
    heap.free(b);
  });

  test("initUnit redraws one column and its bias, leaving the other columns alone", () => {
    const cols = 8;
    const w = allocSentinel(FAN_IN * cols);
    const b = allocSentinel(cols);
    const full = allocSentinel(FAN_IN * cols);
    const fullB = allocSentinel(cols);
    initUnit(newState(4), w, b, 3, FAN_IN, cols, cols, INIT_RANDOMIZED_ASYMMETRIC);
    // Unit 0 of a layer drawn from the same seed is the same draw as unit 3 alone.
    initKernel(newState(4), full, fullB, FAN_IN, 1, cols, INIT_RANDOMIZED_ASYMMETRIC);
    let diff = 0,
      touched = 0;
    for (let i = 0; i < FAN_IN; i++) {
      if (ld32(w, i * cols + 3) != ld32(full, i * cols)) diff++;
      for (let j = 0; j < cols; j++) if (j != 3 && ld32(w, i * cols + j) != SENTINEL) touched++;
    }
    expect<i32>(diff).toBe(0);
    expect<i32>(touched).toBe(0);
    expect<f32>(ld32(b, 3)).toBe(ld32(fullB, 0));
    // Other initialisers: the column from the layer's distribution, the bias 0.
    initUnit(newState(4), w, b, 5, FAN_IN, cols, cols, INIT_HE_UNIFORM);
    const limit = <f32>Math.sqrt(6.0 / FAN_IN);
    let outside = 0;
    for (let i = 0; i < FAN_IN; i++) if (!(Math.abs(ld32(w, i * cols + 5)) <= limit)) outside++;
    expect<i32>(outside).toBe(0);
    expect<f32>(ld32(b, 5)).toBe(0);
    heap.free(w);
    heap.free(b);
    heap.free(full);
    heap.free(fullB);
  });
});

describe("normals", () => {
  test("log64 matches Math.log within 2 ulp from subnormals to 1", () => {
    const xs: f64[] = [
      1, 0.5, 0.75, 1e-300, 5e-324, 2.2250738585072014e-308, 0.7071067811865476, 0.9999999, 1e-7, 0.123456789,
    ];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      const want = Math.log(x);
      expect<bool>(Math.abs(log64(x) - want) <= 4.5e-16 * Math.abs(want) + 1e-300).toBe(
        true,
        "log64(" + x.toString() + ")",
      );
    }
    for (let i = 1; i < 1000; i++) {
      const x = <f64>i / 1000;
      const want = Math.log(x);
      expect<bool>(Math.abs(log64(x) - want) <= 4.5e-16 * Math.abs(want) + 1e-300).toBe(
        true,
        "log64(" + x.toString() + ")",
      );
    }
  });
  test("rngNormal: mean 0, variance 1, kurtosis 3 over 200,000 draws", () => {
    const rng = newState(11);
    const n = 200000;
    let s: f64 = 0,
      s2: f64 = 0,
      s4: f64 = 0;
    for (let i = 0; i < n; i++) {
      const x = rngNormal(rng);
      s += x;
      s2 += x * x;
      s4 += x * x * x * x;
    }
    expect<f64>(Math.abs(s / n)).toBeLessThan(0.01);
    expect<f64>(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect<f64>(Math.abs(s4 / n - 3)).toBeLessThan(0.1);
  });
});
