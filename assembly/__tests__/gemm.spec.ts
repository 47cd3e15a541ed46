// gemm / sumRows / transpose against plain scalar loops (f64 accumulation).
import {
  gemm,
  gemmSetScratch,
  gemmScratchBytes,
  sumRows,
  transpose,
  setLeakyAlpha,
  EPI_NONE,
  EPI_RELU,
  EPI_MASK,
  EPI_LEAKY,
} from "../kernels/gemm";
import { allocF, ld32, st32, fillConst, rnd } from "./support";

// Packing scratch for every depth the specs use (the model gives each model its own).
gemmSetScratch(heap.alloc(gemmScratchBytes(2048)));

const SENTINEL: f32 = -777.25;

// A small LCG, independent of assembly/prng.ts, giving values in [-1, 1).

function fillRandom(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) st32(p, i, rnd());
}

function epiName(epi: i32): string {
  return epi == EPI_RELU ? "RELU" : epi == EPI_MASK ? "MASK" : epi == EPI_LEAKY ? "LEAKY" : "NONE";
}

/**
 * Runs gemm on random data and compares every element of C with a naive triple loop.
 * lda is the leading dimension of A as stored: A is [M, lda] (normal) or [K, lda] (transposed).
 * Also checks that C's columns [N, ldc) and the row after the last are left untouched.
 * Returns the number of elements checked.
 */
function checkGemm(M: i32, N: i32, K: i32, trans: bool, lda: i32, ldb: i32, ldc: i32, withBias: bool, epi: i32): i32 {
  const aRows = trans ? K : M;
  const a = allocF(aRows * lda);
  const b = allocF(K * ldb);
  const bias = allocF(N);
  const mask = allocF(M * ldc);
  const cLen = (M + 1) * ldc;
  const c = allocF(cLen);
  fillRandom(a, aRows * lda);
  fillRandom(b, K * ldb);
  fillRandom(bias, N);
  fillRandom(mask, M * ldc);
  // Exact zeros in the mask must also clear C (the test is mask > 0).
  for (let i = 0; i < M * ldc; i += 3) st32(mask, i, 0);
  fillConst(c, cLen, SENTINEL);

  const ars = trans ? 1 : lda;
  const acs = trans ? lda : 1;
  const slope: f32 = 0.3;
  setLeakyAlpha(slope);
  gemm(M, N, K, a, ars, acs, b, ldb, c, ldc, withBias ? bias : 0, epi, epi == EPI_MASK ? mask : 0);

  let checked = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f64 = withBias ? <f64>ld32(bias, j) : 0;
      let mag: f64 = Math.abs(acc);
      for (let k = 0; k < K; k++) {
        const av = <f64>ld32(a, trans ? k * lda + i : i * lda + k);
        const bv = <f64>ld32(b, k * ldb + j);
        acc += av * bv;
        mag += Math.abs(av * bv);
      }
      if (epi == EPI_RELU && acc < 0) acc = 0;
      if (epi == EPI_LEAKY && acc < 0) {
        acc *= <f64>slope;
        mag *= <f64>slope;
      }
      if (epi == EPI_MASK && !(ld32(mask, i * ldc + j) > 0)) acc = 0;
      const got = <f64>ld32(c, i * ldc + j);
      const tol = <f64>(K + 2) * 1.2e-7 * mag + 1e-7;
      if (!(Math.abs(got - acc) <= tol)) {
        expect<f64>(got).toBe(
          acc,
          "gemm M=" +
            M.toString() +
            " N=" +
            N.toString() +
            " K=" +
            K.toString() +
            (trans ? " A^T" : " A") +
            " lda=" +
            lda.toString() +
            " ldb=" +
            ldb.toString() +
            " ldc=" +
            ldc.toString() +
            (withBias ? " bias" : "") +
            " " +
            epiName(epi) +
            " at C[" +
            i.toString() +
            "," +
            j.toString() +
            "]",
        );
      }
      checked++;
    }
    for (let j = N; j < ldc; j++) {
      if (ld32(c, i * ldc + j) != SENTINEL) {
        expect<f32>(ld32(c, i * ldc + j)).toBe(
          SENTINEL,
          "gemm wrote padding C[" +
            i.toString() +
            "," +
            j.toString() +
            "] M=" +
            M.toString() +
            " N=" +
            N.toString() +
            " ldc=" +
            ldc.toString(),
        );
      }
    }
  }
  for (let j = 0; j < ldc; j++) {
    if (ld32(c, M * ldc + j) != SENTINEL) {
      expect<f32>(ld32(c, M * ldc + j)).toBe(SENTINEL, "gemm wrote past row M-1, M=" + M.toString());
    }
  }
  heap.free(a);
  heap.free(b);
  heap.free(bias);
  heap.free(mask);
  heap.free(c);
  return checked;
}

const Ms: i32[] = [1, 3, 5, 7, 13];
const Ks: i32[] = [1, 3, 17, 33];
const Ns: i32[] = [8, 16, 24];

