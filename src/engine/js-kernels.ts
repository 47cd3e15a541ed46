// The engine in plain TypeScript: the same flat, pointer-and-size interface as the wasm module
// (assembly/index.ts) over a WebAssembly.Memory used as a growable ArrayBuffer, with the same
// layout (assembly/model.ts) and the same math, so Sequential runs on it unchanged. It is the
// "plain JS" side of the wasm-vs-JS comparison, written as good scalar JS: one Float32Array view
// indexed by float offsets, i-k-j loops unrolled four deep along k (the sums keep the wasm
// engine's order, accumulated in f64 until the store), and no allocation inside a step.
//
// The PRNG, every kernel initialiser, the pixel scaling, the bias-gradient sums, leaky_relu, and
// the optimizer updates (Adam, SGD, RMSprop, weight decay, clipping) are bit-exact with the wasm
// engine (each f32 operation is one Math.fround of the f64 result, which is the correctly rounded
// f32 result); elu and gelu are too wherever V8's f64 exp agrees with the wasm's. The products and
// the softmax differ in the last bits only: each group of four products is summed in f64 and
// rounded to f32 once (the wasm rounds every multiply-add), and exp/log are f64's. Where f32 could overflow, the products switch to rounding every operation
// (see the kernels below), so blow-ups diverge exactly as on wasm; rounding every operation
// always would make training about 1.5× slower.
import type { Kernels } from "./abi.js";

const NR = 8; // the wasm GEMM's tile width: every layer width is padded to a multiple of it
const ALIGN = 16;
const PAGE = 65536;
const ACT_RELU = 1;
const ACT_SOFTMAX = 2;
const ACT_LEAKY_RELU = 3;
const ACT_ELU = 4;
const ACT_GELU = 5;

/** f32(byte) / 255 in f32, for every byte: the notebook's astype("float32") / 255.0. */
const BYTE_SCALE = Float32Array.from({ length: 256 }, (_, b) => Math.fround(b / 255));

interface Layer {
  inDim: number; // rows of W: the input size, or the previous layer's padded width
  units: number;
  width: number; // units rounded up to NR
  activation: number;
  alpha: number; // leaky_relu's negative slope, elu's α (an f32 value)
  l2: number; // kernel L2 regularisation λ (f64)
  w: number; // byte pointers, as in assembly/model.ts
  b: number;
  gw: number;
  gb: number;
  a: number; // outputs [capacity, width]
  z: number; // pre-activations [capacity, width] for gelu layers, else 0
  alive: number; // dead-unit probe flags, one u32 per unit of the width
  active: number; // dead-unit probe: per unit, u32 count of probe samples with output > 0
  absSum: number; // dead-unit probe: per unit, f32 sum of |output| over the probe samples
}

interface Model {
  inputSize: number;
  layers: Layer[];
  nParams: number;
  params: number;
  grads: number;
  m: number;
  v: number;
  ag: number; // centered RMSprop's average gradient
  capacity: number;
  x: number;
  y: number;
  d0: number;
  d1: number;
  wt: number;
  maxWidth: number;
  rng: Uint32Array; // xoshiro128** state
  step: number;
  correct: number;
}

// ---------------------------------------------------------------------------------------------
// PRNG: assembly/prng.ts, bit for bit.

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32, as rngSeed. */
export function rngSeed(s: Uint32Array, seed: number): void {
  let z = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    s[i] = (t ^ (t >>> 16)) >>> 0;
  }
}

/** xoshiro128**: the next u32. */
export function rngNext(s: Uint32Array): number {
  let s0 = s[0];
  let s1 = s[1];
  let s2 = s[2];
  let s3 = s[3];
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
  return result;
}

/** Uniform in [0, 1) with 24 random bits (exact in f32). */
export function rngUniform(s: Uint32Array): number {
  return Math.fround((rngNext(s) >>> 8) * (1 / 16777216));
}

/** The high word of the 64-bit product x·n for u32 x and n, without losing bits to f64. */
function mulHigh(x: number, n: number): number {
  const hi = (x >>> 16) * n; // < 2^48, exact
  const lo = (x & 0xffff) * n; // < 2^48, exact
  return Math.floor(hi / 65536) + Math.floor(((hi % 65536) * 65536 + lo) / 4294967296);
}

/** Unbiased integer in [0, n) (Lemire's multiply-and-reject), as rngBelow. */
export function rngBelow(s: Uint32Array, n: number): number {
  let x = rngNext(s);
  let low = Math.imul(x, n) >>> 0;
  if (low < n) {
    const threshold = (4294967296 - n) % n;
    while (low < threshold) {
      x = rngNext(s);
      low = Math.imul(x, n) >>> 0;
    }
  }
  return mulHigh(x, n);
}

// ---------------------------------------------------------------------------------------------
// Initialisers: assembly/init.ts, bit for bit (basic f64 arithmetic and sqrt only).

