// The engine in plain TypeScript: the same flat, pointer-and-size interface as the wasm module
// (assembly/index.ts) over a WebAssembly.Memory used as a growable ArrayBuffer, with the same
// layout (assembly/model.ts) and the same math, so Sequential runs on it unchanged. It is the
// "plain JS" side of the wasm-vs-JS comparison, written as good scalar JS: one Float32Array view
// indexed by float offsets, i-k-j loops unrolled four deep along k (the sums keep the wasm
// engine's order, accumulated in f64 until the store), and no allocation inside a step.
//
// The PRNG, every kernel initialiser, the pixel scaling, the bias-gradient sums, leaky_relu, and
// the optimizer updates (Adam, SGD, RMSprop, weight decay, clipping) are bit-exact with the wasm
// engine (each f32 operation is one Math.fround of the f64 result, which is the correctly rounded
// f32 result); elu and gelu are too wherever V8's f64 exp agrees with the wasm's. The products and
// the softmax differ in the last bits only: each group of four products is summed in f64 and
// rounded to f32 once (the wasm rounds every multiply-add), and exp/log are f64's. Where f32 could overflow, the products switch to rounding every operation
// (see gemm.ts), so blow-ups diverge exactly as on wasm; rounding every operation
// always would make training about 1.5× slower.
//
// The files beside this one mirror assembly/ one family each, and heap.ts holds the memory and
// its allocator; createJsKernels below keeps the models and assembly/model.ts's functions.
import type { Kernels } from "../abi.js";
import { activate, activationGrad } from "./activations.js";
import { deadAccumulateRows, deadCount, deadReset, recycle } from "./dead.js";
import { BYTE_SCALE } from "./gather.js";
import { Heap } from "./heap.js";
import { gemmRows, NR, sumRows, transpose, weightGrad } from "./gemm.js";
import { initKernel } from "./init.js";
import type { Layer, Model } from "./model.js";
import { continualKernels } from "./continual.js";
import { updateModel } from "./update.js";
import { rngSeed, shuffleIndices } from "./prng.js";
import { softmaxRows, softmaxXent } from "./softmax_xent.js";
import { ACT_GELU, ACT_LEAKY_RELU, ACT_RELU, ACT_SOFTMAX, INIT_GLOROT_UNIFORM, OPT_FIELDS } from "../codes.js";

const ALIGN = 16;

