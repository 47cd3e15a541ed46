// Batch assembly: gatherU8 (pixels / 255), gatherF32 and gatherLabels, with and without an index.
import { gatherU8, gatherF32, gatherLabels } from "../kernels/gather";

const SENTINEL: f32 = -3.5;

function byteAt(row: i32, j: i32): u8 {
  return <u8>((row * 37 + j * 11 + (j >> 3)) & 255);
}
function makeBytes(rows: i32, dim: i32): usize {
  const p = heap.alloc(<usize>max(rows * dim, 1));
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) store<u8>(p + <usize>(r * dim + j), byteAt(r, j));
  return p;
}
function makeIdx(values: u32[]): usize {
  const p = heap.alloc((<usize>values.length) << 2);
  for (let i = 0; i < values.length; i++) store<u32>(p + ((<usize>i) << 2), values[i]);
  return p;
}
function sentinels(n: i32): usize {
  const p = heap.alloc((<usize>n) << 2);
  for (let i = 0; i < n; i++) store<f32>(p + ((<usize>i) << 2), SENTINEL);
  return p;
}

/** Gathers `rows` rows starting at `start` (through idx when given) and checks them exactly. */
function checkU8(dim: i32, idxValues: u32[], useIdx: bool, start: i32, rows: i32): void {
  const srcRows = 12;
  const src = makeBytes(srcRows, dim);
  const idx = useIdx ? makeIdx(idxValues) : 0;
  const dst = sentinels(rows * dim + 4);
  gatherU8(dst, src, dim, idx, start, rows);
  for (let r = 0; r < rows; r++) {
    const row = useIdx ? <i32>idxValues[start + r] : start + r;
    for (let j = 0; j < dim; j++) {
      const want = <f32>byteAt(row, j) / 255;
      const got = load<f32>(dst + ((<usize>(r * dim + j)) << 2));
      if (got != want) {
        expect<f32>(got).toBe(want, "gatherU8 dim=" + dim.toString() + " row " + r.toString() + " col " + j.toString());
      }
    }
  }
  for (let t = rows * dim; t < rows * dim + 4; t++) expect<f32>(load<f32>(dst + ((<usize>t) << 2))).toBe(SENTINEL);
  heap.free(src);
  if (idx) heap.free(idx);
  heap.free(dst);
}

describe("gather", () => {
  test("gatherU8 divides by 255 exactly like the scalar path (SIMD body and tail)", () => {
    const dims: i32[] = [1, 3, 15, 16, 17, 20, 48, 784];
    const idx: u32[] = [11, 0, 5, 5, 2, 9];
    for (let d = 0; d < dims.length; d++) {
      checkU8(dims[d], idx, false, 0, 4);
      checkU8(dims[d], idx, false, 7, 5);
      checkU8(dims[d], idx, true, 0, 6);
      checkU8(dims[d], idx, true, 2, 3);
    }
  });

  test("gatherU8 maps 0 → 0 and 255 → 1", () => {
    const src = heap.alloc(32);
    for (let j = 0; j < 32; j++) store<u8>(src + j, j % 2 == 0 ? 0 : 255);
    const dst = sentinels(32);
    gatherU8(dst, src, 32, 0, 0, 1);
    for (let j = 0; j < 32; j++) expect<f32>(load<f32>(dst + ((<usize>j) << 2))).toBe(j % 2 == 0 ? 0 : 1);
    heap.free(src);
    heap.free(dst);
  });

  test("gatherF32 copies rows, gatherLabels copies labels, both through the index", () => {
    const dim = 5,
      srcRows = 10;
    const src = heap.alloc((<usize>(srcRows * dim)) << 2);
    const labels = heap.alloc((<usize>srcRows) << 2);
    for (let i = 0; i < srcRows * dim; i++) store<f32>(src + ((<usize>i) << 2), <f32>i * 0.25 - 3);
    for (let r = 0; r < srcRows; r++) store<i32>(labels + ((<usize>r) << 2), (r * 7) % 10);
    const idxValues: u32[] = [9, 3, 3, 0, 6];
    const idx = makeIdx(idxValues);
    const dst = sentinels(4 * dim + 1);
    const y = sentinels(5);
    gatherF32(dst, src, dim, idx, 1, 4);
    gatherLabels(y, labels, idx, 1, 4);
    for (let r = 0; r < 4; r++) {
      const row = <i32>idxValues[1 + r];
      for (let j = 0; j < dim; j++) {
        const k: i32 = row * dim + j;
        expect<f32>(load<f32>(dst + ((<usize>(r * dim + j)) << 2))).toBe(<f32>k * 0.25 - 3);
      }
      expect<i32>(load<i32>(y + ((<usize>r) << 2))).toBe((row * 7) % 10);
    }
    expect<f32>(load<f32>(dst + ((<usize>(4 * dim)) << 2))).toBe(SENTINEL);
    expect<f32>(load<f32>(y + 16)).toBe(SENTINEL);
    // Without an index: rows start, start + 1, …
    gatherF32(dst, src, dim, 0, 6, 4);
    gatherLabels(y, labels, 0, 6, 4);
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < dim; j++) {
        const k: i32 = (6 + r) * dim + j;
        expect<f32>(load<f32>(dst + ((<usize>(r * dim + j)) << 2))).toBe(<f32>k * 0.25 - 3);
      }
      expect<i32>(load<i32>(y + ((<usize>r) << 2))).toBe(((6 + r) * 7) % 10);
    }
    heap.free(src);
    heap.free(labels);
    heap.free(idx);
    heap.free(dst);
    heap.free(y);
  });
});