const INIT_GLOROT_UNIFORM = 0;
const INIT_GLOROT_NORMAL = 1;
const INIT_HE_UNIFORM = 2;
const INIT_HE_NORMAL = 3;
const INIT_LECUN_NORMAL = 4;
const INIT_RANDOMIZED_ASYMMETRIC = 6;
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
function initUnit(
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
function initKernel(
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

// ---------------------------------------------------------------------------------------------
// Kernels on float offsets into one Float32Array. Row-major, strides in floats.
//
// The three products sum four terms in f64 and round once per group (fast), unless a bound on
// their partial sums says f32 could overflow: then they round every multiply and add (`exact`),
// as the wasm's plain SIMD build does, so a blow-up turns into the same Inf and NaN values and
// is reported as diverged at the same step. Below the bound the two paths differ by rounding only.

/** Partial sums whose bound stays below this cannot overflow f32 (max ≈ 3.4e38) in any order. */
const SAFE = 1e38;

/** max |F[p + r·ld + j]| over r < rows, j < cols (NaN, which propagates alike in f32 and f64, is skipped). */
function maxAbs(F: Float32Array, p: number, rows: number, cols: number, ld: number): number {
  let m = 0;
  for (let r = 0; r < rows; r++) {
    const row = p + r * ld;
    for (let j = 0; j < cols; j++) {
      const v = Math.abs(F[row + j]);
      if (v > m) m = v;
    }
  }
  return m;
}

/** Whether a sum of `terms` products bounded by maxA·maxB, plus `start`, may leave f32's range. */
function mayOverflow(start: number, terms: number, maxA: number, maxB: number): boolean {
  return !(start + terms * maxA * maxB < SAFE);
}

/**
 * C[r, 0..N) = init + Σ_k A[r, k]·B[k, 0..N) for r < rows: the twin of assembly/kernels/gemm.ts
 * for the products whose A is read by rows — the forward X·W (init = bias ≥ 0, then ReLU when
 * `relu`) and the input gradient dY·Wᵀ (init = 0, then zeroed where mask[r, j] is not > 0 when
 * mask ≥ 0, the ReLU derivative). B, C and the mask have row stride N, A row stride lda. The
 * i-k-j order broadcasts A[r, k] over a contiguous B row.
 */
function gemmRows(
  F: Float32Array,
  rows: number,
  K: number,
  N: number,
  a: number,
  lda: number,
  b: number,
  c: number,
  bias: number,
  relu: boolean,
  mask: number,
): void {
  const start = bias >= 0 ? maxAbs(F, bias, 1, N, N) : 0;
  const exact = mayOverflow(start, K, maxAbs(F, a, rows, K, lda), maxAbs(F, b, K, N, N));
  const K4 = K & ~3;
  for (let r = 0; r < rows; r++) {
    const ar = a + r * lda;
    const cr = c + r * N;
    if (bias >= 0) F.copyWithin(cr, bias, bias + N);
    else F.fill(0, cr, cr + N);
    let k = 0;
    for (; k < K4; k += 4) {
      const bk = b + k * N;
      addScaled4(
        F,
        cr,
        N,
        F[ar + k],
        bk,
        F[ar + k + 1],
        bk + N,
        F[ar + k + 2],
        bk + 2 * N,
        F[ar + k + 3],
        bk + 3 * N,
        exact,
      );
    }
    for (; k < K; k++) addScaled1(F, cr, N, F[ar + k], b + k * N);
    if (relu) {
      for (let j = 0; j < N; j++) F[cr + j] = Math.max(F[cr + j], 0);
    }
    if (mask >= 0) {
      const mr = mask + r * N;
      for (let j = 0; j < N; j++) if (!(F[mr + j] > 0)) F[cr + j] = 0;
    }
  }
}

/**
 * G[K, N] = Xᵀ·D (the weight gradient): the outer products of X's rows with D's rows, four batch
 * rows at a time, accumulated into contiguous rows of G. X has row stride ldx, D and G stride N.
 */
function weightGrad(
  F: Float32Array,
  rows: number,
  K: number,
  N: number,
  x: number,
  ldx: number,
  d: number,
  g: number,
): void {
  const exact = mayOverflow(0, rows, maxAbs(F, x, rows, K, ldx), maxAbs(F, d, rows, N, N));
  F.fill(0, g, g + K * N);
  const R4 = rows & ~3;
  let r = 0;
  for (; r < R4; r += 4) {
    const x0 = x + r * ldx;
    const d0 = d + r * N;
    for (let i = 0; i < K; i++) {
      addScaled4(
        F,
        g + i * N,
        N,
        F[x0 + i],
        d0,
        F[x0 + ldx + i],
        d0 + N,
        F[x0 + 2 * ldx + i],
        d0 + 2 * N,
        F[x0 + 3 * ldx + i],
        d0 + 3 * N,
        exact,
      );
    }
  }
  for (; r < rows; r++) {
    for (let i = 0; i < K; i++) addScaled1(F, g + i * N, N, F[x + r * ldx + i], d + r * N);
  }
}

/**
 * F[out..out+N) += a0·B0 + a1·B1 + a2·B2 + a3·B3 (rows starting at b0..b3), left to right, in
 * either rounding mode of the section comment: the step both products above are built from.
 */
function addScaled4(
  F: Float32Array,
  out: number,
  N: number,
  a0: number,
  b0: number,
  a1: number,
  b1: number,
  a2: number,
  b2: number,
  a3: number,
  b3: number,
  exact: boolean,
): void {
  const fr = Math.fround;
  if (exact) {
    for (let j = 0; j < N; j++) {
      F[out + j] =
        fr(fr(fr(F[out + j] + fr(a0 * F[b0 + j])) + fr(a1 * F[b1 + j])) + fr(a2 * F[b2 + j])) + fr(a3 * F[b3 + j]);
    }
  } else {
    for (let j = 0; j < N; j++) {
      F[out + j] = F[out + j] + a0 * F[b0 + j] + a1 * F[b1 + j] + a2 * F[b2 + j] + a3 * F[b3 + j];
    }
  }
}

/** F[out..out+N) += fround(a·B), B starting at b. */
function addScaled1(F: Float32Array, out: number, N: number, a: number, b: number): void {
  for (let j = 0; j < N; j++) F[out + j] += Math.fround(a * F[b + j]);
}

/** out[0..N) = Σ_r D[r, 0..N): the bias gradient, summed row by row in f32 as the wasm does. */
function sumRows(F: Float32Array, rows: number, N: number, d: number, out: number): void {
  F.fill(0, out, out + N);
  for (let r = 0; r < rows; r++) {
    const dr = d + r * N;
    for (let j = 0; j < N; j++) F[out + j] += F[dr + j];
  }
}

/** dst[N, M] = src[M, N]ᵀ. */
function transpose(F: Float32Array, src: number, M: number, N: number, dst: number): void {
  for (let i = 0; i < M; i++) {
    const row = src + i * N;
    for (let j = 0; j < N; j++) F[dst + j * M + i] = F[row + j];
  }
}

/**
 * Softmax cross-entropy from the logits z [rows, ld] (the first `units` columns real), as
 * assembly/kernels/softmax_xent.ts: returns Σ loss (f64 sum of f32 per-row losses) and, when
 * dz >= 0, writes dz = (softmax − onehot)·scale with zero padding. Hits go to out.correct.
 */
function softmaxXent(
  F: Float32Array,
  I: Int32Array,
  z: number,
  ld: number,
  units: number,
  rows: number,
  labels: number,
  dz: number,
  scale: number,
  out: { correct: number },
): number {
  const fr = Math.fround;
  let total = 0;
  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const row = z + r * ld;
    let best = 0;
    let max = F[row];
    for (let j = 1; j < units; j++) {
      const v = F[row + j];
      if (v > max) {
        max = v;
        best = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < units; j++) sum = fr(sum + fr(Math.exp(fr(F[row + j] - max))));
    const y = I[labels + r];
    total += fr(fr(Math.log(sum)) - fr(F[row + y] - max));
    if (best === y) hits++;
    if (dz >= 0) {
      const drow = dz + r * ld;
      const inv = fr(scale / sum);
      for (let j = 0; j < units; j++) {
        const p = fr(fr(Math.exp(fr(F[row + j] - max))) * inv);
        F[drow + j] = j === y ? p - scale : p;
      }
      F.fill(0, drow + units, drow + ld);
    }
  }
  out.correct = hits;
  return total;
}

/** Probabilities of `rows` logit rows into out [rows, units], dense. */
function softmaxRows(F: Float32Array, z: number, ld: number, units: number, rows: number, out: number): void {
  const fr = Math.fround;
  for (let r = 0; r < rows; r++) {
    const row = z + r * ld;
    const orow = out + r * units;
    let max = F[row];
    for (let j = 1; j < units; j++) max = Math.max(max, F[row + j]);
    let sum = 0;
    for (let j = 0; j < units; j++) {
      const e = fr(Math.exp(fr(F[row + j] - max)));
      F[orow + j] = e;
      sum = fr(sum + e);
    }
    const inv = fr(1 / sum);
    for (let j = 0; j < units; j++) F[orow + j] *= inv;
  }
}

/** Keras 3 Adam over n floats, every f32 operation rounded as the wasm's f32x4 ones are. */
function adam(
  F: Float32Array,
  w: number,
  g: number,
  m: number,
  v: number,
  n: number,
  alpha: number,
  c1: number,
  c2: number,
  eps: number,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gi = F[g + i];
    const mi = fr(F[m + i] + fr(fr(gi - F[m + i]) * c1));
    const vi = fr(F[v + i] + fr(fr(fr(gi * gi) - F[v + i]) * c2));
    F[m + i] = mi;
    F[v + i] = vi;
    F[w + i] -= fr(fr(mi * alpha) / fr(fr(Math.sqrt(vi)) + eps));
  }
}

/** assembly/kernels/optimizers.ts's sgd. */
function sgd(
  F: Float32Array,
  w: number,
  g: number,
  m: number,
  n: number,
  lr: number,
  momentum: number,
  nesterov: boolean,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gl = fr(F[g + i] * lr);
    if (momentum === 0) {
      F[w + i] -= gl;
      continue;
    }
    const mi = fr(fr(F[m + i] * momentum) - gl);
    F[m + i] = mi;
    F[w + i] += nesterov ? fr(fr(mi * momentum) - gl) : mi;
  }
}

