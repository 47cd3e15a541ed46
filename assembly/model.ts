// A sequential MLP laid out in wasm memory: parameters, gradients and Adam moments are each one
// flat arena (W0 b0 W1 b1 …, every width padded to NR so the kernels see whole tiles), and the
// per-batch buffers are sized once for a row capacity. Padding stays exactly zero: padded
// weights start at 0, their gradients are 0, and Adam leaves a zero-gradient zero weight at 0.
import { gemm, gemmSetScratch, gemmScratchBytes, sumRows, transpose, setLeakyAlpha, NR, EPI_NONE, EPI_RELU, EPI_MASK, EPI_LEAKY } from "./kernels/gemm";
import { softmaxXent, softmaxRows, correct } from "./kernels/softmax_xent";
import { adam, sgd, rmsprop, weightDecay, clipByValue, clipByNorm, clipByGlobalNorm, l2Grad, sumSquares } from "./kernels/optimizers";
import { gatherU8, gatherF32, gatherLabels, gatherPermuted } from "./kernels/gather";
import { activate, activationGrad, ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU } from "./kernels/activations";
import { glorotUniform, initKernel } from "./init";
import { rngSeed, shuffleIndices, RNG_STATE_BYTES } from "./prng";
import {
  OPT_ADAM, OPT_SGD, OPT_RMSPROP, OPT_RMSPROP_CENTERED, OPT_FIELDS, OPTF_KIND, OPTF_LEARNING_RATE, OPTF_BETA1, OPTF_BETA2,
  OPTF_EPSILON, OPTF_MOMENTUM, OPTF_NESTEROV, OPTF_RHO, OPTF_WEIGHT_DECAY, OPTF_CLIPNORM, OPTF_CLIPVALUE,
  OPTF_GLOBAL_CLIPNORM,
} from "./codes";
export { OPT_ADAM, OPT_SGD, OPT_RMSPROP, OPT_RMSPROP_CENTERED };

export { ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU };

@unmanaged export class Layer {
  inDim: i32 = 0; // rows of W: the input size, or the previous layer's padded width
  units: i32 = 0;
  width: i32 = 0; // units rounded up to NR
  activation: i32 = 0;
  alpha: f32 = 0; // leaky_relu's negative slope, elu's α
  l2: f64 = 0; // the kernel's L2 regularisation factor λ (Keras' kernel_regularizer=L2(λ))
  w: usize = 0; // [inDim, width] inside the parameter arena
  b: usize = 0; // [width]
  gw: usize = 0; // same offsets inside the gradient arena
  gb: usize = 0;
  a: usize = 0; // outputs [capacity, width]
  z: usize = 0; // pre-activations [capacity, width], kept for gelu layers only (0 otherwise)
  alive: usize = 0; // dead-unit probe: per unit, all ones once it has fired
  active: usize = 0; // dead-unit probe: per unit, the u32 count of probe samples with output > 0
  absSum: usize = 0; // dead-unit probe: per unit, the f32 sum of |output| over the probe samples
  nz: usize = 0; // the fast online step (assembly/online-step.ts): i32 indices of nonzero inputs
  nzCount: i32 = 0;
  // Continual backprop (assembly/continual.ts), hidden layers only, 0 until modelCbpInit.
  init: i32 = 0; // the initialiser code a replaced unit's input weights are drawn with
  cbpAge: usize = 0; // per unit: i32 steps since its last replacement
  cbpUtil: usize = 0; // per unit: f64 running utility
  cbpMean: usize = 0; // per unit: f64 running mean of the output
  cbpScore: usize = 0; // per unit: f64 bias-corrected utility of this step (NaN: not a candidate)
  cbpPick: usize = 0; // i32 units to replace this step, cbpPicks of them
  cbpPicks: i32 = 0;
  cbpInMag: usize = 0; // per unit (padded width): f32 Σ_j |W_in[j, i]| of this step
  cbpOutMag: usize = 0; // per unit: f64 mean_k |W_out[i, k]| of this step
  cbpStale: bool = true; // the two sums must be made afresh (not updated from the rows a step moved)
  cbpAccum: f64 = 0; // replacements due but not yet made (fractions carried over)
  cbpReplaced: i32 = 0;
  noiseSeen: usize = 0; // Shrink and Perturb (assembly/noise.ts): per kernel row, the i32 clock its noise is up to
}

