// The engine's interface (src/engine/abi.ts) against what really implements it: the exports of
// every wasm build, and the JS twin's functions.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { KERNEL_NAMES, THREAD_NAMES } from "../src/engine/abi.js";
import { createJsKernels } from "../src/engine/js/index.js";
import { relaxedSimdSupported } from "../src/engine/wasm.js";

const BUILDS = ["simd", "relaxed", "simd-threads", "relaxed-threads"];

describe("the engine interface", () => {
  it.each(BUILDS)("build/dying-relu.%s.wasm exports exactly the listed names", (build) => {
    expect(relaxedSimdSupported()).toBe(true); // the relaxed builds compile only then
    const module = new WebAssembly.Module(readFileSync(new URL(`../build/dying-relu.${build}.wasm`, import.meta.url)));
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    expect(names.sort()).toEqual([...KERNEL_NAMES, ...THREAD_NAMES].sort());
    const kinds = Object.fromEntries(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    for (const name of names) expect(kinds[name]).toBe(name === "memory" ? "memory" : "function");
  });

  it("the JS twin implements exactly the single-thread interface", () => {
    const twin = createJsKernels();
    expect(Object.keys(twin).sort()).toEqual([...KERNEL_NAMES].sort());
    for (const name of KERNEL_NAMES) {
      if (name === "memory") expect(twin.memory).toBeInstanceOf(WebAssembly.Memory);
      else expect(typeof twin[name]).toBe("function");
    }
  });
});
