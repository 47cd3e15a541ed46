// Dead-unit probe on a hand-built model: which units output exactly 0 for every probe sample,
// and the per-unit activity counts (output > 0) and Σ|output| of the same pass.
import { Model, modelReserve, modelFree, modelReplica, layerAt } from "../model";
import { reluMlp } from "./support";
import { deadReset, deadAccumulate, deadCount, deadMerge } from "../dead";

// 3 inputs → Dense(5, relu) → Dense(3, relu) → Dense(2, softmax); widths are padded to 8.
//
// Layer 0 (x ≥ 0 always):
//   unit 0: w = −1, b = −0.5   dead (z < 0 for every non-negative input)
//   unit 1: w = +1, b = 0.1    alive on every sample
//   unit 2: w = [1, 0, 0], b = −0.5   fires only when x0 > 0.5: sample 5 alone (x0 = 255/255)
//   unit 3: w = 0, b = 0       dead (exactly 0)
//   unit 4: w = −1, b = 0      dead (ReLU(−Σx) = 0; −0 counts as 0)
//   units 5..7: padding, always 0, never counted
// Layer 1:
//   unit 0: from L0 unit 1, b = 0     alive
//   unit 1: from L0 unit 1, b = −100  dead
//   unit 2: from L0 unit 2, b = 0     fires only on sample 5
// Layer 2 (softmax logits): unit 0 has b = 1 (alive); unit 1 is all zero (exactly 0 → "dead").
const INPUTS = 3;
const ROWS = 7;
// biome-ignore format: one sample (INPUTS pixels) per line
const PIXELS: u8[] = [
  0, 0, 0,
  10, 200, 30,
  100, 0, 255,
  50, 50, 50,
  0, 255, 0,
  255, 20, 0, // sample 5: the only one with x0 > 0.5
  127, 127, 127, // x0 = 0.498: just below unit 2's threshold
];

function buildModel(capacity: i32): Model {
  const m = reluMlp(INPUTS, [5, 3, 2], 1, capacity);
  // Replace the Glorot draw by the hand-picked weights: zero everything, then set entries.
  for (let l = 0; l < 3; l++) {
    const layer = layerAt(m, l);
    memory.fill(layer.w, 0, (<usize>layer.inDim * layer.width) << 2);
    memory.fill(layer.b, 0, (<usize>layer.width) << 2);
  }
  const l0 = layerAt(m, 0);
  expect<i32>(l0.inDim).toBe(3);
  expect<i32>(l0.width).toBe(8);
  for (let i = 0; i < INPUTS; i++) {
    setW(l0.w, l0.width, i, 0, -1);
    setW(l0.w, l0.width, i, 1, 1);
    setW(l0.w, l0.width, i, 4, -1);
  }
  setW(l0.w, l0.width, 0, 2, 1);
  setB(l0.b, 0, -0.5);
  setB(l0.b, 1, 0.1);
  setB(l0.b, 2, -0.5);
  const l1 = layerAt(m, 1);
  expect<i32>(l1.inDim).toBe(8);
  setW(l1.w, l1.width, 1, 0, 1);
  setW(l1.w, l1.width, 1, 1, 1);
  setW(l1.w, l1.width, 2, 2, 1);
  setB(l1.b, 1, -100);
  const l2 = layerAt(m, 2);
  setB(l2.b, 0, 1);
  return m;
}
function setW(w: usize, width: i32, i: i32, j: i32, v: f32): void {
  store<f32>(w + ((<usize>(i * width + j)) << 2), v);
}
function setB(b: usize, j: i32, v: f32): void {
  store<f32>(b + ((<usize>j) << 2), v);
}
function pixelData(): usize {
  const p = heap.alloc(ROWS * INPUTS);
  for (let i = 0; i < ROWS * INPUTS; i++) store<u8>(p + i, PIXELS[i]);
  return p;
}
function floatData(): usize {
  const p = heap.alloc((ROWS * INPUTS) << 2);
  for (let i = 0; i < ROWS * INPUTS; i++) store<f32>(p + ((<usize>i) << 2), <f32>PIXELS[i] / 255);
  return p;
}
function expectDead(m: Model, d0: i32, d1: i32, d2: i32, what: string): void {
  expect<i32>(deadCount(m, 0)).toBe(d0, what + ": layer 0");
  expect<i32>(deadCount(m, 1)).toBe(d1, what + ": layer 1");
  expect<i32>(deadCount(m, 2)).toBe(d2, what + ": layer 2");
}