/** Every awkward shape with dense strides (lda = K or M, ldb = ldc = N), as the model calls it. */
function sweep(trans: bool, epi: i32, withBias: bool): void {
  let checked = 0;
  let expected = 0;
  for (let mi = 0; mi < Ms.length; mi++) {
    for (let ki = 0; ki < Ks.length; ki++) {
      for (let ni = 0; ni < Ns.length; ni++) {
        const M = Ms[mi],
          K = Ks[ki],
          N = Ns[ni];
        checked += checkGemm(M, N, K, trans, trans ? M : K, N, N, withBias, epi);
        expected += M * N;
      }
    }
  }
  expect<i32>(checked).toBe(expected);
}

describe("gemm: C = op(A)·B (+bias) with an epilogue", () => {
  test("A normal, no bias, EPI_NONE", () => {
    sweep(false, EPI_NONE, false);
  });
  test("A normal, bias, EPI_NONE", () => {
    sweep(false, EPI_NONE, true);
  });
  test("A normal, bias, EPI_RELU", () => {
    sweep(false, EPI_RELU, true);
  });
  test("A normal, no bias, EPI_RELU", () => {
    sweep(false, EPI_RELU, false);
  });
  test("A normal, no bias, EPI_MASK", () => {
    sweep(false, EPI_MASK, false);
  });
  test("A normal, bias, EPI_MASK", () => {
    sweep(false, EPI_MASK, true);
  });
  test("A transposed in place, no bias, EPI_NONE", () => {
    sweep(true, EPI_NONE, false);
  });
  test("A transposed in place, bias, EPI_NONE", () => {
    sweep(true, EPI_NONE, true);
  });
  test("A transposed in place, bias, EPI_RELU", () => {
    sweep(true, EPI_RELU, true);
  });
  test("A transposed in place, no bias, EPI_MASK", () => {
    sweep(true, EPI_MASK, false);
  });
  test("A normal, bias, EPI_LEAKY (slope 0.3)", () => {
    sweep(false, EPI_LEAKY, true);
  });
  test("A normal, no bias, EPI_LEAKY (slope 0.3)", () => {
    sweep(false, EPI_LEAKY, false);
  });

  test("wide B: packed panels (ldb ≥ 256) over several L2 column blocks (K·N > 1 MB)", () => {
    // K = 1100 gives blocks of 232 columns, so N = 264 spans two blocks, the second partial.
    expect<i32>(checkGemm(5, 264, 1100, false, 1100, 264, 264, true, EPI_RELU)).toBe(5 * 264);
    expect<i32>(checkGemm(6, 264, 1100, true, 6, 264, 272, false, EPI_MASK)).toBe(6 * 264);
    expect<i32>(checkGemm(9, 256, 40, false, 41, 264, 256, true, EPI_NONE)).toBe(9 * 256);
  });

  test("row strides larger than the row: lda, ldb, ldc > minimum", () => {
    let checked = 0;
    let expected = 0;
    for (let mi = 0; mi < Ms.length; mi++) {
      for (let ki = 0; ki < Ks.length; ki++) {
        const M = Ms[mi],
          K = Ks[ki];
        expected += M * (16 + 8 + 24 + 16 + 8);
        // 16-byte aligned strides, as the model's padded buffers are.
        checked += checkGemm(M, 16, K, false, K + 4, 24, 32, true, EPI_RELU);
        checked += checkGemm(M, 8, K, true, M + 8, 16, 24, false, EPI_MASK);
        checked += checkGemm(M, 24, K, false, K + 1, 32, 40, true, EPI_MASK);
        // Unaligned strides: wasm v128 loads and stores need no alignment.
        checked += checkGemm(M, 16, K, false, K + 3, 19, 21, true, EPI_NONE);
        checked += checkGemm(M, 8, K, true, M + 3, 13, 11, true, EPI_RELU);
      }
    }
    expect<i32>(checked).toBe(expected);
  });

  test("K = 0 gives epi(bias); M = 0 writes nothing", () => {
    // K = 0: C = epi(bias).
    const bias = allocF(8);
    const c = allocF(3 * 8);
    const mask = allocF(3 * 8);
    for (let j = 0; j < 8; j++) st32(bias, j, <f32>(j - 4) * 0.5);
    for (let i = 0; i < 3 * 8; i++) st32(mask, i, i % 2 == 0 ? 1 : -1);
    fillConst(c, 24, SENTINEL);
    gemm(3, 8, 0, 0, 0, 1, 0, 8, c, 8, bias, EPI_RELU, 0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 8; j++) expect<f32>(ld32(c, i * 8 + j)).toBe(max<f32>(ld32(bias, j), 0));
    }
    gemm(3, 8, 0, 0, 0, 1, 0, 8, c, 8, bias, EPI_MASK, mask);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 8; j++) expect<f32>(ld32(c, i * 8 + j)).toBe((i * 8 + j) % 2 == 0 ? ld32(bias, j) : 0);
    }
    fillConst(c, 24, SENTINEL);
    gemm(0, 8, 5, 0, 5, 1, 0, 8, c, 8, bias, EPI_NONE, 0);
    for (let i = 0; i < 24; i++) expect<f32>(ld32(c, i)).toBe(SENTINEL);
    heap.free(bias);
    heap.free(c);
    heap.free(mask);
  });

  test("ReLU clamps exactly at zero and the mask keeps exactly the positive-mask entries", () => {
    // A = I (4x4 block of a 5-row identity), B has mixed signs: C = B before the epilogue.
    const M = 5,
      K = 5,
      N = 8;
    const a = allocF(M * K);
    const b = allocF(K * N);
    const mask = allocF(M * N);
    const c = allocF(M * N);
    for (let i = 0; i < M; i++) st32(a, i * K + i, 1);
    for (let i = 0; i < K * N; i++) st32(b, i, <f32>((i * 7) % 11) - 5); // -5 .. 5, including 0
    for (let i = 0; i < M * N; i++) st32(mask, i, <f32>((i * 5) % 7) - 3); // -3 .. 3, including 0
    gemm(M, N, K, a, K, 1, b, N, c, N, 0, EPI_RELU, 0);
    // biome-ignore lint/complexity/useMathMinMax: ReLU as the kernel defines it (-0 and NaN give +0)
    for (let i = 0; i < M * N; i++) expect<f32>(ld32(c, i)).toBe(ld32(b, i) > 0 ? ld32(b, i) : 0);
    gemm(M, N, K, a, K, 1, b, N, c, N, 0, EPI_MASK, mask);
    for (let i = 0; i < M * N; i++) expect<f32>(ld32(c, i)).toBe(ld32(mask, i) > 0 ? ld32(b, i) : 0);
    gemm(M, N, K, a, K, 1, b, N, c, N, 0, EPI_NONE, 0);
    for (let i = 0; i < M * N; i++) expect<f32>(ld32(c, i)).toBe(ld32(b, i));
    heap.free(a);
    heap.free(b);
    heap.free(mask);
    heap.free(c);
  });
});

