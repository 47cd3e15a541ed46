// ReDo recycling on a hand-built model: exactly the τ-dormant units are recycled, their incoming
// weights redrawn (he_uniform here, bias 0), their outgoing weights and every touched moment zero,
// and nothing else changes.
import { Model, modelFree, layerAt } from "../model";
import { deadReset, deadAccumulate } from "../dead";
import { modelRecycle } from "../recycle";
import { INIT_HE_UNIFORM } from "../init";
import { allocF, ld32, st32, seedLcg, rnd, reluMlp } from "./support";

// 3 inputs ≥ 0 → Dense(5, relu) → Dense(3, relu) → Dense(2, softmax), widths padded to 8.
// Layer 0: every unit sums the inputs; units 0 and 3 have bias −100 (dead), the others 0.1.
// Layer 1: unit 0 reads L0 unit 1, unit 2 reads L0 unit 2 (bias 0.1); unit 1 has bias −100.
const INPUTS = 3;
const ROWS = 16;
const MOMENT: f32 = 0.75;

function build(): Model {
  const m = reluMlp(INPUTS, [5, 3, 2], 5, ROWS);
  const l0 = layerAt(m, 0);
  const l1 = layerAt(m, 1);
  memory.fill(l0.w, 0, (<usize>l0.inDim * l0.width) << 2);
  memory.fill(l1.w, 0, (<usize>l1.inDim * l1.width) << 2);
  for (let j = 0; j < 5; j++) {
    for (let i = 0; i < INPUTS; i++) st32(l0.w, i * l0.width + j, 1);
    st32(l0.b, j, j == 0 || j == 3 ? -100 : 0.1);
  }
  st32(l1.w, 1 * l1.width + 0, 1);
  st32(l1.w, 2 * l1.width + 2, 1);
  st32(l1.b, 0, 0.1);
  st32(l1.b, 1, -100);
  st32(l1.b, 2, 0.1);
  // Non-zero moments everywhere, so the reset shows.
  for (let i = 0; i < m.nParams; i++) {
    st32(m.m, i, MOMENT);
    st32(m.v, i, MOMENT);
    st32(m.ag, i, MOMENT);
  }
  return m;
}

/** p's float index in the parameter arena. */
function index(m: Model, p: usize): i32 {
  return <i32>((p - m.params) >> 2);
}

describe("modelRecycle (ReDo)", () => {
  test("recycles exactly the dormant units: in-weights redrawn, out-weights and moments zero", () => {
    const m = build();
    const x = allocF(ROWS * INPUTS);
    seedLcg(3);
    for (let i = 0; i < ROWS * INPUTS; i++) st32(x, i, (rnd() + 1) / 2);
    deadReset(m);
    deadAccumulate(m, x, false, 0, 0, ROWS);
    const before = allocF(m.nParams);
    memory.copy(before, m.params, (<usize>m.nParams) << 2);
    const inits = heap.alloc(12);
    for (let l = 0; l < 3; l++) store<i32>(inits + ((<usize>l) << 2), INIT_HE_UNIFORM);
    const flags = heap.alloc(8 << 2);
    expect<i32>(modelRecycle(m, 0.025, inits, flags)).toBe(3);
    const want: i32[] = [1, 0, 0, 1, 0, 0, 1, 0]; // layer 0's five units, then layer 1's three
    for (let i = 0; i < 8; i++) expect<i32>(load<i32>(flags + ((<usize>i) << 2))).toBe(want[i], "flag " + i.toString());

    // Which parameters must change (a redrawn column or a zeroed row) and be reset in the moments.
    const touched = new StaticArray<bool>(m.nParams);
    const l0 = layerAt(m, 0);
    const l1 = layerAt(m, 1);
    const l2 = layerAt(m, 2);
    const limit0 = <f32>Math.sqrt(6.0 / 3);
    const limit1 = <f32>Math.sqrt(6.0 / 5);
    const cases: i32[][] = [
      [0, 0],
      [0, 3],
      [1, 1],
    ]; // [layer, unit]
    for (let c = 0; c < cases.length; c++) {
      const l = cases[c][0];
      const j = cases[c][1];
      const layer = l == 0 ? l0 : l1;
      const next = l == 0 ? l1 : l2;
      const fanIn = l == 0 ? 3 : 5;
      const limit = l == 0 ? limit0 : limit1;
      for (let i = 0; i < fanIn; i++) {
        const v = ld32(layer.w, i * layer.width + j);
        expect<bool>(v != 0 && Math.abs(v) <= limit).toBe(true, "redrawn weight");
        expect<f32>(v).not.toBe(ld32(before, index(m, layer.w) + i * layer.width + j));
      }
      for (let i = 0; i < layer.inDim; i++) touched[index(m, layer.w) + i * layer.width + j] = true;
      expect<f32>(ld32(layer.b, j)).toBe(0);
      touched[index(m, layer.b) + j] = true;
      for (let k = 0; k < next.width; k++) {
        // Where the row crosses a recycled unit's column of the next layer (L1 unit 1), the
        // redraw comes after the zeroing and wins: that unit's incoming weights are all fresh.
        if (!(l == 0 && k == 1)) expect<f32>(ld32(next.w, j * next.width + k)).toBe(0);
        touched[index(m, next.w) + j * next.width + k] = true;
      }
    }
    let unchangedWrong = 0;
    let momentsWrong = 0;
    for (let i = 0; i < m.nParams; i++) {
      if (!touched[i] && ld32(m.params, i) != ld32(before, i)) unchangedWrong++;
      const want: f32 = touched[i] ? 0 : MOMENT;
      if (ld32(m.m, i) != want || ld32(m.v, i) != want || ld32(m.ag, i) != want) momentsWrong++;
    }
    expect<i32>(unchangedWrong).toBe(0);
    expect<i32>(momentsWrong).toBe(0);
    heap.free(x);
    heap.free(before);
    heap.free(inits);
    heap.free(flags);
    modelFree(m);
  });

  test("τ sets the threshold; a layer without any activity is dormant as a whole", () => {
    const m = build();
    const x = allocF(ROWS * INPUTS);
    seedLcg(3);
    for (let i = 0; i < ROWS * INPUTS; i++) st32(x, i, (rnd() + 1) / 2);
    // Unit 4 of layer 0 at a tenth of units 1 and 2: score 0.1·5/2.1 ≈ 0.24 (units 0 and 3 give 0).
    const l0 = layerAt(m, 0);
    for (let i = 0; i < INPUTS; i++) st32(l0.w, i * l0.width + 4, 0.1);
    st32(l0.b, 4, 0.01);
    // Layer 1 silenced entirely.
    const l1 = layerAt(m, 1);
    for (let j = 0; j < 3; j++) st32(l1.b, j, -100);
    deadReset(m);
    deadAccumulate(m, x, false, 0, 0, ROWS);
    const inits = heap.alloc(12);
    for (let l = 0; l < 3; l++) store<i32>(inits + ((<usize>l) << 2), INIT_HE_UNIFORM);
    const flags = heap.alloc(8 << 2);
    const n = modelRecycle(m, 0.3, inits, flags);
    const want: i32[] = [1, 0, 0, 1, 1, 1, 1, 1];
    for (let i = 0; i < 8; i++) expect<i32>(load<i32>(flags + ((<usize>i) << 2))).toBe(want[i], "flag " + i.toString());
    expect<i32>(n).toBe(6);
    heap.free(x);
    heap.free(inits);
    heap.free(flags);
    modelFree(m);
  });
});
