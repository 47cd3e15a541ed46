// The engine's interface (src/engine/abi.ts) against what really implements it: the exports of
// every wasm build, and the JS twin's functions.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { KERNEL_NAMES, THREAD_NAMES } from "../src/engine/abi.js";
import { createJsKernels } from "../src/engine/js/index.js";
import { relaxedSimdSupported } from "../src/engine/wasm.js";
import * as codes from "../src/engine/codes.js";
import { ACTIVATION_SPECS } from "../src/engine/activations.js";
import { INITIALIZER_CODES } from "../src/engine/initializers.js";

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

describe("the engine's codes", () => {
  it("src/engine/codes.ts is the current copy of assembly/codes.ts", async () => {
    // @ts-expect-error: a plain .mjs build script without type declarations
    const { generatedCodes } = await import("../scripts/codes.mjs");
    expect(readFileSync(new URL("../src/engine/codes.ts", import.meta.url), "utf8")).toBe(generatedCodes());
  });

  it("the registries give every activation and initialiser its own code, as the engine numbers them", () => {
    const activationCodes = Object.values(ACTIVATION_SPECS).map((s) => s.code);
    expect(new Set(activationCodes).size).toBe(activationCodes.length);
    expect(activationCodes.sort()).toEqual(
      Object.entries(codes)
        .filter(([name]) => name.startsWith("ACT_"))
        .map(([, code]) => code)
        .sort(),
    );
    expect(ACTIVATION_SPECS.relu.code).toBe(codes.ACT_RELU);
    expect(ACTIVATION_SPECS.gelu.code).toBe(codes.ACT_GELU);
    const initCodes = Object.values(INITIALIZER_CODES);
    expect(initCodes.sort()).toEqual(
      Object.entries(codes)
        .filter(([name]) => name.startsWith("INIT_"))
        .map(([, code]) => code)
        .sort(),
    );
    expect(INITIALIZER_CODES.he_normal).toBe(codes.INIT_HE_NORMAL);
  });
});