// Dyadic inputs keep unit 2 of layers 0 and 1 exact: relu(x0 − 0.5) = 0, 0, 0.5, 0.25.
const DYADIC: f32[] = [0, 0, 0, 0.25, 0.5, 0, 1, 0, 0.5, 0.75, 0.25, 0.25];
function dyadicData(): usize {
  const p = heap.alloc(DYADIC.length << 2);
  for (let i = 0; i < DYADIC.length; i++) store<f32>(p + ((<usize>i) << 2), DYADIC[i]);
  return p;
}
function activeAt(m: Model, l: i32, j: i32): u32 {
  return load<u32>(layerAt(m, l).active + ((<usize>j) << 2));
}
function sumAt(m: Model, l: i32, j: i32): f32 {
  return load<f32>(layerAt(m, l).absSum + ((<usize>j) << 2));
}

describe("dead-unit probe", () => {
  test("a replica's probe of the other samples, merged, gives the probe of all of them", () => {
    const m = buildModel(4);
    const r = modelReplica(m); // the same weights, flags of its own
    modelReserve(r, 4);
    const data = pixelData();
    deadReset(m);
    deadAccumulate(m, data, true, 0, 0, 3); // samples 0..2: unit 2 of layer 0 never fires here
    deadReset(r);
    deadAccumulate(r, data, true, 0, 3, 4); // samples 3..6: sample 5 fires it
    expectDead(m, 4, 2, 1, "first slice alone");
    deadMerge(m, r);
    expectDead(m, 3, 1, 1, "merged");
    const whole = buildModel(8);
    deadReset(whole);
    deadAccumulate(whole, data, true, 0, 0, ROWS);
    for (let l = 0; l < 3; l++) {
      for (let j = 0; j < layerAt(m, l).width; j++) {
        expect<u32>(activeAt(m, l, j)).toBe(activeAt(whole, l, j), "active count");
        expect<f32>(sumAt(m, l, j)).toBeCloseTo(sumAt(whole, l, j), 5, "|output| sum");
      }
    }
    heap.free(data);
    modelFree(r);
    modelFree(m);
    modelFree(whole);
  });

  test("counts exactly the dead units over all samples (u8 data, probe larger than capacity)", () => {
    const m = buildModel(4); // 7 rows stream through as 4 + 3
    const data = pixelData();
    deadReset(m);
    deadAccumulate(m, data, true, 0, 0, ROWS);
    expectDead(m, 3, 1, 1, "all samples");
    // The firing sample in the first chunk (samples 2..5), a non-firing one in the last (6).
    deadReset(m);
    deadAccumulate(m, data, true, 0, 2, 5);
    expectDead(m, 3, 1, 1, "samples 2..6");
    heap.free(data);
    modelFree(m);
  });

  test("same counts from f32 data and from a capacity that holds the whole probe", () => {
    const m = buildModel(16);
    const data = floatData();
    deadReset(m);
    deadAccumulate(m, data, false, 0, 0, ROWS);
    expectDead(m, 3, 1, 1, "f32 data");
    heap.free(data);
    modelFree(m);
  });

  test("one firing sample suffices; flags accumulate across calls until deadReset", () => {
    const m = buildModel(4);
    const data = pixelData();
    deadReset(m);
    // Before any sample every real unit is dead, and only the real units are counted.
    expectDead(m, 5, 3, 2, "after reset");
    deadAccumulate(m, data, true, 0, 0, 5); // samples 0..4: unit 2 of layers 0 and 1 never fire
    expectDead(m, 4, 2, 1, "samples 0..4");
    deadAccumulate(m, data, true, 0, 6, 1); // sample 6: x0 just below the threshold
    expectDead(m, 4, 2, 1, "samples 0..4, 6");
    deadAccumulate(m, data, true, 0, 5, 1); // sample 5 alone revives both
    expectDead(m, 3, 1, 1, "plus sample 5");
    deadAccumulate(m, data, true, 0, 0, 1); // a later non-firing call does not revoke it
    expectDead(m, 3, 1, 1, "plus sample 0 again");
    deadReset(m);
    expectDead(m, 5, 3, 2, "after the second reset");
    heap.free(data);
    modelFree(m);
  });

  test("only the rows of the current chunk count, not stale rows of an earlier batch", () => {
    const m = buildModel(4);
    const data = pixelData();
    // Leave sample 5's activations in row 1 of every layer's output buffer…
    deadReset(m);
    deadAccumulate(m, data, true, 0, 4, 3);
    expectDead(m, 3, 1, 1, "samples 4..6");
    // …then probe sample 0 alone: only layer 0 unit 1 and layer 1 unit 0 fire.
    deadReset(m);
    deadAccumulate(m, data, true, 0, 0, 1);
    expectDead(m, 4, 2, 1, "sample 0");
    heap.free(data);
    modelFree(m);
  });

  test("rows through an index array", () => {
    const m = buildModel(2);
    const data = pixelData();
    const idx = heap.alloc(12);
    store<u32>(idx, 0);
    store<u32>(idx, 6, 4);
    store<u32>(idx, 3, 8);
    deadReset(m);
    deadAccumulate(m, data, true, idx, 0, 3); // samples 0, 6, 3
    expectDead(m, 4, 2, 1, "idx [0, 6, 3]");
    store<u32>(idx, 5, 4);
    deadReset(m);
    deadAccumulate(m, data, true, idx, 1, 1); // idx[1] = sample 5
    expectDead(m, 3, 1, 1, "idx[1] = 5");
    heap.free(idx);
    heap.free(data);
    modelFree(m);
  });

  test("padding units are never counted, even though they never fire", () => {
    const m = buildModel(4);
    const data = pixelData();
    deadReset(m);
    deadAccumulate(m, data, true, 0, 0, ROWS);
    // Layer 0 has 5 units in a width of 8: the 3 padding outputs are always exactly 0.
    const l0 = layerAt(m, 0);
    for (let j = 5; j < 8; j++) expect<u32>(load<u32>(l0.alive + ((<usize>j) << 2))).toBe(0);
    expect<i32>(deadCount(m, 0)).toBe(3);
    expect<bool>(deadCount(m, 0) <= l0.units).toBe(true);
    heap.free(data);
    modelFree(m);
  });

  test("counts the samples with output > 0 and sums |output| per unit, exactly, across chunks", () => {
    const m = buildModel(3); // 4 rows stream through as 3 + 1
    const data = dyadicData();
    deadReset(m);
    deadAccumulate(m, data, false, 0, 0, 4);
    // Layer 0: unit 0 never, unit 1 always (Σx + 0.1 > 0), unit 2 on two samples, units 3, 4 never.
    const counts0: u32[] = [0, 4, 2, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) expect<u32>(activeAt(m, 0, j)).toBe(counts0[j], "layer 0 unit " + j.toString());
    expect<f32>(sumAt(m, 0, 0)).toBe(0);
    expect<f32>(sumAt(m, 0, 2)).toBe(0.75);
    expect<f32>(sumAt(m, 0, 3)).toBe(0);
    expect<f32>(sumAt(m, 0, 4)).toBe(0); // ReLU(−Σx) may be −0: |−0| adds 0
    expect<f64>(Math.abs(<f64>sumAt(m, 0, 1) - 3.9)).toBeLessThan(1e-5);
    for (let j = 5; j < 8; j++) expect<f32>(sumAt(m, 0, j)).toBe(0, "padding");
    // Layer 1: unit 0 copies layer 0 unit 1, unit 1 is dead, unit 2 copies layer 0 unit 2.
    expect<u32>(activeAt(m, 1, 0)).toBe(4);
    expect<u32>(activeAt(m, 1, 1)).toBe(0);
    expect<u32>(activeAt(m, 1, 2)).toBe(2);
    expect<f32>(sumAt(m, 1, 1)).toBe(0);
    expect<f32>(sumAt(m, 1, 2)).toBe(0.75);
    expect<f32>(sumAt(m, 1, 0)).toBe(sumAt(m, 0, 1));
    // Layer 2 (softmax logits, the "positive" branch): unit 0 is 1 on every sample, unit 1 is 0.
    expect<u32>(activeAt(m, 2, 0)).toBe(4);
    expect<f32>(sumAt(m, 2, 0)).toBe(4);
    expect<u32>(activeAt(m, 2, 1)).toBe(0);
    expect<f32>(sumAt(m, 2, 1)).toBe(0);
    // The probe's dead counts are unchanged by the new accumulators.
    expectDead(m, 3, 1, 1, "dyadic");
    // Accumulates across calls: samples 2, 3 once more.
    deadAccumulate(m, data, false, 0, 2, 2);
    expect<u32>(activeAt(m, 0, 2)).toBe(4);
    expect<f32>(sumAt(m, 0, 2)).toBe(1.5);
    expect<u32>(activeAt(m, 2, 0)).toBe(6);
    expect<f32>(sumAt(m, 2, 0)).toBe(6);
    // deadReset clears them.
    deadReset(m);
    for (let l = 0; l < 3; l++) {
      for (let j = 0; j < 8; j++) {
        expect<u32>(activeAt(m, l, j)).toBe(0);
        expect<f32>(sumAt(m, l, j)).toBe(0);
      }
    }
    heap.free(data);
    modelFree(m);
  });

  test("a negative output counts towards Σ|output| but not as active (non-ReLU layer)", () => {
    const m = buildModel(4);
    const data = dyadicData();
    // The softmax layer's logit 1 becomes −0.5: never active, |−0.5| summed.
    setB(layerAt(m, 2).b, 1, -0.5);
    deadReset(m);
    deadAccumulate(m, data, false, 0, 0, 4);
    expect<u32>(activeAt(m, 2, 1)).toBe(0);
    expect<f32>(sumAt(m, 2, 1)).toBe(2);
    expect<i32>(deadCount(m, 2)).toBe(1);
    heap.free(data);
    modelFree(m);
  });
});
