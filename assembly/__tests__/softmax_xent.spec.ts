// softmaxXent / softmaxRows against hand-computed values and an f64 log-sum-exp reference.
import { softmaxXent, softmaxRows, correct } from "../kernels/softmax_xent";
import { allocF, ld32, st32, fillConst } from "./support";

const GARBAGE: f32 = 12345.5;

function setLabel(p: usize, r: i32, y: i32): void {
  store<i32>(p + ((<usize>r) << 2), y);
}

/** Independent f64 reference: log Σ exp(z_j) − z_y, stabilised by the row max. */
function refLoss(z: usize, ld: i32, units: i32, r: i32, y: i32): f64 {
  let mx: f64 = -Infinity;
  for (let j = 0; j < units; j++) mx = Math.max(mx, <f64>ld32(z, r * ld + j));
  let s: f64 = 0;
  for (let j = 0; j < units; j++) s += Math.exp(<f64>ld32(z, r * ld + j) - mx);
  return Math.log(s) + mx - <f64>ld32(z, r * ld + y);
}
function refProb(z: usize, ld: i32, units: i32, r: i32, j: i32): f64 {
  let mx: f64 = -Infinity;
  for (let t = 0; t < units; t++) mx = Math.max(mx, <f64>ld32(z, r * ld + t));
  let s: f64 = 0;
  for (let t = 0; t < units; t++) s += Math.exp(<f64>ld32(z, r * ld + t) - mx);
  return Math.exp(<f64>ld32(z, r * ld + j) - mx) / s;
}

// The two-row example: logits padded to ld = 8 with garbage in the padding columns.
//   row 0: [1, 2, 3], label 2 → loss = log(e¹ + e² + e³) − 3 = 0.4076059644443806
//   row 1: [0.5, −1, 2], label 0 → loss = log(e^0.5 + e^−1 + e²) − 0.5 = 1.7413112966571571
const LD = 8;
const UNITS = 3;
const LOSS0: f64 = 0.4076059644443806;
const LOSS1: f64 = 1.7413112966571571;
const P0: f64[] = [0.09003057317038043, 0.24472847105479759, 0.6652409557748217];
const P1: f64[] = [0.1752903921400367, 0.03911257327068745, 0.7855970345892758];

function twoRows(z: usize, labels: usize): void {
  fillConst(z, 2 * LD, GARBAGE);
  st32(z, 0, 1);
  st32(z, 1, 2);
  st32(z, 2, 3);
  st32(z, LD + 0, 0.5);
  st32(z, LD + 1, -1);
  st32(z, LD + 2, 2);
  setLabel(labels, 0, 2);
  setLabel(labels, 1, 0);
}