@unmanaged export class Model {
  inputSize: i32 = 0;
  nLayers: i32 = 0;
  layers: usize = 0; // Layer pointers
  nParams: i32 = 0;
  params: usize = 0;
  grads: usize = 0;
  m: usize = 0;
  v: usize = 0;
  ag: usize = 0; // centered RMSprop's average gradient
  opt: usize = 0; // the optimizer descriptor: OPT_FIELDS f64s (assembly/codes.ts), set by the host
  capacity: i32 = 0;
  x: usize = 0; // input batch [capacity, inputSize]
  y: usize = 0; // labels [capacity]
  d0: usize = 0; // gradient ping-pong buffers [capacity, maxWidth]
  d1: usize = 0;
  wt: usize = 0; // transposed weights for dX = dY·Wᵀ
  wtFloats: i32 = 0;
  scratch: usize = 0; // the GEMMs' packing scratch, sized for the capacity
  maxWidth: i32 = 0;
  rng: usize = 0;
  step: i32 = 0; // Adam's t
  correct: i32 = 0;
  perm: usize = 0; // a task's pixel permutation (u32 per input) that the gather applies, or 0
  // The fast online step's weight decay, applied lazily: every real kernel weight is wScale times
  // the stored one until fastSettle (assembly/online-step.ts) multiplies it in.
  wScale: f64 = 1;
  // Shrink and Perturb (assembly/noise.ts): σ, the table of normals and where the next run starts,
  // the steps whose noise is due, and √(Σ_{k<n} r^{2k}) for small n at the decay r it was made for.
  noiseSigma: f64 = 0;
  noiseTable: usize = 0;
  noiseCursor: i32 = 0;
  noiseClock: i32 = 0;
  noiseGain: usize = 0;
  noiseDecay: f64 = 0;
  noiseRuns: usize = 0; // per listed row of a forward pass (noiseRuns): where its run starts
  noiseScales: usize = 0; // and the f32 scale it takes the run at
  noiseZeros: usize = 0; // maxWidth f32 zeros: the run of a row with no noise due
  cbpRate: f64 = 0; // continual backprop's replacement rate ρ (0: off), decay η and maturity
  cbpDecay: f64 = 0;
  cbpMaturity: i32 = 0;
  cbpCorr: usize = 0; // f64 1 − η^age for ages 0 … cbpCorrN − 1 (assembly/continual.ts)
  cbpCorrN: i32 = 0;
  cbpScratch: usize = 0; // f32 per column of the widest layer: a step's change of the sums
  // A thread's replica (modelReplica): shares the parameters and optimizer state of the model
  // it was made from; owns its gradients, batch buffers, probe flags and scratch.
  replica: bool = false;
}

@inline export function layerAt(m: Model, l: i32): Layer {
  return changetype<Layer>(load<usize>(m.layers + (<usize>l << alignof<usize>())));
}

@inline function roundUp(n: i32): i32 {
  return (n + NR - 1) & ~(NR - 1);
}