/** A fresh engine instance: its own memory, allocator and models, behind the wasm Kernels type. */
export function createJsKernels(): Kernels {
  const heap = new Heap();
  const memory = heap.memory;
  let { F, I, U, B } = heap;

  /** Picks up the heap's views again after an allocation grew (and so detached) the memory. */
  function views(): void {
    ({ F, I, U, B } = heap);
  }

  function alloc(bytes: number): number {
    const p = heap.alloc(bytes);
    views();
    return p;
  }

  function allocZeroed(bytes: number): number {
    const p = heap.allocZeroed(bytes);
    views();
    return p;
  }

  const free = (ptr: number): void => heap.free(ptr);

  const models = new Map<number, Model>();

  function model(m: number): Model {
    const model = models.get(m);
    if (!model) throw new Error(`js engine: no model at ${m}`);
    return model;
  }

  function layer(m: number, l: number): Layer {
    const layer = model(m).layers[l];
    if (!layer) throw new Error(`js engine: model ${m} has no layer ${l}`);
    return layer;
  }

  function modelNew(inputSize: number, nLayers: number, units: number, activations: number, seed: number): number {
    views();
    const layers: Layer[] = [];
    let inDim = inputSize;
    let total = 0;
    let wtSize = 0;
    let maxWidth = 0;
    for (let l = 0; l < nLayers; l++) {
      const u = I[(units >> 2) + l];
      const width = (u + NR - 1) & ~(NR - 1);
      layers.push({
        inDim,
        units: u,
        width,
        activation: I[(activations >> 2) + l],
        alpha: 0,
        l2: 0,
        w: 0,
        b: 0,
        gw: 0,
        gb: 0,
        a: 0,
        z: 0,
        alive: 0,
        active: 0,
        absSum: 0,
      });
      total += inDim * width + width;
      if (l > 0) wtSize = Math.max(wtSize, inDim * width);
      maxWidth = Math.max(maxWidth, width);
      inDim = width;
    }
    const bytes = total * 4;
    const md: Model = {
      inputSize,
      layers,
      nParams: total,
      params: allocZeroed(bytes),
      grads: allocZeroed(bytes),
      m: allocZeroed(bytes),
      v: allocZeroed(bytes),
      ag: allocZeroed(bytes),
      opt: allocZeroed(OPT_FIELDS * 8),
      capacity: 0,
      x: 0,
      y: 0,
      d0: 0,
      d1: 0,
      wt: alloc(Math.max(wtSize, 1) * 4),
      maxWidth,
      rng: new Uint32Array(4),
      step: 0,
      correct: 0,
      perm: 0,
      wScale: 1,
      noiseSigma: 0,
      noiseTable: null,
      noiseCursor: 0,
      noiseClock: 0,
      noiseGain: null,
      noiseDecay: 0,
      cbpRate: 0,
      cbpDecay: 0,
      cbpMaturity: 0,
    };
    rngSeed(md.rng, seed);
    let off = 0;
    for (let l = 0; l < nLayers; l++) {
      const ly = layers[l];
      ly.w = md.params + off;
      ly.gw = md.grads + off;
      off += ly.inDim * ly.width * 4;
      ly.b = md.params + off;
      ly.gb = md.grads + off;
      off += ly.width * 4;
      ly.alive = allocZeroed(ly.width * 4);
      ly.active = allocZeroed(ly.width * 4);
      ly.absSum = allocZeroed(ly.width * 4);
      // Glorot-uniform, drawn row by row over the real units as assembly/init.ts does.
      const fanIn = l === 0 ? inputSize : layers[l - 1].units;
      initKernel(F, md.rng, ly.w >> 2, ly.b >> 2, fanIn, ly.units, ly.width, INIT_GLOROT_UNIFORM);
    }
    const handle = alloc(ALIGN);
    models.set(handle, md);
    return handle;
  }

  /** Re-seeds and redraws every kernel with its layer's initialiser, biases zero (or RAI's), as modelInitialize. */
  function modelInitialize(m: number, inits: number, seed: number): void {
    views();
    const md = model(m);
    rngSeed(md.rng, seed);
    md.layers.forEach((ly, l) => {
      const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
      F.fill(0, ly.w >> 2, (ly.w >> 2) + ly.inDim * ly.width);
      F.fill(0, ly.b >> 2, (ly.b >> 2) + ly.width);
      initKernel(F, md.rng, ly.w >> 2, ly.b >> 2, fanIn, ly.units, ly.width, I[(inits >> 2) + l]);
    });
  }

  function freeBatchBuffers(md: Model): void {
    if (md.capacity === 0) return;
    free(md.x);
    free(md.y);
    free(md.d0);
    free(md.d1);
    for (const ly of md.layers) {
      free(ly.a);
      if (ly.z) free(ly.z);
      ly.z = 0;
    }
  }

  function modelReserve(m: number, rows: number): void {
    const md = model(m);
    if (rows <= md.capacity) return;
    freeBatchBuffers(md);
    md.capacity = rows;
    md.x = alloc(rows * md.inputSize * 4);
    md.y = alloc(rows * 4);
    md.d0 = alloc(rows * md.maxWidth * 4);
    md.d1 = alloc(rows * md.maxWidth * 4);
    for (const ly of md.layers) {
      ly.a = allocZeroed(rows * ly.width * 4);
      if (ly.activation === ACT_GELU) ly.z = allocZeroed(rows * ly.width * 4);
    }
  }

  function modelFree(m: number): void {
    const md = model(m);
    freeBatchBuffers(md);
    for (const ly of md.layers) {
      free(ly.alive);
      free(ly.active);
      free(ly.absSum);
    }
    free(md.params);
    free(md.grads);
    free(md.m);
    free(md.v);
    free(md.ag);
    free(md.opt);
    free(md.wt);
    models.delete(m);
    free(m);
  }

  function modelResetOptimizer(m: number): void {
    views();
    const md = model(m);
    F.fill(0, md.m >> 2, (md.m >> 2) + md.nParams);
    F.fill(0, md.v >> 2, (md.v >> 2) + md.nParams);
    F.fill(0, md.ag >> 2, (md.ag >> 2) + md.nParams);
    md.step = 0;
  }

  function modelShuffle(m: number, idx: number, n: number): void {
    views();
    shuffleIndices(model(m).rng, U, idx >> 2, n);
  }

  /** Copies `rows` inputs (and labels when labels != 0) into the batch buffers, through idx when != 0. */
  function gather(
    md: Model,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): void {
    const dim = md.inputSize;
    const x = md.x >> 2;
    const ix = idx >> 2;
    const perm = md.perm >> 2;
    for (let r = 0; r < rows; r++) {
      const row = idx ? U[ix + start + r] : start + r;
      const dst = x + r * dim;
      if (perm) {
        for (let j = 0; j < dim; j++)
          F[dst + j] = isU8 ? BYTE_SCALE[B[data + row * dim + U[perm + j]]] : F[(data >> 2) + row * dim + U[perm + j]];
      } else if (isU8) {
        const src = data + row * dim;
        for (let j = 0; j < dim; j++) F[dst + j] = BYTE_SCALE[B[src + j]];
      } else {
        const src = (data >> 2) + row * dim;
        F.copyWithin(dst, src, src + dim);
      }
    }
    if (labels) {
      const y = md.y >> 2;
      const lb = labels >> 2;
      for (let r = 0; r < rows; r++) I[y + r] = I[lb + (idx ? U[ix + start + r] : start + r)];
    }
  }

  function forward(md: Model, rows: number): void {
    let input = md.x >> 2;
    let ld = md.inputSize;
    for (const ly of md.layers) {
      const a = ly.a >> 2;
      const out = ly.activation === ACT_GELU ? ly.z >> 2 : a;
      gemmRows(F, rows, ly.inDim, ly.width, input, ld, ly.w >> 2, out, ly.b >> 2, ly.activation === ACT_RELU, -1);
      if (ly.activation >= ACT_LEAKY_RELU) activate(F, out, a, rows * ly.width, ly.activation, ly.alpha);
      input = a;
      ld = ly.width;
    }
  }

  /** Backpropagates d (the output layer's dlogits) into every layer's gradients. */
  function backward(md: Model, rows: number, d: number): void {
    const layers = md.layers;
    let dOut = d;
    let spare = d === md.d0 ? md.d1 : md.d0;
    for (let l = layers.length - 1; l >= 0; l--) {
      const ly = layers[l];
      const input = l === 0 ? md.x : layers[l - 1].a;
      weightGrad(F, rows, ly.inDim, ly.width, input >> 2, ly.inDim, dOut >> 2, ly.gw >> 2);
      if (ly.l2 > 0) {
        const [w, g, n, t] = [ly.w >> 2, ly.gw >> 2, ly.inDim * ly.width, Math.fround(2 * ly.l2)];
        for (let i = 0; i < n; i++) F[g + i] += Math.fround(F[w + i] * t);
      }
      sumRows(F, rows, ly.width, dOut >> 2, ly.gb >> 2);
      if (l === 0) break;
      const prev = layers[l - 1];
      transpose(F, ly.w >> 2, ly.inDim, ly.width, md.wt >> 2);
      gemmRows(
        F,
        rows,
        ly.width,
        ly.inDim,
        dOut >> 2,
        ly.width,
        md.wt >> 2,
        spare >> 2,
        -1,
        false,
        prev.activation === ACT_RELU ? prev.a >> 2 : -1,
      );
      if (prev.activation >= ACT_LEAKY_RELU) {
        activationGrad(F, spare >> 2, prev.a >> 2, prev.z >> 2, rows * ly.inDim, prev.activation, prev.alpha);
      }
      const t = dOut;
      dOut = spare;
      spare = t;
    }
  }

  /** Σ over layers of λ·Σ w², as penalty in assembly/model.ts. */
  function penalty(md: Model): number {
    let p = 0;
    for (const ly of md.layers) {
      if (!(ly.l2 > 0)) continue;
      const [w, n] = [ly.w >> 2, ly.inDim * ly.width];
      let sum = 0;
      for (let i = 0; i < n; i++) sum += F[w + i] * F[w + i];
      p += ly.l2 * sum;
    }
    return p;
  }

  function gradients(
    md: Model,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    gather(md, data, isU8, labels, idx, start, rows);
    forward(md, rows);
    const out = md.layers[md.layers.length - 1];
    const loss =
      softmaxXent(F, I, out.a >> 2, out.width, out.units, rows, md.y >> 2, md.d0 >> 2, Math.fround(1 / rows), md) +
      rows * penalty(md);
    if (Number.isFinite(loss)) backward(md, rows, md.d0);
    return loss;
  }

  function modelGradients(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    views();
    return gradients(model(m), data, isU8, labels, idx, start, rows);
  }

  function modelTrainBatch(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    views();
    const loss = gradients(model(m), data, isU8, labels, idx, start, rows);
    if (Number.isFinite(loss)) modelUpdate(m);
    return loss;
  }

  const modelOptimizer = (m: number): number => model(m).opt;

  /** assembly/model.ts's modelUpdate: clip, decoupled weight decay, then adam, sgd or rmsprop (plain or centered). */
  function modelUpdate(m: number): void {
    views();
    const md = model(m);
    updateModel(F, new Float64Array(memory.buffer, md.opt, OPT_FIELDS), md);
  }

  function modelEvaluate(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number {
    views();
    const md = model(m);
    const out = md.layers[md.layers.length - 1];
    let loss = 0;
    let hits = 0;
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, labels, idx, start + s, n);
      forward(md, n);
      loss += softmaxXent(F, I, out.a >> 2, out.width, out.units, n, md.y >> 2, -1, 0, md);
      hits += md.correct;
    }
    md.correct = hits;
    return loss + rows * penalty(md);
  }

  function modelPredict(
    m: number,
    data: number,
    isU8: number,
    idx: number,
    start: number,
    rows: number,
    out: number,
  ): void {
    views();
    const md = model(m);
    const last = md.layers[md.layers.length - 1];
    const a = last.a >> 2;
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, 0, idx, start + s, n);
      forward(md, n);
      const dst = (out >> 2) + s * last.units;
      if (last.activation === ACT_SOFTMAX) {
        softmaxRows(F, a, last.width, last.units, n, dst);
      } else {
        for (let r = 0; r < n; r++)
          F.copyWithin(dst + r * last.units, a + r * last.width, a + r * last.width + last.units);
      }
    }
  }

  function deadAccumulate(m: number, data: number, isU8: number, idx: number, start: number, rows: number): void {
    views();
    const md = model(m);
    for (let s = 0; s < rows; s += md.capacity) {
      const n = Math.min(md.capacity, rows - s);
      gather(md, data, isU8, 0, idx, start + s, n);
      forward(md, n);
      deadAccumulateRows(F, I, md, n);
    }
  }

  return {
    memory,
    alloc,
    free,
    modelNew,
    modelFree,
    modelInitialize,
    modelReserve,
    modelResetOptimizer,
    modelShuffle,
    modelTrainBatch,
    modelGradients,
    modelOptimizer,
    modelUpdate,
    modelEvaluate,
    modelPredict,
    modelCorrect: (m) => model(m).correct,
    modelStep: (m) => model(m).step,
    layerWeights: (m, l) => layer(m, l).w,
    layerBias: (m, l) => layer(m, l).b,
    layerWeightGrads: (m, l) => layer(m, l).gw,
    layerBiasGrads: (m, l) => layer(m, l).gb,
    layerRows: (m, l) => layer(m, l).inDim,
    layerWidth: (m, l) => layer(m, l).width,
    layerAlive: (m, l) => layer(m, l).alive,
    layerActive: (m, l) => layer(m, l).active,
    layerAbsSum: (m, l) => layer(m, l).absSum,
    layerSetL2: (m, l, l2) => {
      layer(m, l).l2 = l2;
    },
    layerSetAlpha: (m, l, alpha) => {
      layer(m, l).alpha = Math.fround(alpha);
    },
    deadReset: (m) => {
      views();
      deadReset(F, I, model(m));
    },
    deadAccumulate,
    deadCount: (m, l) => {
      layer(m, l);
      views();
      return deadCount(I, model(m), l);
    },
    modelRecycle: (m, tau, inits, flags) => {
      views();
      return recycle(F, I, model(m), tau, inits, flags);
    },
    ...continualKernels({
      heap,
      model,
      layer,
      gradients: (md, data, isU8, labels, idx, start, rows) => {
        views();
        return gradients(md, data, isU8, labels, idx, start, rows);
      },
      gather: (md, data, isU8, labels, idx, start, rows) => {
        views();
        gather(md, data, isU8, labels, idx, start, rows);
      },
      modelUpdate,
    }),
  };
}
