// The js twin of assembly/init.ts: the kernel initialisers and the normals they draw (log64,
// rngNormal), bit for bit (basic f64 arithmetic and sqrt only).
import { rngBelow, rngUniform } from "./prng.js";

import {
  INIT_GLOROT_NORMAL,
  INIT_GLOROT_UNIFORM,
  INIT_HE_NORMAL,
  INIT_HE_UNIFORM,
  INIT_LECUN_NORMAL,
  INIT_RANDOMIZED_ASYMMETRIC,
} from "../codes.js";
const TRUNCATED_STDDEV = 0.87962566103423978;
const RAI_SIGMA = 0.6007;

const f64Cell = new Float64Array(1);
const u32Cell = new Uint32Array(f64Cell.buffer); // [1] is the high word (little-endian, as wasm)

/** ln(x) for finite x > 0 from +, −, ×, ÷ only, as log64 in assembly/init.ts. */
export function log64(x: number): number {
  f64Cell[0] = x;
  let hi = u32Cell[1];
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  if (e === -1023) {
    f64Cell[0] = x * 18014398509481984; // 2^54
    hi = u32Cell[1];
    e = ((hi >>> 20) & 0x7ff) - 1023 - 54;
  }
  u32Cell[1] = (hi & 0x000fffff) | 0x3ff00000;
  let m = f64Cell[0];
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let sum = 0;
  for (let k = 41; k >= 3; k -= 2) sum = (sum + 1.0 / k) * t2;
  return 2 * t * (1 + sum) + e * 0.6931471805599453;
}

/** Marsaglia's polar method, as rngNormal. */
export function rngNormal(s: Uint32Array): number {
  let u: number, v: number, q: number;
  do {
    u = rngUniform(s) * 2 - 1;
    v = rngUniform(s) * 2 - 1;
    q = u * u + v * v;
  } while (q >= 1 || q === 0);
  return u * Math.sqrt((-2 * log64(q)) / q);
}

export function rngTruncatedNormal(s: Uint32Array): number {
  let x: number;
  do x = rngNormal(s);
  while (Math.abs(x) > 2);
  return x;
}

/** The uniform initialisers' bound, as uniformLimit (an f32 value). */
function uniformLimit(init: number, fanIn: number, fanOut: number): number {
  return Math.fround(
    init === INIT_GLOROT_UNIFORM
      ? Math.sqrt(6 / (fanIn + fanOut))
      : Math.sqrt((3 * (init === INIT_HE_UNIFORM ? 2 : 1)) / fanIn),
  );
}

/** The truncated normals' σ, as normalSigma. */
function normalSigma(init: number, fanIn: number, fanOut: number): number {
  const n = init === INIT_GLOROT_NORMAL ? (fanIn + fanOut) / 2 : fanIn;
  return Math.sqrt((init === INIT_HE_NORMAL ? 2 : 1) / n) / TRUNCATED_STDDEV;
}

const isNormal = (init: number) => init === INIT_GLOROT_NORMAL || init === INIT_HE_NORMAL || init === INIT_LECUN_NORMAL;

/** randomizedAsymmetricUnit: unit j's column of w (stride ld) and b[j], one of them Beta(2, 1). */
function randomizedAsymmetricUnit(
  F: Float32Array,
  rng: Uint32Array,
  w: number,
  b: number,
  j: number,
  fanIn: number,
  ld: number,
): void {
  const k = rngBelow(rng, fanIn + 1);
  const sigma = RAI_SIGMA / Math.sqrt(fanIn);
  for (let i = 0; i <= fanIn; i++)
    F[i < fanIn ? w + i * ld + j : b + j] = i === k ? Math.sqrt(rngUniform(rng)) : rngNormal(rng) * sigma;
}

/** initUnit: unit j's incoming weights and bias drawn again (ReDo), as assembly/init.ts. */
export function initUnit(
  F: Float32Array,
  rng: Uint32Array,
  w: number,
  b: number,
  j: number,
  fanIn: number,
  fanOut: number,
  ld: number,
  init: number,
): void {
  if (init === INIT_RANDOMIZED_ASYMMETRIC) {
    randomizedAsymmetricUnit(F, rng, w, b, j, fanIn, ld);
    return;
  }
  F[b + j] = 0;
  if (isNormal(init)) {
    const sigma = normalSigma(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) F[w + i * ld + j] = rngTruncatedNormal(rng) * sigma;
  } else {
    const limit = uniformLimit(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) F[w + i * ld + j] = Math.fround((rngUniform(rng) * 2 - 1) * limit);
  }
}

/** initKernel: row by row into F at float offset w with row stride ld (randomized_asymmetric unit by unit, with b). */
export function initKernel(
  F: Float32Array,
  rng: Uint32Array,
  w: number,
  b: number,
  fanIn: number,
  fanOut: number,
  ld: number,
  init: number,
): void {
  if (init === INIT_RANDOMIZED_ASYMMETRIC) {
    for (let j = 0; j < fanOut; j++) randomizedAsymmetricUnit(F, rng, w, b, j, fanIn, ld);
    return;
  }
  if (isNormal(init)) {
    const sigma = normalSigma(init, fanIn, fanOut);
    for (let i = 0; i < fanIn; i++) {
      const row = w + i * ld;
      for (let j = 0; j < fanOut; j++) F[row + j] = rngTruncatedNormal(rng) * sigma;
    }
    return;
  }
  const limit = uniformLimit(init, fanIn, fanOut);
  for (let i = 0; i < fanIn; i++) {
    const row = w + i * ld;
    for (let j = 0; j < fanOut; j++) F[row + j] = Math.fround((rngUniform(rng) * 2 - 1) * limit);
  }
}
