// Bench-only wasm entry: the engine's GEMM family as the engine compiles it, plus an FMA-chain loop
// that measures this machine's SIMD peak. Built by bench/build.js, twice like the engine.
import { madd } from "../../assembly/kernels/gemm";

export { gemm, gemmSetScratch, gemmScratchBytes } from "../../assembly/kernels/gemm";

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/**
 * The SIMD peak: `iters` rounds of 96 flops on registers only, with enough independent chains to
 * fill every FP pipe. Relaxed build: 12 fused multiply-add chains. Plain build: 6 multiply chains
 * (× −1, which keeps values bounded and never denormal) beside 6 add chains (+ 0); a chained
 * mul-then-add would measure latency, not throughput.
 */
export function peak(iters: i32): f32 {
  let a0 = f32x4.splat(0.1),
    a1 = f32x4.splat(0.2),
    a2 = f32x4.splat(0.3),
    a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5),
    a5 = f32x4.splat(0.6),
    a6 = f32x4.splat(0.7),
    a7 = f32x4.splat(0.8);
  let a8 = f32x4.splat(0.9),
    a9 = f32x4.splat(1.0),
    a10 = f32x4.splat(1.1),
    a11 = f32x4.splat(1.2);
  if (ASC_FEATURE_RELAXED_SIMD) {
    const b = f32x4.splat(0.999);
    const c = f32x4.splat(0.001);
    for (let i = 0; i < iters; i++) {
      a0 = madd(a0, b, c);
      a1 = madd(a1, b, c);
      a2 = madd(a2, b, c);
      a3 = madd(a3, b, c);
      a4 = madd(a4, b, c);
      a5 = madd(a5, b, c);
      a6 = madd(a6, b, c);
      a7 = madd(a7, b, c);
      a8 = madd(a8, b, c);
      a9 = madd(a9, b, c);
      a10 = madd(a10, b, c);
      a11 = madd(a11, b, c);
    }
  } else {
    const m = f32x4.splat(-1);
    const z = f32x4.splat(0);
    for (let i = 0; i < iters; i++) {
      // Two passes per round: 24 operations × 4 lanes = 96 flops, as in the fused loop.
      for (let r = 0; r < 2; r++) {
        a0 = f32x4.mul(a0, m);
        a6 = f32x4.add(a6, z);
        a1 = f32x4.mul(a1, m);
        a7 = f32x4.add(a7, z);
        a2 = f32x4.mul(a2, m);
        a8 = f32x4.add(a8, z);
        a3 = f32x4.mul(a3, m);
        a9 = f32x4.add(a9, z);
        a4 = f32x4.mul(a4, m);
        a10 = f32x4.add(a10, z);
        a5 = f32x4.mul(a5, m);
        a11 = f32x4.add(a11, z);
      }
    }
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