/** Reference column sums in f64. */
function checkSumRows(M: i32, N: i32, ld: i32): void {
  const x = allocF(M * ld);
  const out = allocF(N + 4);
  fillRandom(x, M * ld);
  fillConst(out, N + 4, SENTINEL);
  sumRows(x, M, N, ld, out);
  for (let j = 0; j < N; j++) {
    let acc: f64 = 0;
    let mag: f64 = 0;
    for (let m = 0; m < M; m++) {
      acc += <f64>ld32(x, m * ld + j);
      mag += Math.abs(<f64>ld32(x, m * ld + j));
    }
    const got = <f64>ld32(out, j);
    if (!(Math.abs(got - acc) <= <f64>(M + 1) * 1.2e-7 * mag + 1e-7)) {
      expect<f64>(got).toBe(
        acc,
        "sumRows M=" + M.toString() + " N=" + N.toString() + " ld=" + ld.toString() + " j=" + j.toString(),
      );
    }
  }
  for (let j = N; j < N + 4; j++) expect<f32>(ld32(out, j)).toBe(SENTINEL, "sumRows wrote past N");
  heap.free(x);
  heap.free(out);
}

function checkTranspose(M: i32, N: i32): void {
  const src = allocF(M * N);
  const dst = allocF(M * N + 4);
  fillRandom(src, M * N);
  fillConst(dst, M * N + 4, SENTINEL);
  transpose(src, M, N, dst);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      if (ld32(dst, j * M + i) != ld32(src, i * N + j)) {
        expect<f32>(ld32(dst, j * M + i)).toBe(
          ld32(src, i * N + j),
          "transpose M=" + M.toString() + " N=" + N.toString() + " dst[" + j.toString() + "," + i.toString() + "]",
        );
      }
    }
  }
  for (let t = M * N; t < M * N + 4; t++) expect<f32>(ld32(dst, t)).toBe(SENTINEL, "transpose wrote past M·N");
  heap.free(src);
  heap.free(dst);
}

describe("sumRows: the bias gradient", () => {
  test("odd row counts, N a multiple of 4, dense and strided rows", () => {
    const rows: i32[] = [1, 3, 7, 13, 33];
    const cols: i32[] = [4, 8, 12, 20];
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < cols.length; c++) {
        checkSumRows(rows[r], cols[c], cols[c]);
        checkSumRows(rows[r], cols[c], cols[c] + 4);
        checkSumRows(rows[r], cols[c], cols[c] + 3);
      }
    }
  });
  test("M = 0 gives zeros", () => {
    const out = allocF(8);
    fillConst(out, 8, SENTINEL);
    sumRows(0, 0, 8, 8, out);
    for (let j = 0; j < 8; j++) expect<f32>(ld32(out, j)).toBe(0);
    heap.free(out);
  });
});

describe("transpose", () => {
  test("odd sizes", () => {
    checkTranspose(1, 1);
    checkTranspose(1, 7);
    checkTranspose(7, 1);
    checkTranspose(3, 5);
    checkTranspose(13, 7);
    checkTranspose(17, 9);
    checkTranspose(33, 24);
  });
});
