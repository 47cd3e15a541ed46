// The GEMM family: every product of a dense layer, forward and backward, goes through `gemm`.
//
//   C[M,N] = op(A)[M,K] · B[K,N], then an epilogue: + bias[N] (as the start value), ReLU,
//   leaky ReLU (slope set by setLeakyAlpha), or the ReLU-backward mask (keep C where mask > 0).
//
// A's element (i,k) sits at a + 4·(i·ars + k·acs): (ars = lda, acs = 1) reads A and
// (ars = 1, acs = lda) reads Aᵀ in place, so the weight gradient Xᵀ·dY needs no copy; those are
// the two layouts gemm takes.
// B and C are row-major with row strides ldb and ldc, in floats. N must be a multiple of NR:
// the model pads every layer's width (model.ts). K and M may be anything.
//
// Tile: MR×NR = 4×8 with eight f32x4 accumulators; A values are broadcast with load32_splat and
// B rows read as two vectors (XNNPACK's 4x8-wasmsimd-splat). The relaxed build (compiled with
// relaxed-simd enabled) fuses multiply and add into one instruction; nothing else differs.
import { EPI_NONE, EPI_RELU, EPI_MASK, EPI_LEAKY } from "../codes";
export { EPI_NONE, EPI_RELU, EPI_MASK, EPI_LEAKY };

export const MR: i32 = 4;
export const NR: i32 = 8;

// Bytes of B a column block may span (half of this machine kind's 2 MB per-core L2).
const BLOCK_BYTES: i32 = 1 << 20;
// B's row stride (floats) from which panels are packed: 256 floats = 1 KB, where rows start to
// collide in L1 sets; the seed model's layers (≤ 128 wide) keep reading B in place.
const PACK_B_FROM: i32 = 256;

// EPI_LEAKY's negative slope: a module global so gemm's signature stays as it is.
let leakyAlpha: f32 = 0;

/** Sets the slope EPI_LEAKY multiplies non-positive values by: c > 0 ? c : α·c. */
export function setLeakyAlpha(alpha: f32): void {
  leakyAlpha = alpha;
}

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(c, f32x4.mul(a, b));
  }
}

/** c − a·b, fused in the relaxed build as madd is. */
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_nmadd(a, b, c);
  } else {
    return f32x4.sub(c, f32x4.mul(a, b));
  }
}

@inline function epilogue(acc: v128, epi: i32, mask: usize): v128 {
  if (epi == EPI_RELU) return f32x4.max(acc, f32x4.splat(0));
  if (epi == EPI_MASK) return v128.and(acc, f32x4.gt(v128.load(mask), f32x4.splat(0)));
  if (epi == EPI_LEAKY) return v128.bitselect(acc, f32x4.mul(acc, f32x4.splat(leakyAlpha)), f32x4.gt(acc, f32x4.splat(0)));
  return acc;
}

// c, mask: byte pointers to the tile's top-left; sI, sK, sB, sC: byte strides.
@inline function tile4x8(
  a: usize, sI: usize, sK: usize, b: usize, sB: usize, c: usize, sC: usize,
  K: i32, bias: usize, epi: i32, mask: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  if (bias) {
    c00 = v128.load(bias);
    c01 = v128.load(bias, 16);
  }
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa + sI);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa + 2 * sI);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa + 3 * sI);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += sK;
    pb += sB;
  }
  v128.store(c, epilogue(c00, epi, mask));
  v128.store(c, epilogue(c01, epi, mask + 16), 16);
  v128.store(c + sC, epilogue(c10, epi, mask + sC));
  v128.store(c + sC, epilogue(c11, epi, mask + sC + 16), 16);
  v128.store(c + 2 * sC, epilogue(c20, epi, mask + 2 * sC));
  v128.store(c + 2 * sC, epilogue(c21, epi, mask + 2 * sC + 16), 16);
  v128.store(c + 3 * sC, epilogue(c30, epi, mask + 3 * sC));
  v128.store(c + 3 * sC, epilogue(c31, epi, mask + 3 * sC + 16), 16);
}

@inline function tile1x8(
  a: usize, sK: usize, b: usize, sB: usize, c: usize,
  K: i32, bias: usize, epi: i32, mask: usize,
): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  if (bias) {
    c0 = v128.load(bias);
    c1 = v128.load(bias, 16);
  }
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const av = v128.load32_splat(pa);
    c0 = madd(av, v128.load(pb), c0);
    c1 = madd(av, v128.load(pb, 16), c1);
    pa += sK;
    pb += sB;
  }
  v128.store(c, epilogue(c0, epi, mask));
  v128.store(c, epilogue(c1, epi, mask + 16), 16);
}

// Packing scratch, set by the caller (model.ts gives each model its own, sized by
// gemmScratchBytes): B's panels at its start, A's packed row block after them. A module global
// because each thread runs its own instance of this module, and a worker instance must not
// allocate (one allocator serves the shared memory, the main thread's).
let scratch: usize = 0;

/** Points the packing routines at `p`, at least gemmScratchBytes(K) bytes for every K used. */
export function gemmSetScratch(p: usize): void {
  scratch = p;
}

