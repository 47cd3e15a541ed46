// Compiles bench/wasm/kernels.ts like the engine (same flags as asconfig.json), plain and relaxed.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const KERNEL_FILES = {
  "wasm-simd": "build/bench-kernels.simd.wasm",
  "wasm-relaxed": "build/bench-kernels.relaxed.wasm",
};

export function buildBenchKernels() {
  mkdirSync(`${root}build`, { recursive: true });
  for (const [backend, out] of Object.entries(KERNEL_FILES)) {
    const features =
      backend === "wasm-relaxed" ? ["--enable", "simd", "--enable", "relaxed-simd"] : ["--enable", "simd"];
    execFileSync(
      process.execPath,
      [
        `${root}node_modules/assemblyscript/bin/asc.js`,
        "bench/wasm/kernels.ts",
        "-O3",
        "--converge",
        "--noAssert",
        "--runtime",
        "minimal",
        ...features,
        "-o",
        out,
      ],
      { cwd: root, stdio: "inherit" },
    );
  }
}
