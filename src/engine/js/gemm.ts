// The js twin of assembly/kernels/gemm.ts: the products, the bias-gradient sums and the transpose,
// on float offsets into one Float32Array. Row-major, strides in floats.
//
// The three products sum four terms in f64 and round once per group (fast), unless a bound on
// their partial sums says f32 could overflow: then they round every multiply and add (`exact`),
// as the wasm's plain SIMD build does, so a blow-up turns into the same Inf and NaN values and
// is reported as diverged at the same step. Below the bound the two paths differ by rounding only.

export const NR = 8; // the wasm GEMM's tile width: every layer width is padded to a multiple of it

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
export function gemmRows(
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
export function weightGrad(
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
 * either rounding mode of the header comment: the step both products above are built from.
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
export function sumRows(F: Float32Array, rows: number, N: number, d: number, out: number): void {
  F.fill(0, out, out + N);
  for (let r = 0; r < rows; r++) {
    const dr = d + r * N;
    for (let j = 0; j < N; j++) F[out + j] += F[dr + j];
  }
}

/** dst[N, M] = src[M, N]ᵀ. */
export function transpose(F: Float32Array, src: number, M: number, N: number, dst: number): void {
  for (let i = 0; i < M; i++) {
    const row = src + i * N;
    for (let j = 0; j < N; j++) F[dst + j * M + i] = F[row + j];
  }
}