describe("softmaxXent", () => {
  test("loss of the two-row example matches the hand-computed values", () => {
    const z = allocF(2 * LD);
    const labels = allocF(2);
    const dz = allocF(2 * LD);
    twoRows(z, labels);
    const total = softmaxXent(z, LD, UNITS, 2, labels, dz, 0.5);
    expect<f64>(total).toBeCloseTo(LOSS0 + LOSS1, 5);
    // Each row on its own.
    expect<f64>(softmaxXent(z, LD, UNITS, 1, labels, 0, 0)).toBeCloseTo(LOSS0, 6);
    expect<f64>(softmaxXent(z + ((<usize>LD) << 2), LD, UNITS, 1, labels + 4, 0, 0)).toBeCloseTo(LOSS1, 6);
    // The f64 reference agrees with the constants (guards the constants themselves).
    expect<f64>(refLoss(z, LD, UNITS, 0, 2)).toBeCloseTo(LOSS0, 12);
    expect<f64>(refLoss(z, LD, UNITS, 1, 0)).toBeCloseTo(LOSS1, 12);
    heap.free(z);
    heap.free(labels);
    heap.free(dz);
  });

  test("gradient is (softmax − onehot)·scale, padding columns written as 0", () => {
    const z = allocF(2 * LD);
    const labels = allocF(2);
    const dz = allocF(2 * LD);
    twoRows(z, labels);
    fillConst(dz, 2 * LD, GARBAGE);
    softmaxXent(z, LD, UNITS, 2, labels, dz, 0.5);
    for (let j = 0; j < UNITS; j++) {
      const want0: f64 = (P0[j] - (j == 2 ? 1.0 : 0.0)) * 0.5;
      const want1: f64 = (P1[j] - (j == 0 ? 1.0 : 0.0)) * 0.5;
      expect<f64>(<f64>ld32(dz, j)).toBeCloseTo(want0, 6);
      expect<f64>(<f64>ld32(dz, LD + j)).toBeCloseTo(want1, 6);
    }
    for (let j = UNITS; j < LD; j++) {
      expect<f32>(ld32(dz, j)).toBe(0, "row 0 padding column");
      expect<f32>(ld32(dz, LD + j)).toBe(0, "row 1 padding column");
    }
    // Rows of the gradient sum to 0.
    for (let r = 0; r < 2; r++) {
      let s: f64 = 0;
      for (let j = 0; j < UNITS; j++) s += <f64>ld32(dz, r * LD + j);
      expect<f64>(s).toBeCloseTo(0, 6);
    }
    heap.free(z);
    heap.free(labels);
    heap.free(dz);
  });

  test("correct counts argmax hits (first index wins ties)", () => {
    const z = allocF(2 * LD);
    const labels = allocF(2);
    twoRows(z, labels);
    softmaxXent(z, LD, UNITS, 2, labels, 0, 0);
    expect<i32>(correct).toBe(1); // row 0 argmax 2 = label; row 1 argmax 2 ≠ label 0
    setLabel(labels, 1, 2);
    softmaxXent(z, LD, UNITS, 2, labels, 0, 0);
    expect<i32>(correct).toBe(2);
    setLabel(labels, 0, 0);
    softmaxXent(z, LD, UNITS, 2, labels, 0, 0);
    expect<i32>(correct).toBe(1);
    // Ties: [2, 2, 1] → argmax 0.
    st32(z, 0, 2);
    st32(z, 1, 2);
    st32(z, 2, 1);
    setLabel(labels, 0, 0);
    softmaxXent(z, LD, UNITS, 1, labels, 0, 0);
    expect<i32>(correct).toBe(1);
    setLabel(labels, 0, 1);
    softmaxXent(z, LD, UNITS, 1, labels, 0, 0);
    expect<i32>(correct).toBe(0);
    // Garbage in the padding columns never counts as the argmax.
    st32(z, 0, 1);
    st32(z, 1, 2);
    st32(z, 2, 3);
    setLabel(labels, 0, 2);
    softmaxXent(z, LD, UNITS, 1, labels, 0, 0);
    expect<i32>(correct).toBe(1);
    heap.free(z);
    heap.free(labels);
  });

  test("numerically stable for large logits (no Inf/NaN)", () => {
    const z = allocF(3 * LD);
    const labels = allocF(3);
    const dz = allocF(3 * LD);
    fillConst(z, 3 * LD, 0);
    // [1000, 1001, 999] label 1 → log(e⁻¹ + 1 + e⁻²) = 0.40760596444442854
    st32(z, 0, 1000);
    st32(z, 1, 1001);
    st32(z, 2, 999);
    setLabel(labels, 0, 1);
    // [−1000, 1000, 0] label 0 → 2000 (the softmax of the label underflows to 0)
    st32(z, LD + 0, -1000);
    st32(z, LD + 1, 1000);
    st32(z, LD + 2, 0);
    setLabel(labels, 1, 0);
    // [−1000, −1001, −999] label 2 → same as row 0 mirrored: 0.40760596444442854
    st32(z, 2 * LD + 0, -1000);
    st32(z, 2 * LD + 1, -1001);
    st32(z, 2 * LD + 2, -999);
    setLabel(labels, 2, 2);
    const total = softmaxXent(z, LD, UNITS, 3, labels, dz, 1.0 / 3.0);
    expect<bool>(isFinite(total)).toBe(true, "loss must be finite");
    expect<f64>(softmaxXent(z, LD, UNITS, 1, labels, 0, 0)).toBeCloseTo(0.40760596444442854, 4);
    expect<f64>(softmaxXent(z + ((<usize>LD) << 2), LD, UNITS, 1, labels + 4, 0, 0)).toBeCloseTo(2000, 3);
    expect<f64>(softmaxXent(z + ((<usize>(2 * LD)) << 2), LD, UNITS, 1, labels + 8, 0, 0)).toBeCloseTo(
      0.40760596444442854,
      4,
    );
    for (let i = 0; i < 3 * LD; i++) expect<bool>(isFinite(ld32(dz, i))).toBe(true, "dz must be finite");
    // Row 1: softmax ≈ [0, 1, 0] → dz ≈ [−1, 1, 0]/3.
    expect<f32>(ld32(dz, LD + 0)).toBeCloseTo(-1.0 / 3.0, 6);
    expect<f32>(ld32(dz, LD + 1)).toBeCloseTo(1.0 / 3.0, 6);
    expect<f32>(ld32(dz, LD + 2)).toBeCloseTo(0, 6);
    heap.free(z);
    heap.free(labels);
    heap.free(dz);
  });

  test("random rows against the f64 reference, dz = 0 writes nothing", () => {
    const rows = 9,
      units = 10,
      ld = 16;
    const z = allocF(rows * ld);
    const labels = allocF(rows);
    const dz = allocF(rows * ld);
    let s: u32 = 7;
    for (let i = 0; i < rows * ld; i++) {
      s = s * 1664525 + 1013904223;
      st32(z, i, (<f32>(s >>> 8) * (1.0 / 16777216.0) - 0.5) * 8);
    }
    for (let r = 0; r < rows; r++) setLabel(labels, r, (r * 3) % units);
    const scale: f32 = <f32>(1.0 / 9.0);
    const total = softmaxXent(z, ld, units, rows, labels, dz, scale);
    let want: f64 = 0;
    let hits = 0;
    for (let r = 0; r < rows; r++) {
      const y = (r * 3) % units;
      want += refLoss(z, ld, units, r, y);
      let best = 0;
      for (let j = 1; j < units; j++) if (ld32(z, r * ld + j) > ld32(z, r * ld + best)) best = j;
      if (best == y) hits++;
      for (let j = 0; j < units; j++) {
        const g = (refProb(z, ld, units, r, j) - (j == y ? 1.0 : 0.0)) * <f64>scale;
        expect<f64>(<f64>ld32(dz, r * ld + j)).toBeCloseTo(g, 6);
      }
      for (let j = units; j < ld; j++) expect<f32>(ld32(dz, r * ld + j)).toBe(0);
    }
    expect<f64>(Math.abs(total - want)).toBeLessThan(1e-5 * want);
    expect<i32>(correct).toBe(hits);
    // Without dz the loss is identical and no gradient memory is touched.
    fillConst(dz, rows * ld, GARBAGE);
    expect<f64>(softmaxXent(z, ld, units, rows, labels, 0, scale)).toBe(total);
    for (let i = 0; i < rows * ld; i++) expect<f32>(ld32(dz, i)).toBe(GARBAGE);
    heap.free(z);
    heap.free(labels);
    heap.free(dz);
  });
});

