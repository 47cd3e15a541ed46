// createEngine(): one wasm instance (one linear memory) that models are created in.
import { loadKernels, resolveBackend, type BackendChoice, type WasmBackend } from "./wasm.js";
import { Sequential, type SequentialConfig } from "./sequential.js";

export interface EngineOptions {
  /** "auto" (default) picks the relaxed-SIMD build where the runtime validates it. */
  backend?: BackendChoice;
  /** Where the .wasm files are served from; defaults to the package's build/ folder. */
  wasmBase?: string | URL;
}

export interface Engine {
  readonly backend: WasmBackend;
  sequential(config: SequentialConfig): Sequential;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const backend = resolveBackend(options.backend ?? "auto");
  const kernels = await loadKernels(backend, options.wasmBase);
  return {
    backend,
    sequential: (config) => new Sequential(kernels, config),
  };
}
