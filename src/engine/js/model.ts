// The js twin of assembly/model.ts's layout: a model's layers, arenas and batch buffers as byte
// pointers into the engine's memory. The model's functions are in createJsKernels (index.ts).

export interface Layer {
  inDim: number; // rows of W: the input size, or the previous layer's padded width
  units: number;
  width: number; // units rounded up to NR
  activation: number;
  alpha: number; // leaky_relu's negative slope, elu's α (an f32 value)
  l2: number; // kernel L2 regularisation λ (f64)
  w: number; // byte pointers, as in assembly/model.ts
  b: number;
  gw: number;
  gb: number;
  a: number; // outputs [capacity, width]
  z: number; // pre-activations [capacity, width] for gelu layers, else 0
  alive: number; // dead-unit probe flags, one u32 per unit of the width
  active: number; // dead-unit probe: per unit, u32 count of probe samples with output > 0
  absSum: number; // dead-unit probe: per unit, f32 sum of |output| over the probe samples
  cbp?: Cbp; // continual backprop's state, hidden layers only (continual.ts)
  noiseSeen?: Int32Array; // Shrink and Perturb: per kernel row, the clock its noise is up to (continual.ts)
}

/** A hidden layer's continual-backprop state, as assembly/model.ts's cbp* fields. */
export interface Cbp {
  age: Int32Array;
  util: Float64Array;
  mean: Float64Array;
  score: Float64Array;
  picks: number[];
  accum: number;
  replaced: number;
  init: number;
  inMag: Float32Array; // Σ_j |W_in[j, i]| per (padded) column
  outMag: Float64Array; // mean_k |W_out[i, k]| per unit
  stale: boolean; // the two sums must be made afresh
}

export interface Model {
  inputSize: number;
  layers: Layer[];
  nParams: number;
  params: number;
  grads: number;
  m: number;
  v: number;
  ag: number; // centered RMSprop's average gradient
  opt: number; // the optimizer descriptor: OPT_FIELDS f64s (codes.ts)
  capacity: number;
  x: number;
  y: number;
  d0: number;
  d1: number;
  wt: number;
  maxWidth: number;
  rng: Uint32Array; // xoshiro128** state
  step: number;
  correct: number;
  perm: number; // the task's pixel permutation (u32 per input), or 0
  wScale: number; // the lazy weight decay's scale of the kernels (continual.ts)
  noiseSigma: number; // Shrink and Perturb (continual.ts)
  noiseTable: Float32Array | null;
  noiseCursor: number;
  noiseClock: number;
  noiseGain: Float64Array | null;
  noiseDecay: number;
  cbpRate: number; // continual backprop: 0 when off
  cbpDecay: number;
  cbpMaturity: number;
}