describe("softmaxRows", () => {
  test("probabilities of the two-row example, each row summing to 1", () => {
    const z = allocF(2 * LD);
    const labels = allocF(2);
    const out = allocF(2 * UNITS + 2);
    twoRows(z, labels);
    fillConst(out, 2 * UNITS + 2, GARBAGE);
    softmaxRows(z, LD, UNITS, 2, out);
    for (let j = 0; j < UNITS; j++) {
      expect<f64>(<f64>ld32(out, j)).toBeCloseTo(P0[j], 6);
      expect<f64>(<f64>ld32(out, UNITS + j)).toBeCloseTo(P1[j], 6);
    }
    for (let r = 0; r < 2; r++) {
      let s: f64 = 0;
      for (let j = 0; j < UNITS; j++) s += <f64>ld32(out, r * UNITS + j);
      expect<f64>(s).toBeCloseTo(1, 6);
    }
    // out is dense [rows, units]: nothing past it is written.
    expect<f32>(ld32(out, 2 * UNITS)).toBe(GARBAGE);
    expect<f32>(ld32(out, 2 * UNITS + 1)).toBe(GARBAGE);
    heap.free(z);
    heap.free(labels);
    heap.free(out);
  });

  test("stable for large logits, sums to 1", () => {
    const z = allocF(2 * LD);
    const out = allocF(2 * UNITS);
    st32(z, 0, 1000);
    st32(z, 1, 1001);
    st32(z, 2, 999);
    st32(z, LD + 0, -1000);
    st32(z, LD + 1, 1000);
    st32(z, LD + 2, 0);
    softmaxRows(z, LD, UNITS, 2, out);
    for (let r = 0; r < 2; r++) {
      let s: f64 = 0;
      for (let j = 0; j < UNITS; j++) {
        expect<bool>(isFinite(ld32(out, r * UNITS + j))).toBe(true);
        s += <f64>ld32(out, r * UNITS + j);
      }
      expect<f64>(s).toBeCloseTo(1, 6);
    }
    // [1000, 1001, 999] has the same probabilities as [1, 2, 0]: 0.2447, 0.6652, 0.0900.
    expect<f32>(ld32(out, 0)).toBeCloseTo(0.24472847105479759, 6);
    expect<f32>(ld32(out, 1)).toBeCloseTo(0.6652409557748217, 6);
    expect<f32>(ld32(out, 2)).toBeCloseTo(0.09003057317038043, 6);
    expect<f32>(ld32(out, UNITS + 1)).toBeCloseTo(1, 6);
    heap.free(z);
    heap.free(out);
  });
});
