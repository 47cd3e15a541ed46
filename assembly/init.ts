// Dense kernels' initialisers (Keras' defaults: kernel glorot_uniform, bias zeros) and the
// alternatives Keras names, all VarianceScaling (keras/src/initializers/random_initializers.py):
//
//   code  name            scale  mode     distribution
//   0     glorot_uniform  1      fan_avg  uniform           U(±√(3·scale/n))
//   1     glorot_normal   1      fan_avg  truncated_normal  σ = √(scale/n)/.87962566103423978, cut at ±2σ
//   2     he_uniform      2      fan_in   uniform
//   3     he_normal       2      fan_in   truncated_normal
//   4     lecun_normal    1      fan_in   truncated_normal
//   5     lecun_uniform   1      fan_in   uniform
//   6     randomized_asymmetric (Lu et al. 2019; not Keras, not VarianceScaling: see randomizedAsymmetricUnit)
//
// (n = fan_in, or (fan_in + fan_out)/2 for fan_avg.) The truncated normal's σ is divided by the
// standard deviation of a unit normal cut at ±2 so that the *drawn* values have variance scale/n,
// as Keras does; values beyond 2σ are re-drawn (TF's truncated_normal). Normals come from
// Marsaglia's polar method on rngUniform with a log built from +, −, ×, ÷ only (log64 below), so
// the js twin (src/engine/js/init.ts) draws the same numbers bit for bit.
import { rngUniform, rngBelow } from "./prng";
import {
  INIT_GLOROT_UNIFORM,
  INIT_GLOROT_NORMAL,
  INIT_HE_UNIFORM,
  INIT_HE_NORMAL,
  INIT_LECUN_NORMAL,
  INIT_LECUN_UNIFORM,
  INIT_RANDOMIZED_ASYMMETRIC,
} from "./codes";
export {
  INIT_GLOROT_UNIFORM,
  INIT_GLOROT_NORMAL,
  INIT_HE_UNIFORM,
  INIT_HE_NORMAL,
  INIT_LECUN_NORMAL,
  INIT_LECUN_UNIFORM,
  INIT_RANDOMIZED_ASYMMETRIC,
};

/**
 * The symmetric part's scale of randomized asymmetric initialisation with P = Beta(2, 1): the
 * other weights are N(0, (RAI_SIGMA/√fan_in)²), as in the RAI reference code that cites the
 * paper (V = randn(fan_out, fan_in + 1)·0.6007/√fan_in, then one V[j, k] per unit Beta(2, 1)).
 */
export const RAI_SIGMA: f64 = 0.6007;

/** The standard deviation of a unit normal truncated to [−2, 2] (Keras' constant). */
export const TRUNCATED_STDDEV: f64 = 0.87962566103423978;

/**
 * ln(x) for finite x > 0 with basic arithmetic only: x = m·2^e with m in [√½, √2), then
 * ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.172, by its series to t^41 (error < 1e-17).
 */
export function log64(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000); // [1, 2)
  if (e == -1023) {
    // subnormal: scale up first
    const y = x * 18014398509481984.0; // 2^54
    const b = reinterpret<u64>(y);
    e = <i32>((b >> 52) & 0x7ff) - 1023 - 54;
    m = reinterpret<f64>((b & 0x000fffffffffffff) | 0x3ff0000000000000);
  }
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let sum: f64 = 0;
  for (let k = 41; k >= 3; k -= 2) sum = (sum + 1.0 / <f64>k) * t2;
  return 2 * t * (1 + sum) + <f64>e * 0.6931471805599453;
}