function allocZeroed(bytes: usize): usize {
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

export function modelNew(inputSize: i32, nLayers: i32, units: usize, activations: usize, seed: u32): Model {
  const m = new Model();
  m.inputSize = inputSize;
  m.nLayers = nLayers;
  m.layers = heap.alloc(<usize>nLayers << alignof<usize>());
  let inDim = inputSize;
  let total = 0;
  let wtSize = 0;
  for (let l = 0; l < nLayers; l++) {
    const layer = new Layer();
    layer.inDim = inDim;
    layer.units = load<i32>(units + (<usize>l << 2));
    layer.width = roundUp(layer.units);
    layer.activation = load<i32>(activations + (<usize>l << 2));
    store<usize>(m.layers + (<usize>l << alignof<usize>()), changetype<usize>(layer));
    total += inDim * layer.width + layer.width;
    if (l > 0) wtSize = max(wtSize, inDim * layer.width);
    m.maxWidth = max(m.maxWidth, layer.width);
    inDim = layer.width;
  }
  m.nParams = total;
  const bytes = <usize>total << 2;
  m.params = allocZeroed(bytes);
  m.grads = allocZeroed(bytes);
  m.m = allocZeroed(bytes);
  m.v = allocZeroed(bytes);
  m.ag = allocZeroed(bytes);
  m.opt = allocZeroed(OPT_FIELDS << 3);
  m.wtFloats = max(wtSize, 1);
  m.wt = heap.alloc(<usize>m.wtFloats << 2);
  m.rng = heap.alloc(RNG_STATE_BYTES);
  rngSeed(m.rng, seed);
  let off: usize = 0;
  for (let l = 0; l < nLayers; l++) {
    const layer = layerAt(m, l);
    layer.w = m.params + off;
    layer.gw = m.grads + off;
    off += (<usize>layer.inDim * layer.width) << 2;
    layer.b = m.params + off;
    layer.gb = m.grads + off;
    off += <usize>layer.width << 2;
    layer.alive = allocZeroed(<usize>layer.width << 2);
    layer.active = allocZeroed(<usize>layer.width << 2);
    layer.absSum = allocZeroed(<usize>layer.width << 2);
    const fanIn = l == 0 ? inputSize : layerAt(m, l - 1).units;
    glorotUniform(m.rng, layer.w, fanIn, layer.units, layer.width);
  }
  return m;
}

/**
 * A replica of m for one more thread of a data-parallel step: the same layers over m's
 * parameters, optimizer state and generator, with gradients, probe flags and (after
 * modelReserve) batch buffers of its own. Free it with modelFree before m.
 */
export function modelReplica(m: Model): Model {
  const r = new Model();
  r.replica = true;
  r.inputSize = m.inputSize;
  r.nLayers = m.nLayers;
  r.nParams = m.nParams;
  r.maxWidth = m.maxWidth;
  r.params = m.params;
  r.m = m.m;
  r.v = m.v;
  r.ag = m.ag;
  r.opt = m.opt;
  r.rng = m.rng;
  r.grads = allocZeroed(<usize>m.nParams << 2);
  r.wtFloats = m.wtFloats;
  r.wt = heap.alloc(<usize>m.wtFloats << 2);
  r.layers = heap.alloc(<usize>m.nLayers << alignof<usize>());
  for (let l = 0; l < m.nLayers; l++) {
    const src = layerAt(m, l);
    const layer = new Layer();
    layer.inDim = src.inDim;
    layer.units = src.units;
    layer.width = src.width;
    layer.activation = src.activation;
    layer.alpha = src.alpha;
    layer.l2 = src.l2;
    layer.w = src.w;
    layer.b = src.b;
    layer.gw = r.grads + (src.gw - m.grads);
    layer.gb = r.grads + (src.gb - m.grads);
    layer.alive = allocZeroed(<usize>layer.width << 2);
    layer.active = allocZeroed(<usize>layer.width << 2);
    layer.absSum = allocZeroed(<usize>layer.width << 2);
    store<usize>(r.layers + (<usize>l << alignof<usize>()), changetype<usize>(layer));
  }
  return r;
}

function freeBatchBuffers(m: Model): void {
  if (m.capacity == 0) return;
  heap.free(m.x);
  heap.free(m.y);
  heap.free(m.d0);
  heap.free(m.d1);
  heap.free(m.scratch);
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    heap.free(layer.a);
    if (layer.z) heap.free(layer.z);
    layer.z = 0;
  }
}