// Bytes of packed B panels for depth K: one column block of ≤ BLOCK_BYTES, or one NR panel.
@inline function panelBytes(K: i32): usize {
  return max(<usize>BLOCK_BYTES, (<usize>K * NR) << 2);
}

/** Scratch bytes the GEMMs of depth up to maxK need. */
export function gemmScratchBytes(maxK: i32): usize {
  return panelBytes(maxK) + ((<usize>maxK * MR) << 2);
}

/**
 * Copies rows i..i+MR of Aᵀ (columns of A, stride sK apart along k) into [K, MR] order, so the
 * tile reads one sequential stream instead of K cache lines per row block. Without it the
 * weight-gradient GEMM reloads those lines from L2 for every column panel. Aᵀ is read with
 * ars = 1, so the MR values of each k sit side by side: one vector per k.
 */
function packColumns(a: usize, sK: usize, K: i32): usize {
  const packed = scratch + panelBytes(K);
  let src = a;
  let dst = packed;
  for (let k = 0; k < K; k++) {
    v128.store(dst, v128.load(src));
    src += sK;
    dst += 16;
  }
  return packed;
}

/**
 * Copies columns j0..j1 of B into NR-wide panels, each [K, NR] contiguous. Rows of a wide B are
 * 4 KB or more apart, so a panel walked down k hits one L1 set and one page per row; packed, it
 * streams. Returns the first panel.
 */
function packPanels(b: usize, sB: usize, K: i32, j0: i32, j1: i32): usize {
  const panel = (<usize>K * NR) << 2;
  for (let j = j0; j < j1; j += NR) {
    let src = b + (<usize>j << 2);
    let dst = scratch + panel * <usize>((j - j0) / NR);
    for (let k = 0; k < K; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += sB;
      dst += NR << 2;
    }
  }
  return scratch;
}

@inline function panelAt(bp: usize, packed: bool, j: i32, j0: i32, K: i32): usize {
  return packed ? bp + ((<usize>(j - j0) * K) << 2) : bp + (<usize>j << 2);
}

/** C = op(A)·B with an epilogue; see the file comment. `bias` and `mask` may be 0 (none). */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
  bias: usize, epi: i32, mask: usize,
): void {
  const sI = <usize>ars << 2;
  const sK = <usize>acs << 2;
  const sB = <usize>ldb << 2;
  const sC = <usize>ldc << 2;
  const transposed = acs != 1;
  // Column blocks whose slice of B (K × nc floats) stays within L2 while every row tile passes
  // over it; the seed model's layers fit in one block, wide layers (1024 units) need several.
  const nc = max(NR, min(N, <i32>(BLOCK_BYTES / (max(K, 1) << 2)) & ~(NR - 1)));
  const packB = ldb >= PACK_B_FROM;
  for (let j0 = 0; j0 < N; j0 += nc) {
    const j1 = min(N, j0 + nc);
    // Packed, column j's panel starts (j − j0)·K floats into bp with rows NR apart (panelAt).
    const bp = packB ? packPanels(b, sB, K, j0, j1) : b;
    const pB: usize = packB ? <usize>(NR << 2) : sB;
    let i = 0;
    for (; i + MR <= M; i += MR) {
      let ai = a + <usize>i * sI;
      let tI = sI;
      let tK = sK;
      if (transposed) {
        ai = packColumns(ai, sK, K);
        tI = 4;
        tK = 16;
      }
      const ci = c + <usize>i * sC;
      const mi = mask + <usize>i * sC;
      for (let j = j0; j < j1; j += NR) {
        const jb = <usize>j << 2;
        tile4x8(ai, tI, tK, panelAt(bp, packB, j, j0, K), pB, ci + jb, sC, K, bias ? bias + jb : 0, epi, mi + jb);
      }
    }
    for (; i < M; i++) {
      const ai = a + <usize>i * sI;
      const ci = c + <usize>i * sC;
      const mi = mask + <usize>i * sC;
      for (let j = j0; j < j1; j += NR) {
        const jb = <usize>j << 2;
        tile1x8(ai, sK, panelAt(bp, packB, j, j0, K), pB, ci + jb, K, bias ? bias + jb : 0, epi, mi + jb);
      }
    }
  }
}

/** out[N] = Σ_m x[m, 0..N) for a row-major x with row stride ld; N a multiple of 4. The bias gradient. */
export function sumRows(x: usize, M: i32, N: i32, ld: i32, out: usize): void {
  const sX = <usize>ld << 2;
  for (let j = 0; j < N; j += 4) {
    let acc = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let m = 0; m < M; m++) {
      acc = f32x4.add(acc, v128.load(p));
      p += sX;
    }
    v128.store(out + (<usize>j << 2), acc);
  }
}

/** dst[N,M] = src[M,N]ᵀ, both dense; feeds the input-gradient GEMM dX = dY·Wᵀ. */
export function transpose(src: usize, M: i32, N: i32, dst: usize): void {
  for (let i = 0; i < M; i++) {
    const row = src + ((<usize>i * N) << 2);
    for (let j = 0; j < N; j++) {
      store<f32>(dst + ((<usize>j * M + i) << 2), load<f32>(row + (<usize>j << 2)));
    }
  }
}