/** A standard normal deviate: Marsaglia's polar method (the second deviate is discarded). */
export function rngNormal(rng: usize): f64 {
  let u: f64, v: f64, s: f64;
  do {
    u = <f64>rngUniform(rng) * 2 - 1;
    v = <f64>rngUniform(rng) * 2 - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  return u * Math.sqrt((-2 * log64(s)) / s);
}

/** A unit normal deviate re-drawn until it lies within ±2. */
export function rngTruncatedNormal(rng: usize): f64 {
  let x: f64;
  do {
    x = rngNormal(rng);
  } while (Math.abs(x) > 2);
  return x;
}

/** Glorot-uniform: U(−l, l) with l = √(6/(fan_in + fan_out)), drawn row by row into w[fanIn, ld]. */
export function glorotUniform(rng: usize, w: usize, fanIn: i32, fanOut: i32, ld: i32): void {
  const limit = <f32>Math.sqrt(6.0 / <f64>(fanIn + fanOut));
  for (let i = 0; i < fanIn; i++) {
    const row = w + ((<usize>i * ld) << 2);
    for (let j = 0; j < fanOut; j++) {
      store<f32>(row + ((<usize>j) << 2), (rngUniform(rng) * 2 - 1) * limit);
    }
  }
}

/**
 * Randomized asymmetric initialisation of unit j (Lu, Shin, Su, Karniadakis 2019, "Dying ReLU and
 * Initialization", arXiv 1903.06733): of the unit's fanIn + 1 incoming parameters (its column of
 * w, then its bias b[j]) one, chosen uniformly, is drawn from the positive P = Beta(2, 1), the
 * others from the symmetric Q = N(0, σ²), σ = RAI_SIGMA/√fanIn. Where the paper leaves a choice:
 * Q is the plain (untruncated) normal, the bias takes part in the draw (so it may be the positive
 * one), and Beta(2, 1) is drawn by inversion, √U (its CDF is x²). Draw order: the index, then the
 * fanIn + 1 values top to bottom, bias last.
 */
export function randomizedAsymmetricUnit(rng: usize, w: usize, b: usize, j: i32, fanIn: i32, ld: i32): void {
  const k = <i32>rngBelow(rng, <u32>(fanIn + 1));
  const sigma = RAI_SIGMA / Math.sqrt(<f64>fanIn);
  for (let i = 0; i <= fanIn; i++) {
    const v: f64 = i == k ? Math.sqrt(<f64>rngUniform(rng)) : rngNormal(rng) * sigma;
    store<f32>(i < fanIn ? w + ((<usize>i * ld + j) << 2) : b + ((<usize>j) << 2), <f32>v);
  }
}

/**
 * Draws unit j's incoming weights (column j of w[fanIn, ld]) and bias again with initialiser
 * `init`, as ReDo recycling does: the same distribution as initKernel's for that layer, the bias
 * 0 except for randomized_asymmetric, whose draw includes it.
 */
export function initUnit(rng: usize, w: usize, b: usize, j: i32, fanIn: i32, fanOut: i32, ld: i32, init: i32): void {
  if (init == INIT_RANDOMIZED_ASYMMETRIC) {
    randomizedAsymmetricUnit(rng, w, b, j, fanIn, ld);
    return;
  }
  store<f32>(b + ((<usize>j) << 2), 0);
  if (init == INIT_GLOROT_NORMAL || init == INIT_HE_NORMAL || init == INIT_LECUN_NORMAL) {
    const sigma = normalSigma(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) store<f32>(w + ((<usize>i * ld + j) << 2), <f32>(rngTruncatedNormal(rng) * sigma));
  } else {
    const limit = uniformLimit(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) store<f32>(w + ((<usize>i * ld + j) << 2), (rngUniform(rng) * 2 - 1) * limit);
  }
}

/** The uniform initialisers' bound √(3·scale/n), in f32. */
function uniformLimit(init: i32, fanIn: i32, fanOut: i32): f32 {
  if (init == INIT_GLOROT_UNIFORM) return <f32>Math.sqrt(6.0 / <f64>(fanIn + fanOut));
  return <f32>Math.sqrt((3 * (init == INIT_HE_UNIFORM ? 2.0 : 1.0)) / <f64>fanIn);
}

/** The truncated normals' σ = √(scale/n)/TRUNCATED_STDDEV. */
function normalSigma(init: i32, fanIn: i32, fanOut: i32): f64 {
  const scale: f64 = init == INIT_HE_NORMAL ? 2 : 1;
  const n: f64 = init == INIT_GLOROT_NORMAL ? <f64>(fanIn + fanOut) / 2 : <f64>fanIn;
  return Math.sqrt(scale / n) / TRUNCATED_STDDEV;
}

/**
 * Draws w[fanIn, ld]'s first fanOut columns with initialiser `init` (codes above), row by row;
 * randomized_asymmetric draws unit by unit and also sets b's first fanOut entries.
 */
export function initKernel(rng: usize, w: usize, b: usize, fanIn: i32, fanOut: i32, ld: i32, init: i32): void {
  if (init == INIT_RANDOMIZED_ASYMMETRIC) {
    for (let j = 0; j < fanOut; j++) randomizedAsymmetricUnit(rng, w, b, j, fanIn, ld);
    return;
  }
  if (init == INIT_GLOROT_UNIFORM) {
    glorotUniform(rng, w, fanIn, fanOut, ld);
    return;
  }
  if (init == INIT_GLOROT_NORMAL || init == INIT_HE_NORMAL || init == INIT_LECUN_NORMAL) {
    const sigma = normalSigma(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) {
      const row = w + ((<usize>i * ld) << 2);
      for (let j = 0; j < fanOut; j++) store<f32>(row + ((<usize>j) << 2), <f32>(rngTruncatedNormal(rng) * sigma));
    }
    return;
  }
  const limit = uniformLimit(init, fanIn, fanOut);
  for (let i = 0; i < fanIn; i++) {
    const row = w + ((<usize>i * ld) << 2);
    for (let j = 0; j < fanOut; j++) store<f32>(row + ((<usize>j) << 2), (rngUniform(rng) * 2 - 1) * limit);
  }
}
