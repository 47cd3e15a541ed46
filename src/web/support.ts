// What the browser supports, checked before the engine is loaded.

// A minimal module whose only function returns a v128 constant: it validates exactly where the
// runtime has WebAssembly SIMD (the plain build's requirement).
// biome-ignore format: the module's bytes, a header line and one v128 constant
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, ...new Array<number>(16).fill(0), 11,
]);

export function webAssemblySupported(): boolean {
  return typeof WebAssembly === "object" && typeof WebAssembly.validate === "function";
}

export function simdSupported(): boolean {
  return webAssemblySupported() && WebAssembly.validate(SIMD_PROBE);
}
