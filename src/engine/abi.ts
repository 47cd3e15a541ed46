// The engine's interface: what every build of assembly/index.ts exports (pointers are byte
// offsets into `memory`), and what the threaded builds add. The JS twin implements Kernels too;
// test/abi.test.ts checks both against the real modules' exports.

/**
 * The module's exports (assembly/index.ts). Pointers are byte offsets into `memory`. The js
 * backend (src/engine/js/) implements the same interface in TypeScript.
 */
export type Kernels = {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  modelNew(inputSize: number, nLayers: number, units: number, activations: number, seed: number): number;
  modelFree(m: number): void;
  /** Re-seeds and redraws every kernel with per-layer initialiser codes (i32s at inits), biases 0. */
  modelInitialize(m: number, inits: number, seed: number): void;
  modelReserve(m: number, rows: number): void;
  modelResetOptimizer(m: number): void;
  modelShuffle(m: number, idx: number, n: number): void;
  /** modelGradients, then (if the loss is finite) modelUpdate: one training step. */
  modelTrainBatch(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number;
  modelGradients(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number;
  /**
   * The model's optimizer descriptor: codes.ts' OPT_FIELDS f64s (kind, learning rate, each
   * optimizer's options, weight decay, clipping), which the host writes before an update.
   */
  modelOptimizer(m: number): number;
  /**
   * One optimizer step on the gradients of the last modelGradients, as the descriptor says:
   * clipping, decoupled weight decay, then adam, sgd, rmsprop or centered rmsprop.
   */
  modelUpdate(m: number): void;
  modelEvaluate(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number;
  modelPredict(m: number, data: number, isU8: number, idx: number, start: number, rows: number, out: number): void;
  modelCorrect(m: number): number;
  modelStep(m: number): number;
  layerWeights(m: number, l: number): number;
  layerBias(m: number, l: number): number;
  layerWeightGrads(m: number, l: number): number;
  layerBiasGrads(m: number, l: number): number;
  layerRows(m: number, l: number): number;
  layerWidth(m: number, l: number): number;
  deadReset(m: number): void;
  deadAccumulate(m: number, data: number, isU8: number, idx: number, start: number, rows: number): void;
  deadCount(m: number, l: number): number;
  /** Per-unit u32 flags of the last dead probe: nonzero = fired at least once (alive). */
  layerAlive(m: number, l: number): number;
  /** Per-unit u32 counts of the last dead probe: samples on which the output was > 0. */
  layerActive(m: number, l: number): number;
  /** Per-unit f32 sums of the last dead probe: Σ |output|, added in f32 sample by sample. */
  layerAbsSum(m: number, l: number): number;
  /**
   * ReDo: recycles the τ-dormant units of every hidden layer (on the last dead probe's Σ|output|):
   * incoming weights redrawn with the layer's initialiser code (i32s at inits), outgoing weights
   * and their moments zero. Writes one i32 flag per hidden unit (1 = recycled) at flags; returns
   * the count (assembly/recycle.ts).
   */
  modelRecycle(m: number, tau: number, inits: number, flags: number): number;
  /** Sets layer l's kernel L2 regularisation λ (Keras' kernel_regularizer=L2(λ)). */
  layerSetL2(m: number, l: number, l2: number): void;
  /** Sets layer l's leaky_relu negative slope or elu α (stored as f32). */
  layerSetAlpha(m: number, l: number, alpha: number): void;
  // Continual learning (assembly/continual.ts).
  /** The task's pixel permutation (u32 per input) every later gather applies, or 0 for none. */
  modelSetPermutation(m: number, perm: number): void;
  /** Writes a permutation of 0 … n−1 (u32s at out) drawn from a generator seeded with seed. */
  permutationOf(out: number, n: number, seed: number): void;
  /** Predict-then-train on each of `rows` rows in turn; returns the summed loss, hits in modelCorrect. */
  modelTrainOnline(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
  ): number;
  /** Shrink and Perturb: N(0, σ²) on every weight and bias after each online step (σ = 0: off). */
  modelSetNoise(m: number, sigma: number): void;
  /** Continual backprop on every hidden layer: rate ρ, decay η, maturity, initialiser codes (i32s at inits). */
  modelCbpInit(m: number, rate: number, decay: number, maturity: number, inits: number): void;
  layerCbpReplaced(m: number, l: number): number;
  layerCbpUtility(m: number, l: number, i: number): number;
  /** Adds hidden layer l's Gram matrix over the last forward's rows into out (f64, units × units). */
  layerGramAccumulate(m: number, l: number, rows: number, out: number): void;
};

/** The module's exports that only the threaded engine uses (assembly/model.ts, dead.ts). */
export type ThreadKernels = Kernels & {
  modelReplica(m: number): number;
  modelGradientsPart(
    m: number,
    data: number,
    isU8: number,
    labels: number,
    idx: number,
    start: number,
    rows: number,
    batchRows: number,
  ): number;
  /** modelUpdate's element-wise part at step t on parameters [from, to). */
  modelUpdateRange(m: number, t: number, from: number, to: number): void;
  modelSetStep(m: number, t: number): void;
  modelReduce(m: number, replicas: number, n: number, from: number, to: number): void;
  deadMerge(m: number, replica: number): void;
  modelParamCount(m: number): number;
};

// The names above as values, so that tests can hold them against each build's exports; the
// `satisfies` clauses and the Missing checks make tsc fail when a name is added to one side only.
export const KERNEL_NAMES = [
  "memory",
  "alloc",
  "free",
  "modelNew",
  "modelFree",
  "modelInitialize",
  "modelReserve",
  "modelResetOptimizer",
  "modelShuffle",
  "modelTrainBatch",
  "modelGradients",
  "modelOptimizer",
  "modelUpdate",
  "modelEvaluate",
  "modelPredict",
  "modelCorrect",
  "modelStep",
  "layerWeights",
  "layerBias",
  "layerWeightGrads",
  "layerBiasGrads",
  "layerRows",
  "layerWidth",
  "deadReset",
  "deadAccumulate",
  "deadCount",
  "layerAlive",
  "layerActive",
  "layerAbsSum",
  "modelRecycle",
  "layerSetL2",
  "layerSetAlpha",
  "modelSetPermutation",
  "permutationOf",
  "modelTrainOnline",
  "modelSetNoise",
  "modelCbpInit",
  "layerCbpReplaced",
  "layerCbpUtility",
  "layerGramAccumulate",
] as const satisfies readonly (keyof Kernels)[];

export const THREAD_NAMES = [
  "modelReplica",
  "modelGradientsPart",
  "modelUpdateRange",
  "modelSetStep",
  "modelReduce",
  "deadMerge",
  "modelParamCount",
] as const satisfies readonly Exclude<keyof ThreadKernels, keyof Kernels>[];

type Missing<T, Listed> = Exclude<keyof T, Listed>;
const everyKernelListed: [Missing<Kernels, (typeof KERNEL_NAMES)[number]>] extends [never] ? true : never = true;
const everyThreadKernelListed: [
  Missing<ThreadKernels, (typeof KERNEL_NAMES)[number] | (typeof THREAD_NAMES)[number]>,
] extends [never]
  ? true
  : never = true;
void everyKernelListed;
void everyThreadKernelListed;