/** Makes room for batches of up to `rows` rows. */
export function modelReserve(m: Model, rows: i32): void {
  if (rows <= m.capacity) return;
  freeBatchBuffers(m);
  m.capacity = rows;
  const r = <usize>rows;
  m.x = heap.alloc((r * m.inputSize) << 2);
  m.y = heap.alloc(r << 2);
  m.d0 = heap.alloc((r * m.maxWidth) << 2);
  m.d1 = heap.alloc((r * m.maxWidth) << 2);
  // GEMM depths: a layer's inputs (forward), its width (input gradient), the rows (weight gradient).
  m.scratch = heap.alloc(gemmScratchBytes(max(rows, max(m.inputSize, m.maxWidth))));
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    layer.a = allocZeroed((r * layer.width) << 2);
    if (layer.activation == ACT_GELU) layer.z = allocZeroed((r * layer.width) << 2);
  }
}

export function modelFree(m: Model): void {
  freeBatchBuffers(m);
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    heap.free(layer.alive);
    heap.free(layer.active);
    heap.free(layer.absSum);
    if (layer.nz) heap.free(layer.nz);
    if (layer.cbpAge) {
      heap.free(layer.cbpAge);
      heap.free(layer.cbpUtil);
      heap.free(layer.cbpMean);
      heap.free(layer.cbpScore);
      heap.free(layer.cbpPick);
      heap.free(layer.cbpInMag);
      heap.free(layer.cbpOutMag);
    }
    if (layer.noiseSeen) heap.free(layer.noiseSeen);
    heap.free(changetype<usize>(layer));
  }
  if (m.noiseTable) {
    heap.free(m.noiseTable);
    heap.free(m.noiseGain);
    heap.free(m.noiseRuns);
    heap.free(m.noiseScales);
    heap.free(m.noiseZeros);
  }
  if (m.cbpCorr) heap.free(m.cbpCorr);
  if (m.cbpScratch) heap.free(m.cbpScratch);
  heap.free(m.layers);
  heap.free(m.grads);
  heap.free(m.wt);
  if (!m.replica) {
    heap.free(m.params);
    heap.free(m.m);
    heap.free(m.v);
    heap.free(m.ag);
    heap.free(m.opt);
    heap.free(m.rng);
  }
  heap.free(changetype<usize>(m));
}

/** Fresh optimizer state: Keras' compile() builds a new optimizer. */
export function modelResetOptimizer(m: Model): void {
  const bytes = <usize>m.nParams << 2;
  memory.fill(m.m, 0, bytes);
  memory.fill(m.v, 0, bytes);
  memory.fill(m.ag, 0, bytes);
  m.step = 0;
}

export function modelShuffle(m: Model, idx: usize, n: i32): void {
  shuffleIndices(m.rng, idx, <u32>n);
}

/** Copies `rows` inputs (u8 pixels or f32) and, when labels != 0, their labels into the batch buffers. */
export function gather(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32): void {
  if (m.perm) gatherPermuted(m.x, data, isU8, m.inputSize, idx, start, rows, m.perm);
  else if (isU8) gatherU8(m.x, data, m.inputSize, idx, start, rows);
  else gatherF32(m.x, data, m.inputSize, idx, start, rows);
  if (labels) gatherLabels(m.y, labels, idx, start, rows);
}

function forward(m: Model, rows: i32): void {
  gemmSetScratch(m.scratch);
  let input = m.x;
  let ld = m.inputSize;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    const act = layer.activation;
    // ReLU and leaky ReLU run in the GEMM's epilogue; every activation after them (elu, gelu, …)
    // in activate()'s pass after it.
    const epi = act == ACT_RELU ? EPI_RELU : act == ACT_LEAKY_RELU ? EPI_LEAKY : EPI_NONE;
    if (act == ACT_LEAKY_RELU) setLeakyAlpha(layer.alpha);
    const out = act == ACT_GELU ? layer.z : layer.a;
    gemm(rows, layer.width, layer.inDim, input, ld, 1, layer.w, layer.width, out, layer.width, layer.b, epi, 0);
    if (act > ACT_LEAKY_RELU) activate(out, layer.a, rows * layer.width, act, layer.alpha);
    input = layer.a;
    ld = layer.width;
  }
}