/** assembly/kernels/optimizers.ts's rmsprop, plain or centered (avg: the average gradients). */
function rmsprop(
  F: Float32Array,
  w: number,
  g: number,
  vel: number,
  mom: number,
  avg: number,
  n: number,
  lr: number,
  rho: number,
  oneMinusRho: number,
  momentum: number,
  epsilon: number,
  centered: boolean,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gi = F[g + i];
    const vi = fr(fr(rho * F[vel + i]) + fr(oneMinusRho * fr(gi * gi)));
    F[vel + i] = vi;
    let den = fr(vi + epsilon);
    if (centered) {
      const ai = fr(fr(rho * F[avg + i]) + fr(oneMinusRho * gi));
      F[avg + i] = ai;
      den = fr(fr(vi - fr(ai * ai)) + epsilon);
    }
    const inc = fr(fr(lr * gi) / fr(Math.sqrt(den)));
    if (momentum > 0) {
      const mi = fr(fr(momentum * F[mom + i]) + inc);
      F[mom + i] = mi;
      F[w + i] -= mi;
    } else {
      F[w + i] -= inc;
    }
  }
}

function weightDecay(F: Float32Array, w: number, n: number, wd: number, lr: number): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) F[w + i] -= fr(fr(F[w + i] * wd) * lr);
}

