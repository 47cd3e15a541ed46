// as-pect (AssemblyScript unit tests) configuration: `npx asp --config as-pect.config.js`.
// ESM because package.json has "type": "module" (@as-pect/cli 8 loads this file with import()).
// Compiler flags (SIMD, the as-pect transform, debug build) live in as-pect.asconfig.json, which
// asp reads from its default --as-config location next to this file.
export default {
  /** Spec files, one wasm module each. */
  entries: ["assembly/__tests__/**/*.spec.ts"],
  /** Files compiled into every spec module (none today). */
  include: ["assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  /** The kernels need no host imports beyond as-pect's own. */
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