/** Backpropagates d (the output layer's dlogits, [rows, width]) into every layer's gradients. */
function backward(m: Model, rows: i32, d: usize): void {
  gemmSetScratch(m.scratch);
  let dOut = d;
  let spare = d == m.d0 ? m.d1 : m.d0;
  for (let l = m.nLayers - 1; l >= 0; l--) {
    const layer = layerAt(m, l);
    const input = l == 0 ? m.x : layerAt(m, l - 1).a;
    // dW = Xᵀ·dY: X read transposed in place (row stride 1, column stride inDim).
    gemm(layer.inDim, layer.width, rows, input, 1, layer.inDim, dOut, layer.width, layer.gw, layer.width, 0, EPI_NONE, 0);
    // The penalty's gradient is added once, by the model itself, not by its replicas.
    if (layer.l2 > 0 && !m.replica) l2Grad(layer.w, layer.gw, layer.inDim * layer.width, <f32>(2 * layer.l2));
    sumRows(dOut, rows, layer.width, layer.width, layer.gb);
    if (l == 0) break;
    const prev = layerAt(m, l - 1);
    // dX = dY·Wᵀ, masked by the previous layer's ReLU (A > 0 exactly where Z > 0).
    transpose(layer.w, layer.inDim, layer.width, m.wt);
    const epi = prev.activation == ACT_RELU ? EPI_MASK : EPI_NONE;
    gemm(rows, layer.inDim, layer.width, dOut, layer.width, 1, m.wt, layer.inDim, spare, layer.inDim, 0, epi, prev.a);
    if (prev.activation >= ACT_LEAKY_RELU) activationGrad(spare, prev.a, prev.z, rows * layer.inDim, prev.activation, prev.alpha);
    const t = dOut;
    dOut = spare;
    spare = t;
  }
}

/**
 * Gradients of the batch's mean loss on rows [start, start+rows) (through idx when idx != 0) into
 * the gradient arena. Returns the summed loss; a non-finite loss leaves the gradients stale.
 */
export function modelGradients(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32): f64 {
  return modelGradientsPart(m, data, isU8, labels, idx, start, rows, rows);
}

/**
 * One thread's share of a data-parallel step: modelGradients on `rows` rows (maybe 0) of a batch
 * of `batchRows`, scaled by 1/batchRows, so the threads' gradients and losses add up to the
 * batch's. The regularisation penalty, like its gradient, is the model's own (batchRows·penalty),
 * not its replicas'.
 */
export function modelGradientsPart(
  m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32, batchRows: i32,
): f64 {
  gather(m, data, isU8, labels, idx, start, rows);
  forward(m, rows);
  const out = layerAt(m, m.nLayers - 1);
  const loss = softmaxXent(out.a, out.width, out.units, rows, m.y, m.d0, <f32>(1.0 / <f64>batchRows)) +
    (m.replica ? 0 : <f64>batchRows * penalty(m));
  m.correct = correct;
  if (isFinite(loss)) backward(m, rows, m.d0);
  return loss;
}

/** Σ over layers of λ·Σ w² (Keras adds it to each batch's mean loss); 0 without regularisers. */
function penalty(m: Model): f64 {
  let p: f64 = 0;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    if (layer.l2 > 0) p += layer.l2 * sumSquares(layer.w, layer.inDim * layer.width);
  }
  return p;
}

/** The model's optimizer descriptor: OPT_FIELDS f64s, laid out as assembly/codes.ts' OPTF_* fields. */
export function modelOptimizer(m: Model): usize {
  return m.opt;
}

@inline function opt(m: Model, field: i32): f64 {
  return load<f64>(m.opt + (<usize>field << 3));
}