function clipByValue(F: Float32Array, g: number, n: number, c: number): void {
  for (let i = 0; i < n; i++) F[g + i] = Math.min(Math.max(F[g + i], -c), c);
}

function clipByNorm(F: Float32Array, g: number, n: number, c: number): void {
  const fr = Math.fround;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += F[g + i] * F[g + i];
  const den = Math.max(fr(Math.sqrt(sum)), c);
  for (let i = 0; i < n; i++) F[g + i] = fr(F[g + i] * c) / den;
}

/** clipByGlobalNorm: g·(c·min(1/‖g‖, 1/c)) in f32 over all n values; a non-finite norm gives NaN. */
function clipByGlobalNorm(F: Float32Array, g: number, n: number, c: number): void {
  const fr = Math.fround;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += F[g + i] * F[g + i];
  const norm = fr(Math.sqrt(sum));
  const scale = fr(fr(c * Math.min(fr(1 / norm), fr(1 / c))) + (norm - norm));
  for (let i = 0; i < n; i++) F[g + i] *= scale;
}

// ---------------------------------------------------------------------------------------------
// Activations: assembly/kernels/activations.ts (exp and Φ in f64, rounded once to f32).

const INV_SQRT2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

/** erfc(x) (Numerical Recipes' erfcc, relative error < 1.2e-7), as erfc64. */
export function erfc64(x: number): number {
  const z = Math.abs(x);
  const t = 1.0 / (1.0 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2.0 - r;
}

function normalCdf(z: number): number {
  return 0.5 * erfc64(-z * INV_SQRT2);
}

/** a = f(z) over n floats at float offsets z and a (which may be equal). */
function activate(F: Float32Array, z: number, a: number, n: number, act: number, alpha: number): void {
  const fr = Math.fround;
  if (act === ACT_LEAKY_RELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v > 0 ? v : fr(v * alpha);
    }
  } else if (act === ACT_ELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v > 0 ? v : alpha * (Math.exp(v) - 1);
    }
  } else if (act === ACT_GELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v * normalCdf(v);
    }
  }
}

