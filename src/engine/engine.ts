// createEngine(): one wasm instance (one linear memory) that models are created in, or the
// engine's pure-TypeScript twin over a memory of its own (backend "js").
import { loadKernels, resolveBackend, type Backend, type BackendChoice } from "./wasm.js";
import { createJsKernels } from "./js-kernels.js";
import { Sequential, type SequentialConfig } from "./sequential.js";
import { ModelFileError, decodeModel } from "./model-file.js";
import { ArgumentError } from "../errors.js";

export interface EngineOptions {
  /**
   * "auto" (default) picks the relaxed-SIMD build where the runtime validates it; "js" runs the
   * same math in plain TypeScript (no wasm), for comparison.
   */
  backend?: BackendChoice;
  /** Where the .wasm files are served from; defaults to the package's build/ folder. */
  wasmBase?: string | URL;
}

export interface Engine {
  readonly backend: Backend;
  sequential(config: SequentialConfig): Sequential;
  /**
   * A model from a model file (its JSON text or the parsed object), as model.save() writes it;
   * throws a ModelFileError if it is not JSON, of another format or version, or its weights do
   * not fit its layers. Compile it before training it further.
   */
  loadModel(json: unknown): Sequential;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const backend = resolveBackend(options.backend ?? "auto");
  const kernels = backend === "js" ? createJsKernels() : await loadKernels(backend, options.wasmBase);
  return {
    backend,
    sequential: (config) => new Sequential(kernels, config),
    loadModel: (json) => {
      const { config, weights } = decodeModel(json);
      let model: Sequential;
      try {
        model = new Sequential(kernels, config);
      } catch (e) {
        if (e instanceof ArgumentError) throw new ModelFileError(`model file: ${e.message}`);
        throw e;
      }
      model.setWeights(weights);
      return model;
    },
  };
}