/**
 * One optimizer step with the gradients in the arena, as the model's descriptor says, in Keras 3's
 * order: clip the gradients (clipnorm > 0: each kernel and bias by its own norm; else
 * globalClipnorm > 0: all by their joint norm; else clipvalue > 0), decoupled weight decay
 * (w −= w·wd·lr, weightDecay > 0), then the update, t += 1. The moment arenas hold adam's m and v,
 * sgd's momentum (m), rmsprop's velocity (v), momentum (m) and centered average gradient (ag).
 */
export function modelUpdate(m: Model): void {
  const clipnorm = opt(m, OPTF_CLIPNORM);
  const globalClipnorm = opt(m, OPTF_GLOBAL_CLIPNORM);
  if (clipnorm > 0) {
    for (let l = 0; l < m.nLayers; l++) {
      const layer = layerAt(m, l);
      clipByNorm(layer.gw, layer.inDim * layer.width, <f32>clipnorm);
      clipByNorm(layer.gb, layer.width, <f32>clipnorm);
    }
  } else if (globalClipnorm > 0) {
    clipByGlobalNorm(m.grads, m.nParams, <f32>globalClipnorm); // padding gradients are 0
  }
  updateRange(m, m.step + 1, 0, m.nParams);
  m.step++;
}

/**
 * modelUpdate's element-wise part (clipvalue, weight decay, the update at step t) on parameters
 * [from, to), multiples of 4; threads update disjoint ranges of one step in parallel.
 */
export function modelUpdateRange(m: Model, t: i32, from: i32, to: i32): void {
  updateRange(m, t, from, to);
}

@inline function updateRange(m: Model, t: i32, from: i32, to: i32): void {
  const off = <usize>from << 2;
  const n = to - from;
  const w = m.params + off;
  const g = m.grads + off;
  const kind = <i32>opt(m, OPTF_KIND);
  const lr = opt(m, OPTF_LEARNING_RATE);
  const clipvalue = opt(m, OPTF_CLIPVALUE);
  const wd = opt(m, OPTF_WEIGHT_DECAY);
  if (clipvalue > 0) clipByValue(g, n, <f32>clipvalue);
  if (wd > 0) weightDecay(w, n, <f32>wd, <f32>lr);
  if (kind == OPT_ADAM) {
    const beta1 = opt(m, OPTF_BETA1);
    const beta2 = opt(m, OPTF_BETA2);
    const alpha = lr * Math.sqrt(1 - Math.pow(beta2, <f64>t)) / (1 - Math.pow(beta1, <f64>t));
    adam(w, g, m.m + off, m.v + off, n, <f32>alpha, <f32>(1 - beta1), <f32>(1 - beta2), <f32>opt(m, OPTF_EPSILON));
  } else if (kind == OPT_SGD) {
    sgd(w, g, m.m + off, n, <f32>lr, <f32>opt(m, OPTF_MOMENTUM), opt(m, OPTF_NESTEROV) != 0);
  } else {
    const rho = opt(m, OPTF_RHO);
    rmsprop(
      w, g, m.v + off, m.m + off, m.ag + off, n, <f32>lr, <f32>rho, <f32>(1 - rho), <f32>opt(m, OPTF_MOMENTUM),
      <f32>opt(m, OPTF_EPSILON), kind == OPT_RMSPROP_CENTERED,
    );
  }
}

/** Sets the optimizer's step counter t (after a step whose ranges ran on several threads). */
export function modelSetStep(m: Model, t: i32): void {
  m.step = t;
}

/**
 * Adds the replicas' gradients (a u32 array of n Model pointers) into m's on [from, to), in
 * array order: for a given thread count the sum, and so training, is the same on every run.
 */
