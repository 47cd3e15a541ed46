// One engine per backend, for tests that run the same case on all of them.
import { createEngine, type Engine } from "../../src/index.js";

export const BACKENDS = ["js", "wasm-simd", "wasm-relaxed"] as const;
export type Backend = (typeof BACKENDS)[number];

export async function allEngines(): Promise<Record<Backend, Engine>> {
  return {
    js: await createEngine({ backend: "js" }),
    "wasm-simd": await createEngine({ backend: "wasm-simd" }),
    "wasm-relaxed": await createEngine({ backend: "wasm-relaxed" }),
  };
}
