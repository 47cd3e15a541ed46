// adam against hand-computed Keras 3 Adam steps:
//   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  w −= α·m/(√v + ε),  α = lr·√(1 − β2^t)/(1 − β1^t)
import { adam } from "../kernels/optimizers";
import { allocF, ld32, st32 } from "./support";

const LR: f64 = 0.001;
const B1: f64 = 0.9;
const B2: f64 = 0.999;
const EPS: f64 = 1e-7;

function alphaAt(t: i32): f64 {
  return (LR * Math.sqrt(1 - Math.pow(B2, <f64>t))) / (1 - Math.pow(B1, <f64>t));
}
function step(w: usize, g: usize, m: usize, v: usize, n: i32, t: i32): void {
  adam(w, g, m, v, n, <f32>alphaAt(t), <f32>(1 - B1), <f32>(1 - B2), <f32>EPS);
}
/** |actual − expected| ≤ rel·|expected| + abs. */
function near(actual: f64, expected: f64, rel: f64, abs: f64, what: string): void {
  if (!(Math.abs(actual - expected) <= rel * Math.abs(expected) + abs)) expect<f64>(actual).toBe(expected, what);
}

// Scalar f64 reference state for N parameters.
const N = 8;
const PAD = 4; // a trailing vector the kernel must not touch
const refW = new StaticArray<f64>(N);
const refM = new StaticArray<f64>(N);
const refV = new StaticArray<f64>(N);
function refStep(g: usize, t: i32): void {
  const a = alphaAt(t);
  for (let i = 0; i < N; i++) {
    const gi = <f64>ld32(g, i);
    refM[i] += (gi - refM[i]) * (1 - B1);
    refV[i] += (gi * gi - refV[i]) * (1 - B2);
    refW[i] -= (a * refM[i]) / (Math.sqrt(refV[i]) + EPS);
  }
}

describe("adam (Keras 3)", () => {
  test("one step from zero moments: hand-computed values", () => {
    // w = 1, g = 0.5, t = 1: m = 0.05, v = 0.00025, α = 0.001·√0.001/0.1,
    // w = 1 − α·0.05/(√0.00025 + 1e-7) = 0.9990000063245154.
    const w = allocF(4),
      g = allocF(4),
      m = allocF(4),
      v = allocF(4);
    for (let i = 0; i < 4; i++) {
      st32(w, i, 1);
      st32(g, i, 0.5);
    }
    step(w, g, m, v, 4, 1);
    for (let i = 0; i < 4; i++) {
      near(ld32(m, i), 0.05, 1e-6, 0, "m after step 1");
      near(ld32(v, i), 0.00025, 1e-6, 0, "v after step 1");
      near(ld32(w, i), 0.9990000063245154, 0, 1.5e-7, "w after step 1");
    }
    // Step 2 with g = −0.25: m = 0.02, v = 0.00031225, w = 0.9987336707920792.
    for (let i = 0; i < 4; i++) st32(g, i, -0.25);
    step(w, g, m, v, 4, 2);
    for (let i = 0; i < 4; i++) {
      near(ld32(m, i), 0.02, 1e-6, 0, "m after step 2");
      near(ld32(v, i), 0.00031225, 1e-6, 0, "v after step 2");
      near(ld32(w, i), 0.9987336707920792, 0, 1.5e-7, "w after step 2");
    }
    heap.free(w);
    heap.free(g);
    heap.free(m);
    heap.free(v);
  });

  test("two steps on mixed parameters against the scalar reference; the tail is untouched", () => {
    const w = allocF(N + PAD),
      g = allocF(N + PAD),
      m = allocF(N + PAD),
      v = allocF(N + PAD);
    const w0: f32[] = [0.5, -0.3, 0.0, 2.0, -1.25, 0.75, 0.1, -0.01];
    const g1: f32[] = [0.1, -0.2, 0.0, 3.0, 1e-4, -1e-3, 0.5, -0.05];
    const g2: f32[] = [-0.3, -0.2, 0.0, 1.0, 2e-4, 1e-3, 0.25, 0.4];
    for (let i = 0; i < N; i++) {
      st32(w, i, w0[i]);
      refW[i] = <f64>w0[i];
      refM[i] = 0;
      refV[i] = 0;
    }
    for (let i = N; i < N + PAD; i++) {
      st32(w, i, 9);
      st32(g, i, 9);
      st32(m, i, 9);
      st32(v, i, 9);
    }
    for (let i = 0; i < N; i++) st32(g, i, g1[i]);
    step(w, g, m, v, N, 1);
    refStep(g, 1);
    for (let i = 0; i < N; i++) {
      near(ld32(m, i), refM[i], 1e-6, 1e-12, "m[" + i.toString() + "] step 1");
      near(ld32(v, i), refV[i], 1e-6, 1e-15, "v[" + i.toString() + "] step 1");
      near(ld32(w, i), refW[i], 2e-7, 1e-9, "w[" + i.toString() + "] step 1");
    }
    for (let i = 0; i < N; i++) st32(g, i, g2[i]);
    step(w, g, m, v, N, 2);
    refStep(g, 2);
    for (let i = 0; i < N; i++) {
      near(ld32(m, i), refM[i], 1e-6, 1e-12, "m[" + i.toString() + "] step 2");
      near(ld32(v, i), refV[i], 1e-6, 1e-15, "v[" + i.toString() + "] step 2");
      near(ld32(w, i), refW[i], 2e-7, 1e-9, "w[" + i.toString() + "] step 2");
    }
    // A zero gradient on a zero weight with zero moments leaves all three exactly 0 (the model's
    // padding invariant).
    expect<f32>(ld32(w, 2)).toBe(0);
    expect<f32>(ld32(m, 2)).toBe(0);
    expect<f32>(ld32(v, 2)).toBe(0);
    // Nothing past n is read-modified-written.
    for (let i = N; i < N + PAD; i++) {
      expect<f32>(ld32(w, i)).toBe(9, "w past n");
      expect<f32>(ld32(m, i)).toBe(9, "m past n");
      expect<f32>(ld32(v, i)).toBe(9, "v past n");
    }
    heap.free(w);
    heap.free(g);
    heap.free(m);
    heap.free(v);
  });

  test("first step from w = 0 is −lr·g/(|g| + ε/√(1−β2)): about lr against the gradient's sign", () => {
    const w = allocF(N),
      g = allocF(N),
      m = allocF(N),
      v = allocF(N);
    const g1: f32[] = [0.1, -0.2, 3.0, -7.5, 1e-2, -1e-2, 0.5, -0.05];
    for (let i = 0; i < N; i++) st32(g, i, g1[i]);
    step(w, g, m, v, N, 1);
    for (let i = 0; i < N; i++) {
      const gi = <f64>g1[i];
      near(<f64>ld32(w, i), (-LR * gi) / (Math.abs(gi) + EPS / Math.sqrt(1 - B2)), 1e-5, 0, "w[" + i.toString() + "]");
      near(<f64>ld32(w, i), -LR * (gi > 0 ? 1.0 : -1.0), 1e-3, 0, "|Δw| ≈ lr, i=" + i.toString());
    }
    heap.free(w);
    heap.free(g);
    heap.free(m);
    heap.free(v);
  });
});