export function modelReduce(m: Model, replicas: usize, n: i32, from: i32, to: i32): void {
  const off = <usize>from << 2;
  const end = <usize>to << 2;
  for (let r = 0; r < n; r++) {
    const src = changetype<Model>(load<usize>(replicas + (<usize>r << alignof<usize>()))).grads;
    for (let p = off; p < end; p += 16) {
      v128.store(m.grads + p, f32x4.add(v128.load(m.grads + p), v128.load(src + p)));
    }
  }
}

/**
 * One training step. Returns the summed loss of the batch before the update (Keras' training
 * metrics); a non-finite loss skips the update so the caller can report the divergence.
 */
export function modelTrainBatch(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32): f64 {
  const loss = modelGradients(m, data, isU8, labels, idx, start, rows);
  if (isFinite(loss)) modelUpdate(m);
  return loss;
}

/** Summed loss over `rows` rows from `start`, in chunks of the capacity; the hit count goes to m.correct. */
export function modelEvaluate(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32, rows: i32): f64 {
  const out = layerAt(m, m.nLayers - 1);
  let loss: f64 = 0;
  let hits = 0;
  for (let s = 0; s < rows; s += m.capacity) {
    const n = min(m.capacity, rows - s);
    gather(m, data, isU8, labels, idx, start + s, n);
    forward(m, n);
    loss += softmaxXent(out.a, out.width, out.units, n, m.y, 0, 0);
    hits += correct;
  }
  m.correct = hits;
  return loss + <f64>rows * penalty(m);
}

/** Gathers `rows` (at most the capacity) inputs and runs them forward, filling every layer's outputs. */
export function modelPredictForward(m: Model, data: usize, isU8: bool, idx: usize, start: i32, rows: i32): void {
  gather(m, data, isU8, 0, idx, start, rows);
  forward(m, rows);
}

/** Output-layer values [rows, units] into out: probabilities for softmax, raw values otherwise. */
export function modelPredict(m: Model, data: usize, isU8: bool, idx: usize, start: i32, rows: i32, out: usize): void {
  const last = layerAt(m, m.nLayers - 1);
  const rowBytes = <usize>last.units << 2;
  for (let s = 0; s < rows; s += m.capacity) {
    const n = min(m.capacity, rows - s);
    modelPredictForward(m, data, isU8, idx, start + s, n);
    const dst = out + <usize>s * rowBytes;
    if (last.activation == ACT_SOFTMAX) {
      softmaxRows(last.a, last.width, last.units, n, dst);
    } else {
      for (let r = 0; r < n; r++) memory.copy(dst + <usize>r * rowBytes, last.a + ((<usize>r * last.width) << 2), rowBytes);
    }
  }
}

/**
 * Re-seeds the generator and draws every kernel again with its layer's initialiser (inits: one
 * i32 code per layer, assembly/init.ts), biases zero (randomized_asymmetric draws them too):
 * with all codes 0 it reproduces modelNew's draw exactly. For layers that ask for another
 * initialiser than glorot_uniform.
 */
export function modelInitialize(m: Model, inits: usize, seed: u32): void {
  rngSeed(m.rng, seed);
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    const fanIn = l == 0 ? m.inputSize : layerAt(m, l - 1).units;
    memory.fill(layer.w, 0, (<usize>layer.inDim * layer.width) << 2);
    memory.fill(layer.b, 0, <usize>layer.width << 2);
    initKernel(m.rng, layer.w, layer.b, fanIn, layer.units, layer.width, load<i32>(inits + (<usize>l << 2)));
  }
}

/** Sets layer l's kernel L2 regularisation factor λ: loss += λ·Σw², gradient += 2λ·w. */
export function layerSetL2(m: Model, l: i32, l2: f64): void {
  layerAt(m, l).l2 = l2;
}

/** Sets layer l's activation parameter: leaky_relu's negative slope or elu's α. */
export function layerSetAlpha(m: Model, l: i32, alpha: f32): void {
  layerAt(m, l).alpha = alpha;
}

/** Adam's step counter t (Keras' optimizer.iterations). */
export function modelStep(m: Model): i32 {
  return m.step;
}
