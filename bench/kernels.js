// The SIMD peak of this machine and each training GEMM shape's GFLOP/s as a share of it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KERNEL_FILES } from "./build.js";
import { timeIt } from "./timing.js";

const root = fileURLToPath(new URL("..", import.meta.url));

// The products of one training step of 784-128-64-32-10 at batch B: forward X·W, the weight
// gradient Xᵀ·dY (A read transposed) and the input gradient dY·Wᵀ (W transposed beforehand).
export function gemmShapes(batch) {
  return [
    { name: `forward ${batch}×128×784`, M: batch, N: 128, K: 784, transposed: false },
    { name: `weight grad 784×128×${batch}`, M: 784, N: 128, K: batch, transposed: true },
    { name: `forward ${batch}×64×128`, M: batch, N: 64, K: 128, transposed: false },
    { name: `input grad ${batch}×128×64`, M: batch, N: 128, K: 64, transposed: false },
    { name: `weight grad 128×64×${batch}`, M: 128, N: 64, K: batch, transposed: true },
  ];
}

export async function measureKernels(backend, { quick = false, batch = 128 } = {}) {
  const { instance } = await WebAssembly.instantiate(readFileSync(root + KERNEL_FILES[backend]), {
    env: { abort() {} },
  });
  const k = instance.exports;
  const minMs = quick ? 20 : 400;
  const iters = quick ? 1e5 : 2e6;
  const peak = (iters * 96) / timeIt(() => k.peak(iters), minMs) / 1e9;
  const filled = (n) => {
    const p = k.alloc(n * 4);
    new Float32Array(k.memory.buffer, p, n).fill(0.01);
    return p;
  };
  const shapes = gemmShapes(batch).map(({ name, M, N, K, transposed }) => {
    k.gemmSetScratch(k.alloc(k.gemmScratchBytes(Math.max(M, N, K))));
    const [a, b, c, bias] = [filled(M * K), filled(K * N), filled(M * N), filled(N)];
    const run = transposed
      ? () => k.gemm(M, N, K, a, 1, M, b, N, c, N, 0, 0, 0)
      : () => k.gemm(M, N, K, a, K, 1, b, N, c, N, bias, 1, 0);
    const gflops = (2 * M * N * K) / timeIt(run, minMs) / 1e9;
    return { name, gflops, ofPeak: gflops / peak };
  });
  return { backend, peak, shapes };
}
