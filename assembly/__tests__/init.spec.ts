// glorotUniform: U(−l, l), l = √(6/(fanIn + fanOut)), drawn row by row into w[fanIn, ld].
import { glorotUniform } from "../init";
import { rngUniform } from "../prng";
import { ld32, newState } from "./support";

const SENTINEL: f32 = 42.5;

function allocSentinel(n: i32): usize {
  const p = heap.alloc((<usize>n) << 2);
  for (let i = 0; i < n; i++) store<f32>(p + ((<usize>i) << 2), SENTINEL);
  return p;
}

describe("glorotUniform", () => {
  test("784×128 draw: bounded by the limit, mean ≈ 0, variance ≈ limit²/3, padding untouched", () => {
    const fanIn = 784,
      fanOut = 128,
      ld = 136;
    const limit = Math.sqrt(6.0 / <f64>(fanIn + fanOut)); // 0.0811107105653813
    // The kernel scales by the f32-rounded limit; |(2u − 1)·l| ≤ l holds exactly in f32.
    const bound = Math.max(limit, <f64>(<f32>limit));
    // One extra row after the matrix: rows ≥ fanIn are not part of the draw.
    const w = allocSentinel((fanIn + 1) * ld);
    const rng = newState(1);
    glorotUniform(rng, w, fanIn, fanOut, ld);
    let sum: f64 = 0;
    let sq: f64 = 0;
    let outside = 0;
    let padWritten = 0;
    let hi: f64 = 0;
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) {
        const v = <f64>ld32(w, i * ld + j);
        if (!(Math.abs(v) <= bound)) outside++;
        hi = Math.max(hi, Math.abs(v));
        sum += v;
        sq += v * v;
      }
      for (let j = fanOut; j < ld; j++) if (ld32(w, i * ld + j) != SENTINEL) padWritten++;
    }
    for (let j = 0; j < ld; j++) if (ld32(w, fanIn * ld + j) != SENTINEL) padWritten++;
    expect<i32>(outside).toBe(0, "values outside ±limit");
    expect<i32>(padWritten).toBe(0, "padding columns / rows written");
    const n = <f64>(fanIn * fanOut);
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // σ of the mean = l/√(3n) ≈ 1.5e-4; the variance's relative σ ≈ 0.3%.
    expect<f64>(Math.abs(mean)).toBeLessThan(0.001);
    expect<f64>(Math.abs(variance / ((limit * limit) / 3) - 1)).toBeLessThan(0.02);
    // The draw spans the whole interval.
    expect<f64>(hi).toBeGreaterThan(0.999 * limit);
    heap.free(w);
    heap.free(rng);
  });

  test("row-by-row draw order: w[i, j] = (2u − 1)·l with u the (i·fanOut + j)-th uniform", () => {
    const fanIn = 5,
      fanOut = 10,
      ld = 16;
    const limit = <f32>Math.sqrt(6.0 / <f64>(fanIn + fanOut));
    const w = allocSentinel(fanIn * ld);
    const a = newState(2024);
    const b = newState(2024);
    glorotUniform(a, w, fanIn, fanOut, ld);
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) {
        const u = rngUniform(b);
        const want = (u * 2 - 1) * limit;
        expect<f32>(ld32(w, i * ld + j)).toBe(want, "w[" + i.toString() + "," + j.toString() + "]");
        expect<f32>(Mathf.abs(ld32(w, i * ld + j))).toBeLessThanOrEqual(limit);
      }
      for (let j = fanOut; j < ld; j++) expect<f32>(ld32(w, i * ld + j)).toBe(SENTINEL, "padding column");
    }
    // Both streams are in the same place afterwards: exactly fanIn·fanOut draws were taken.
    expect<f32>(rngUniform(a)).toBe(rngUniform(b));
    heap.free(w);
    heap.free(a);
    heap.free(b);
  });

  test("same seed → same weights, different seeds → different weights", () => {
    const fanIn = 33,
      fanOut = 17,
      ld = 24;
    const w1 = allocSentinel(fanIn * ld);
    const w2 = allocSentinel(fanIn * ld);
    const w3 = allocSentinel(fanIn * ld);
    const s1 = newState(9);
    const s2 = newState(9);
    const s3 = newState(10);
    glorotUniform(s1, w1, fanIn, fanOut, ld);
    glorotUniform(s2, w2, fanIn, fanOut, ld);
    glorotUniform(s3, w3, fanIn, fanOut, ld);
    let same = 0;
    for (let i = 0; i < fanIn * ld; i++) {
      expect<f32>(ld32(w1, i)).toBe(ld32(w2, i));
      if (ld32(w1, i) == ld32(w3, i)) same++;
    }
    // Only the untouched padding columns agree.
    expect<i32>(same).toBe(fanIn * (ld - fanOut));
    heap.free(w1);
    heap.free(w2);
    heap.free(w3);
    heap.free(s1);
    heap.free(s2);
    heap.free(s3);
  });
});
