// Helpers shared by the specs: f32 buffers in linear memory, a PRNG state, and a small LCG
// that is independent of assembly/prng.ts for test data.
import { rngSeed, RNG_STATE_BYTES } from "../prng";
import { Model, modelNew, modelReserve, ACT_RELU, ACT_SOFTMAX } from "../model";

/** A ReLU MLP with a softmax output layer of the given widths, reserved for `capacity` rows. */
export function reluMlp(inputSize: i32, units: i32[], seed: u32, capacity: i32): Model {
  const n = units.length;
  const u = heap.alloc(<usize>n << 2);
  const a = heap.alloc(<usize>n << 2);
  for (let l = 0; l < n; l++) {
    store<i32>(u + (<usize>l << 2), units[l]);
    store<i32>(a + (<usize>l << 2), l == n - 1 ? ACT_SOFTMAX : ACT_RELU);
  }
  const m = modelNew(inputSize, n, u, a, seed);
  heap.free(u);
  heap.free(a);
  modelReserve(m, capacity);
  return m;
}

/** A zero-filled buffer of n f32 (at least one, so 0-sized shapes still get a valid pointer). */
export function allocF(n: i32): usize {
  const bytes = <usize>max(n, 1) << 2;
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

@inline export function ld32(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline export function st32(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

export function fillConst(p: usize, n: i32, v: f32): void {
  for (let i = 0; i < n; i++) st32(p, i, v);
}

export function newState(seed: u32): usize {
  const s = heap.alloc(RNG_STATE_BYTES);
  rngSeed(s, seed);
  return s;
}

let lcg: u32 = 0x2545f491;

export function seedLcg(seed: u32): void {
  lcg = seed;
}

/** Values in [−1, 1) from a 32-bit LCG. */
export function rnd(): f32 {
  lcg = lcg * 1664525 + 1013904223;
  return <f32>(lcg >>> 8) * (1.0 / 8388608.0) - 1.0;
}
