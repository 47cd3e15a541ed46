// The library API: Keras/TF.js names over the wasm engine.
export { createEngine, type Engine, type EngineOptions } from "./engine/engine.js";
export {
  relaxedSimdSupported,
  type Backend,
  type WasmBackend,
  type BackendChoice,
  type RelaxedRuntime,
} from "./engine/wasm.js";
export { Sequential } from "./engine/sequential.js";
export { ACTIVATIONS, HIDDEN_ACTIVATIONS, type Activation, type HiddenActivation } from "./engine/activations.js";
export { INITIALIZERS, type Initializer } from "./engine/initializers.js";
export {
  DEFAULT_SEED,
  type LayerConfig,
  type SequentialConfig,
  type FitOptions,
  type Callbacks,
  type Logs,
  type History,
  type Divergence,
  type LayerWeights,
  type Labels,
  type InputData,
  type LabelData,
  type RecycleOptions,
  type RecycledUnits,
} from "./engine/types.js";
export { OPTIMIZERS, type OptimizerName, type CompileConfig } from "./engine/optimizer.js";
export {
  DEFAULT_NEARLY_DEAD_THRESHOLD,
  DEFAULT_TAU,
  type DeadUnits,
  type DeadUnitsOptions,
  type UnitActivity,
} from "./engine/dead-units.js";
export type { Inputs } from "./engine/memory.js";
export type { Dataset, ResidentInputs, ResidentLabels } from "./engine/dataset.js";
export { ModelFileError, MODEL_FORMAT, MODEL_VERSION, type ModelFile } from "./engine/model-file.js";
export { DyingReluError, ArgumentError, DataError } from "./errors.js";
export { parseIdx, type IdxTensor } from "./data/idx.js";
export {
  mnistFromBuffers,
  fetchMnist,
  MNIST_FILES,
  type Mnist,
  type MnistBuffers,
  type Split,
  type FetchMnistOptions,
} from "./data/mnist.js";
export { checkStudy, studyCells, NOTEBOOK, type StudyConfig } from "./study/config.js";
export { expandGrid, type Axes, type Cell, type Shard } from "./study/grid.js";
export { runOne, runStudy, type RunHooks, type StudyHooks, type EpochEnd, type TrainBegin } from "./study/run.js";
export type { Run, Report, ReportConfig } from "./study/schema.js";