/** d *= f'(z) over n floats, from the outputs a (leaky_relu, elu) or the pre-activations z (gelu). */
function activationGrad(F: Float32Array, d: number, a: number, z: number, n: number, act: number, alpha: number): void {
  const fr = Math.fround;
  if (act === ACT_LEAKY_RELU) {
    for (let i = 0; i < n; i++) if (!(F[a + i] > 0)) F[d + i] = fr(F[d + i] * alpha);
  } else if (act === ACT_ELU) {
    for (let i = 0; i < n; i++) {
      const ai = F[a + i];
      if (!(ai > 0)) F[d + i] = fr(F[d + i] * fr(ai + alpha));
    }
  } else if (act === ACT_GELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[d + i] = fr(F[d + i] * fr(normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)));
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** A fresh engine instance: its own memory, allocator and models, behind the wasm Kernels type. */
export function createJsKernels(): Kernels {
  const memory = new WebAssembly.Memory({ initial: 1 });
  let buffer = memory.buffer;
  let F = new Float32Array(buffer);
  let I = new Int32Array(buffer);
  let U = new Uint32Array(buffer);
  let B = new Uint8Array(buffer);

  /** Re-creates the views after memory.grow detached the old buffer. */
  function views(): void {
    if (memory.buffer === buffer) return;
    buffer = memory.buffer;
    F = new Float32Array(buffer);
    I = new Int32Array(buffer);
    U = new Uint32Array(buffer);
    B = new Uint8Array(buffer);
  }

  // First-fit allocator: 16-byte blocks handed out from `top` upwards; freed blocks go to an
  // address-sorted free list, merged with free neighbours, and a free block that reaches `top`
  // lowers it. Pointer 0 stays unused, so 0 means "none" as in the wasm interface.
  let top = ALIGN;
  const sizes = new Map<number, number>(); // live block → its size
  const freeAt: number[] = []; // free blocks, sorted by address
  const freeSize: number[] = [];

  function alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < freeAt.length; i++) {
      if (freeSize[i] < size) continue;
      const p = freeAt[i];
      if (freeSize[i] === size) {
        freeAt.splice(i, 1);
        freeSize.splice(i, 1);
      } else {
        freeAt[i] += size;
        freeSize[i] -= size;
      }
      sizes.set(p, size);
      return p;
    }
    const p = top;
    top += size;
    if (top > memory.buffer.byteLength) {
      memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
      views();
    }
    sizes.set(p, size);
    return p;
  }

  function free(ptr: number): void {
    const size = sizes.get(ptr);
    if (size === undefined) return;
    sizes.delete(ptr);
    let lo = 0;
    let hi = freeAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (freeAt[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    let start = ptr;
    let end = ptr + size;
    let first = lo; // free-list entries [first, last) merge into this block
    let last = lo;
    if (first > 0 && freeAt[first - 1] + freeSize[first - 1] === start) start = freeAt[--first];
    if (last < freeAt.length && freeAt[last] === end) end += freeSize[last++];
    if (end === top) {
      top = start;
      freeAt.splice(first, last - first);
      freeSize.splice(first, last - first);
    } else {
      freeAt.splice(first, last - first, start);
      freeSize.splice(first, last - first, end - start);
    }
  }

  function allocZeroed(bytes: number): number {
    const p = alloc(bytes);
    B.fill(0, p, p + bytes);
    return p;
  }

  const models = new Map<number, Model>();

  function model(m: number): Model {
    const model = models.get(m);
    if (!model) throw new Error(`js engine: no model at ${m}`);
    return model;
  }

  function layer(m: number, l: number): Layer {
    const layer = model(m).layers[l];
    if (!layer) throw new Error(`js engine: model ${m} has no layer ${l}`);
    return layer;
  }

  function modelNew(inputSize: number, nLayers: number, units: number, activations: number, seed: number): number {
    views();
    const layers: Layer[] = [];
    let inDim = inputSize;
    let total = 0;
    let wtSize = 0;
    let maxWidth = 0;
    for (let l = 0; l < nLayers; l++) {
      const u = I[(units >> 2) + l];
      const width = (u + NR - 1) & ~(NR - 1);
      layers.push({
        inDim,
        units: u,
        width,
        activation: I[(activations >> 2) + l],
        alpha: 0,
        l2: 0,
        w: 0,
        b: 0,
        gw: 0,
        gb: 0,
        a: 0,
        z: 0,
        alive: 0,
        active: 0,
        absSum: 0,
      });
      total += inDim * width + width;
      if (l > 0) wtSize = Math.max(wtSize, inDim * width);
      maxWidth = Math.max(maxWidth, width);
      inDim = width;
    }
    const bytes = total * 4;
    const md: Model = {
      inputSize,
      layers,
      nParams: total,
      params: allocZeroed(bytes),
      grads: allocZeroed(bytes),
      m: allocZeroed(bytes),
      v: allocZeroed(bytes),
      ag: allocZeroed(bytes),
      capacity: 0,
      x: 0,
      y: 0,
      d0: 0,
      d1: 0,
      wt: alloc(Math.max(wtSize, 1) * 4),
      maxWidth,
      rng: new Uint32Array(4),
      step: 0,
      correct: 0,
    };
    rngSeed(md.rng, seed);
    let off = 0;
    for (let l = 0; l < nLayers; l++) {
      const ly = layers[l];
      ly.w = md.params + off;
      ly.gw = md.grads + off;
      off += ly.inDim * ly.width * 4;
      ly.b = md.params + off;
      ly.gb = md.grads + off;
      off += ly.width * 4;
      ly.alive = allocZeroed(ly.width * 4);
      ly.active = allocZeroed(ly.width * 4);
      ly.absSum = allocZeroed(ly.width * 4);
      // Glorot-uniform, drawn row by row over the real units as assembly/init.ts does.
      const fanIn = l === 0 ? inputSize : layers[l - 1].units;
      initKernel(F, md.rng, ly.w >> 2, ly.b >> 2, fanIn, ly.units, ly.width, INIT_GLOROT_UNIFORM);
    }
    const handle = alloc(ALIGN);
    models.set(handle, md);
    return handle;
  }

  /** Re-seeds and redraws every kernel with its layer's initialiser, biases zero (or RAI's), as modelInitialize. */
  function modelInitialize(m: number, inits: number, seed: number): void {
    views();
    const md = model(m);
    rngSeed(md.rng, seed);
    md.layers.forEach((ly, l) => {
      const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
      F.fill(0, ly.w >> 2, (ly.w >> 2) + ly.inDim * ly.width);
      F.fill(0, ly.b >> 2, (ly.b >> 2) + ly.width);
      initKernel(F, md.rng, ly.w >> 2, ly.b >> 2, fanIn, ly.units, ly.width, I[(inits >> 2) + l]);
    });
  }

  function freeBatchBuffers(md: Model): void {
    if (md.capacity === 0) return;
    free(md.x);
    free(md.y);
    free(md.d0);
    free(md.d1);
    for (const ly of md.layers) {
      free(ly.a);
      if (ly.z) free(ly.z);
      ly.z = 0;
    }
  }

  function modelReserve(m: number, rows: number): void {
    const md = model(m);
    if (rows <= md.capacity) return;
    freeBatchBuffers(md);
    md.capacity = rows;
    md.x = alloc(rows * md.inputSize * 4);
    md.y = alloc(rows * 4);
    md.d0 = alloc(rows * md.maxWidth * 4);
    md.d1 = alloc(rows * md.maxWidth * 4);
    for (const ly of md.layers) {
      ly.a = allocZeroed(rows * ly.width * 4);
      if (ly.activation === ACT_GELU) ly.z = allocZeroed(rows * ly.width * 4);
    }
  }

  function modelFree(m: number): void {
    const md = model(m);
    freeBatchBuffers(md);
    for (const ly of md.layers) {
      free(ly.alive);
      free(ly.active);
      free(ly.absSum);
    }
    free(md.params);
    free(md.grads);
    free(md.m);
    free(md.v);
    free(md.ag);
    free(md.wt);
    models.delete(m);
    free(m);
  }

  function modelResetOptimizer(m: number): void {
    views();
    const md = model(m);
    F.fill(0, md.m >> 2, (md.m >> 2) + md.nParams);
    F.fill(0, md.v >> 2, (md.v >> 2) + md.nParams);
    F.fill(0, md.ag >> 2, (md.ag >> 2) + md.nParams);
    md.step = 0;
  }

  /** Fisher–Yates over n u32 indices, as shuffleIndices. */
  function modelShuffle(m: number, idx: number, n: number): void {
    views();
    const rng = model(m).rng;
    const base = idx >> 2;
    for (let i = n >>> 0; i > 1; i--) {
      const j = rngBelow(rng, i);
      const t = U[base + i - 1];
      U[base + i - 1] = U[base + j];
      U[base + j] = t;
    }
  }

  /** Copies `rows` inputs (and labels when labels != 0) into the batch buffers, through idx when != 0. */
  function gather(
    md: Model,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): void {
    const dim = md.inputSize;
    const x = md.x >> 2;
    const ix = idx >> 2;
    for (let r = 0; r < rows; r++) {
      const row = idx ? U[ix + start + r] : start + r;
      const dst = x + r * dim;
      if (isU8) {
        const src = data + row * dim;
        for (let j = 0; j < dim; j++) F[dst + j] = BYTE_SCALE[B[src + j]];
      } else {
        const src = (data >> 2) + row * dim;
        F.copyWithin(dst, src, src + dim);
      }
    }
    if (labels) {
      const y = md.y >> 2;
      const lb = labels >> 2;
      for (let r = 0; r < rows; r++) I[y + r] = I[lb + (idx ? U[ix + start + r] : start + r)];
    }
  }

  function forward(md: Model, rows: number): void {
    let input = md.x >> 2;
    let ld = md.inputSize;
    for (const ly of md.layers) {
      const a = ly.a >> 2;
      const out = ly.activation === ACT_GELU ? ly.z >> 2 : a;
      gemmRows(F, rows, ly.inDim, ly.width, input, ld, ly.w >> 2, out, ly.b >> 2, ly.activation === ACT_RELU, -1);
      if (ly.activation >= ACT_LEAKY_RELU) activate(F, out, a, rows * ly.width, ly.activation, ly.alpha);
      input = a;
      ld = ly.width;
    }
  }

  /** Backpropagates d (the output layer's dlogits) into every layer's gradients. */
  function backward(md: Model, rows: number, d: number): void {
    const layers = md.layers;
    let dOut = d;
    let spare = d === md.d0 ? md.d1 : md.d0;
    for (let l = layers.length - 1; l >= 0; l--) {
      const ly = layers[l];
      const input = l === 0 ? md.x : layers[l - 1].a;
      weightGrad(F, rows, ly.inDim, ly.width, input >> 2, ly.inDim, dOut >> 2, ly.gw >> 2);
      if (ly.l2 > 0) {
        const [w, g, n, t] = [ly.w >> 2, ly.gw >> 2, ly.inDim * ly.width, Math.fround(2 * ly.l2)];
        for (let i = 0; i < n; i++) F[g + i] += Math.fround(F[w + i] * t);
      }
      sumRows(F, rows, ly.width, dOut >> 2, ly.gb >> 2);
      if (l === 0) break;
      const prev = layers[l - 1];
      transpose(F, ly.w >> 2, ly.inDim, ly.width, md.wt >> 2);
      gemmRows(
        F,
        rows,
        ly.width,
        ly.inDim,
        dOut >> 2,
        ly.width,
        md.wt >> 2,
        spare >> 2,
        -1,
        false,
        prev.activation === ACT_RELU ? prev.a >> 2 : -1,
      );
      if (prev.activation >= ACT_LEAKY_RELU) {
        activationGrad(F, spare >> 2, prev.a >> 2, prev.z >> 2, rows * ly.inDim, prev.activation, prev.alpha);
      }
      const t = dOut;
      dOut = spare;
      spare = t;
    }
  }

  /** Σ over layers of λ·Σ w², as penalty in assembly/model.ts. */
  function penalty(md: Model): number {
    let p = 0;
    for (const ly of md.layers) {
      if (!(ly.l2 > 0)) continue;
      const [w, n] = [ly.w >> 2, ly.inDim * ly.width];
      let sum = 0;
      for (let i = 0; i < n; i++) sum += F[w + i] * F[w + i];
      p += ly.l2 * sum;
    }
    return p;
  }

  function gradients(
    md: Model,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    gather(md, data, isU8, labels, idx, start, rows);
    forward(md, rows);
    const out = md.layers[md.layers.length - 1];
    const loss =
      softmaxXent(F, I, out.a >> 2, out.width, out.units, rows, md.y >> 2, md.d0 >> 2, Math.fround(1 / rows), md) +
      rows * penalty(md);
    if (Number.isFinite(loss)) backward(md, rows, md.d0);
    return loss;
  }

  function modelGradients(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    views();
    return gradients(model(m), data, isU8, labels, idx, start, rows);
  }

  function modelTrainBatch(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
    lr: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): number {
    views();
    const md = model(m);
    const loss = gradients(md, data, isU8, labels, idx, start, rows);
    if (!Number.isFinite(loss)) return loss;
    md.step++;
    const t = md.step;
    const alpha = (lr * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    adam(
      F,
      md.params >> 2,
      md.grads >> 2,
      md.m >> 2,
      md.v >> 2,
      md.nParams,
      Math.fround(alpha),
      Math.fround(1 - beta1),
      Math.fround(1 - beta2),
      Math.fround(epsilon),
    );
    return loss;
  }

  /** assembly/model.ts's modelUpdate: clip, decoupled weight decay, then adam, sgd or rmsprop (plain or centered). */
  function modelUpdate(
    m: number,
    kind: number,
    lr: number,
    p1: number,
    p2: number,
    p3: number,
    wd: number,
    clipnorm: number,
    clipvalue: number,
    globalClipnorm: number,
  ): void {
    views();
    const md = model(m);
    const fr = Math.fround;
    if (clipnorm > 0) {
      for (const ly of md.layers) {
        clipByNorm(F, ly.gw >> 2, ly.inDim * ly.width, fr(clipnorm));
        clipByNorm(F, ly.gb >> 2, ly.width, fr(clipnorm));
      }
    } else if (globalClipnorm > 0) {
      clipByGlobalNorm(F, md.grads >> 2, md.nParams, fr(globalClipnorm));
    } else if (clipvalue > 0) {
      clipByValue(F, md.grads >> 2, md.nParams, fr(clipvalue));
    }
    if (wd > 0) weightDecay(F, md.params >> 2, md.nParams, fr(wd), fr(lr));
    md.step++;
    if (kind === 0) {
      const t = md.step;
      const alpha = (lr * Math.sqrt(1 - Math.pow(p2, t))) / (1 - Math.pow(p1, t));
      adam(
        F,
        md.params >> 2,
        md.grads >> 2,
        md.m >> 2,
        md.v >> 2,
        md.nParams,
        fr(alpha),
        fr(1 - p1),
        fr(1 - p2),
        fr(p3),
      );
    } else if (kind === 1) {
      sgd(F, md.params >> 2, md.grads >> 2, md.m >> 2, md.nParams, fr(lr), fr(p1), p2 !== 0);
    } else {
      rmsprop(
        F,
        md.params >> 2,
        md.grads >> 2,
        md.v >> 2,
        md.m >> 2,
        md.ag >> 2,
        md.nParams,
        fr(lr),
        fr(p1),
        fr(1 - p1),
        fr(p2),
        fr(p3),
        kind === 3,
      );
    }
  }

  function modelEvaluate(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    views();
    const md = model(m);
    const out = md.layers[md.layers.length - 1];
    let loss = 0;
    let hits = 0;
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, labels, idx, start + s, n);
      forward(md, n);
      loss += softmaxXent(F, I, out.a >> 2, out.width, out.units, n, md.y >> 2, -1, 0, md);
      hits += md.correct;
    }
    md.correct = hits;
    return loss + rows * penalty(md);
  }

  function modelPredict(
    m: number,
    data: number,
    isU8: number,
    idx: number,
    start: number,
    rows: number,
    out: number,
  ): void {
    views();
    const md = model(m);
    const last = md.layers[md.layers.length - 1];
    const a = last.a >> 2;
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, 0, idx, start + s, n);
      forward(md, n);
      const dst = (out >> 2) + s * last.units;
      if (last.activation === ACT_SOFTMAX) {
        softmaxRows(F, a, last.width, last.units, n, dst);
      } else {
        for (let r = 0; r < n; r++)
          F.copyWithin(dst + r * last.units, a + r * last.width, a + r * last.width + last.units);
      }
    }
  }

  function deadReset(m: number): void {
    views();
    for (const ly of model(m).layers) {
      I.fill(0, ly.alive >> 2, (ly.alive >> 2) + ly.width);
      I.fill(0, ly.active >> 2, (ly.active >> 2) + ly.width);
      F.fill(0, ly.absSum >> 2, (ly.absSum >> 2) + ly.width);
    }
  }

  /**
   * ORs "fired" (output != 0) into each unit's flag over the probe rows, counts the rows with
   * output > 0 and sums |output| in f32 row by row, as assembly/dead.ts (bit for bit, given the
   * same outputs).
   */
  function deadAccumulate(m: number, data: number, isU8: number, idx: number, start: number, rows: number): void {
    views();
    const md = model(m);
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, 0, idx, start + s, n);
      forward(md, n);
      for (const ly of md.layers) {
        const alive = ly.alive >> 2;
        const active = ly.active >> 2;
        const absSum = ly.absSum >> 2;
        const a = ly.a >> 2;
        const width = ly.width;
        const relu = ly.activation === ACT_RELU; // others: "fired" means positive
        for (let r = 0; r < n; r++) {
          const row = a + r * width;
          if (relu) {
            for (let j = 0; j < width; j++) if (F[row + j] !== 0) I[alive + j] = -1;
          } else {
            for (let j = 0; j < width; j++) if (F[row + j] > 0) I[alive + j] = -1;
          }
          for (let j = 0; j < width; j++) {
            const v = F[row + j];
            if (v > 0) I[active + j]++;
            F[absSum + j] += Math.abs(v); // the Float32Array store rounds to f32, as f32x4.add
          }
        }
      }
    }
  }

  /** assembly/recycle.ts's modelRecycle (ReDo), draw for draw. */
  function modelRecycle(m: number, tau: number, inits: number, flags: number): number {
    views();
    const md = model(m);
    let recycled = 0;
    let flag = flags >> 2;
    for (let l = 0; l < md.layers.length - 1; l++) {
      const ly = md.layers[l];
      const next = md.layers[l + 1];
      const units = ly.units;
      const absSum = ly.absSum >> 2;
      let total = 0;
      for (let j = 0; j < units; j++) total += F[absSum + j];
      const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
      for (let j = 0; j < units; j++) {
        const dormant = !(total > 0) || (F[absSum + j] * units) / total <= tau;
        I[flag + j] = dormant ? 1 : 0;
        if (!dormant) continue;
        recycled++;
        initUnit(F, md.rng, ly.w >> 2, ly.b >> 2, j, fanIn, units, ly.width, I[(inits >> 2) + l]);
        const outRow = (next.w >> 2) + j * next.width;
        F.fill(0, outRow, outRow + next.width);
        for (const arena of [md.m, md.v, md.ag]) {
          const shift = (arena - md.params) >> 2;
          for (let i = 0; i < ly.inDim; i++) F[shift + (ly.w >> 2) + i * ly.width + j] = 0;
          F[shift + (ly.b >> 2) + j] = 0;
          F.fill(0, shift + outRow, shift + outRow + next.width);
        }
      }
      flag += units;
    }
    return recycled;
  }

  function deadCount(m: number, l: number): number {
    views();
    const ly = layer(m, l);
    let dead = 0;
    for (let j = 0; j < ly.units; j++) if (I[(ly.alive >> 2) + j] === 0) dead++;
    return dead;
  }

  return {
    memory,
    alloc,
    free,
    modelNew,
    modelFree,
    modelInitialize,
    modelReserve,
    modelResetOptimizer,
    modelShuffle,
    modelTrainBatch,
    modelGradients,
    modelUpdate,
    modelEvaluate,
    modelPredict,
    modelCorrect: (m) => model(m).correct,
    modelStep: (m) => model(m).step,
    layerWeights: (m, l) => layer(m, l).w,
    layerBias: (m, l) => layer(m, l).b,
    layerWeightGrads: (m, l) => layer(m, l).gw,
    layerBiasGrads: (m, l) => layer(m, l).gb,
    layerRows: (m, l) => layer(m, l).inDim,
    layerWidth: (m, l) => layer(m, l).width,
    layerAlive: (m, l) => layer(m, l).alive,
    layerActive: (m, l) => layer(m, l).active,
    layerAbsSum: (m, l) => layer(m, l).absSum,
    layerSetL2: (m, l, l2) => {
      layer(m, l).l2 = l2;
    },
    layerSetAlpha: (m, l, alpha) => {
      layer(m, l).alpha = Math.fround(alpha);
    },
    deadReset,
    deadAccumulate,
    deadCount,
    modelRecycle,
  };
}
