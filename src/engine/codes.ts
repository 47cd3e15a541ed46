// Generated from assembly/codes.ts by scripts/codes.mjs (npm run build); edit that file instead.
// The engine's codes, the one list that both sides read: the AssemblyScript kernels import it,
// and scripts/codes.mjs copies it to src/engine/codes.ts for the host and the JS twin (the build
// does, and test/abi.test.ts fails if the copy is stale). Plain integer constants, so the file
// is both valid AssemblyScript (each an i32) and valid TypeScript.

// Activations (assembly/kernels/activations.ts).
export const ACT_LINEAR = 0;
export const ACT_RELU = 1;
export const ACT_SOFTMAX = 2;
export const ACT_LEAKY_RELU = 3;
export const ACT_ELU = 4;
export const ACT_GELU = 5;

// Kernel initialisers (assembly/init.ts).
export const INIT_GLOROT_UNIFORM = 0;
export const INIT_GLOROT_NORMAL = 1;
export const INIT_HE_UNIFORM = 2;
export const INIT_HE_NORMAL = 3;
export const INIT_LECUN_NORMAL = 4;
export const INIT_LECUN_UNIFORM = 5;
export const INIT_RANDOMIZED_ASYMMETRIC = 6;

// Optimizer kinds of modelUpdate (assembly/model.ts).
export const OPT_ADAM = 0;
export const OPT_SGD = 1;
export const OPT_RMSPROP = 2;
export const OPT_RMSPROP_CENTERED = 3;

// GEMM epilogues, fused into the product's store (assembly/kernels/gemm.ts).
export const EPI_NONE = 0;
export const EPI_RELU = 1;
export const EPI_MASK = 2;
export const EPI_LEAKY = 3;

// The optimizer descriptor: one block of f64 fields per model (modelOptimizer), written by the
// host and read by modelUpdate, modelUpdateRange and modelTrainBatch (assembly/model.ts).
// Fields an optimizer does not take are ignored; booleans are 0 or 1.
export const OPTF_KIND = 0; // one of the OPT_* kinds above
export const OPTF_LEARNING_RATE = 1;
export const OPTF_BETA1 = 2; // adam
export const OPTF_BETA2 = 3; // adam
export const OPTF_EPSILON = 4; // adam, rmsprop
export const OPTF_MOMENTUM = 5; // sgd, rmsprop
export const OPTF_NESTEROV = 6; // sgd
export const OPTF_RHO = 7; // rmsprop
export const OPTF_WEIGHT_DECAY = 8; // decoupled, all kinds
export const OPTF_CLIPNORM = 9;
export const OPTF_CLIPVALUE = 10;
export const OPTF_GLOBAL_CLIPNORM = 11;
export const OPT_FIELDS = 12;

// Shrink and Perturb's table of standard normals (assembly/continual.ts): its length, a power of 2.
export const NOISE_TABLE = 1048576;
// ... and of its gains √(Σ_{k<n} r^{2k}) for the steps n of noise a row can have due.
export const NOISE_GAINS = 1024;

// The fast online step's lazy weight decay (assembly/online-step.ts) multiplies its scale into the
// kernels when the scale falls below 2^−SETTLE_SHIFT.
export const SETTLE_SHIFT = 10;
