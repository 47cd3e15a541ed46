// The library API: Keras/TF.js names over the wasm engine.
export { createEngine, type Engine, type EngineOptions } from "./engine/engine.js";
export { relaxedSimdSupported, type WasmBackend, type BackendChoice } from "./engine/wasm.js";
export {
  Sequential, DEFAULT_SEED,
  type Activation, type Initializer, type OptimizerName, type LayerConfig, type SequentialConfig, type CompileConfig, type FitOptions,
  type Callbacks, type Logs, type History, type Divergence, type LayerWeights, type DeadUnits, type DeadUnitsOptions, type UnitActivity, type Labels,
  type RecycleOptions, type RecycledUnits,
} from "./engine/sequential.js";
export type { Inputs } from "./engine/memory.js";
export { ModelFileError, MODEL_FORMAT, MODEL_VERSION, type ModelFile } from "./engine/model-file.js";
export { DyingReluError, ArgumentError, DataError } from "./errors.js";
export { parseIdx, type IdxTensor } from "./data/idx.js";
export {
  mnistFromBuffers, fetchMnist, MNIST_FILES, type Mnist, type MnistBuffers, type Split, type FetchMnistOptions,
} from "./data/mnist.js";
export { runStudy, checkStudy, NOTEBOOK, type StudyConfig, type Run, type StudyHooks, type EpochEnd } from "./study.js";
