// The module's exports: a flat, pointer-and-size interface for the host (src/engine/wasm.ts).
// Models are addressed by their arena pointer; the host never learns the layout beyond the
// per-layer weight and bias pointers it needs for getWeights/setWeights.
import { Model, Layer, layerAt } from "./model";

export {
  modelNew,
  modelFree,
  modelReserve,
  modelResetOptimizer,
  modelShuffle,
  modelTrainBatch,
  modelGradients,
  modelEvaluate,
  modelPredict,
  modelStep,
  layerSetAlpha,
  layerSetL2,
  modelInitialize,
  modelUpdate,
  modelOptimizer,
  modelReplica,
  modelGradientsPart,
  modelUpdateRange,
  modelSetStep,
  modelReduce,
} from "./model";
export { deadReset, deadAccumulate, deadCount, deadMerge } from "./dead";
export { modelRecycle } from "./recycle";
export { modelSetNoise } from "./noise";
export {
  modelSetPermutation,
  permutationOf,
  modelTrainOnline,
  modelCbpInit,
  layerCbpReplaced,
  layerCbpUtility,
  layerGramAccumulate,
} from "./continual";

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}

/** Floats in the parameter arena (and in each of the gradient and moment arenas). */
export function modelParamCount(m: Model): i32 {
  return m.nParams;
}

/** Hits (argmax = label) of the last modelTrainBatch or modelEvaluate call. */
export function modelCorrect(m: Model): i32 {
  return m.correct;
}

function layer(m: Model, l: i32): Layer {
  return layerAt(m, l);
}

export function layerWeights(m: Model, l: i32): usize {
  return layer(m, l).w;
}

export function layerBias(m: Model, l: i32): usize {
  return layer(m, l).b;
}

/** The kernel's gradient from the last modelGradients/modelTrainBatch, laid out as layerWeights. */
export function layerWeightGrads(m: Model, l: i32): usize {
  return layer(m, l).gw;
}

export function layerBiasGrads(m: Model, l: i32): usize {
  return layer(m, l).gb;
}

/**
 * Layer l's dead-unit probe flags: one u32 per unit (of layerWidth), nonzero once the unit has
 * fired since deadReset, zero while it is dead. deadCount counts the zeros among the first units.
 */
export function layerAlive(m: Model, l: i32): usize {
  return layer(m, l).alive;
}

/**
 * Layer l's probe activity counts: one u32 per unit (of layerWidth), the number of probe samples
 * since deadReset on which the unit's output was > 0.
 */
export function layerActive(m: Model, l: i32): usize {
  return layer(m, l).active;
}

/**
 * Layer l's probe activity sums: one f32 per unit (of layerWidth), Σ |output| over the probe
 * samples since deadReset, accumulated in f32 sample by sample in probe order.
 */
export function layerAbsSum(m: Model, l: i32): usize {
  return layer(m, l).absSum;
}

/** Row count of the stored kernel: the input size, or the previous layer's padded width. */
export function layerRows(m: Model, l: i32): i32 {
  return layer(m, l).inDim;
}

/** Row stride of the stored kernel: units rounded up to the GEMM tile width. */
export function layerWidth(m: Model, l: i32): i32 {
  return layer(m, l).width;
}
