// Loads the engine's wasm module (Node or browser) and picks the build this runtime accepts.
import { instantiate } from "@assemblyscript/loader";
import { ArgumentError, DyingReluError, show } from "../errors.js";
import { defaultWasmUrl, readFileUrl, setV8Flag } from "./wasm-location.js";
import type { Kernels, ThreadKernels } from "./abi.js";

export type WasmBackend = "wasm-relaxed" | "wasm-simd";
/** "js" is the engine's pure-TypeScript twin (src/engine/js/); "auto" stays wasm. */
export type BackendChoice = "auto" | WasmBackend | "js";
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "wasm-relaxed", "wasm-simd", "js"];
export type Backend = WasmBackend | "js";

// A minimal module whose only function uses f32x4.relaxed_madd: it validates exactly where the
// runtime accepts relaxed SIMD (Node ≥ 22, Chromium ≥ 114; Node 20 only behind a flag).
// biome-ignore format: the module's bytes, a header line, three v128 constants and the relaxed instruction
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array<number>(16).fill(0)]),
  253, 133, 2, 11,
]);

// Node 20 (V8 11) has relaxed SIMD behind this V8 flag, which Node ≥ 22 rejects as a command-line
// option. Set at run time it is process-wide: worker threads started afterwards accept it too.
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

type RelaxedSupport = "native" | "v8-flag" | "needs-v8-flag" | "none";

/** What the relaxed-SIMD check asks of the runtime; tests pass their own. */
export interface RelaxedRuntime {
  validate(): boolean;
  /** Sets a V8 flag, where the runtime can (Node); null in a page. */
  setV8Flag: ((flag: string) => void) | null;
  /** Whether this check has set the flag already. */
  flagSet: boolean;
}

const runtime: RelaxedRuntime = { validate: () => WebAssembly.validate(RELAXED_PROBE), setV8Flag, flagSet: false };

function relaxedSupport(allowFlag: boolean, rt: RelaxedRuntime): RelaxedSupport {
  if (rt.validate()) return rt.flagSet ? "v8-flag" : "native";
  // Only a runtime that fails the probe gets here, so the flag is set only where V8 knows it.
  if (!rt.setV8Flag) return "none";
  if (!allowFlag) return "needs-v8-flag";
  rt.setV8Flag(RELAXED_FLAG);
  rt.flagSet = rt.validate();
  return rt.flagSet ? "v8-flag" : "none";
}

/**
 * Whether the engine can run its relaxed-SIMD build here. On Node 20 this turns relaxed SIMD on
 * (a process-wide V8 flag) unless `setV8Flag` is false.
 */
export function relaxedSimdSupported(setV8Flag = true, rt = runtime): boolean {
  const support = relaxedSupport(setV8Flag, rt);
  return support === "native" || support === "v8-flag";
}

/** The build an engine runs, and why that one. */
export interface BackendResolution {
  backend: Backend;
  note: string;
}

const RELAXED_NOTES: Record<RelaxedSupport, string> = {
  native: "relaxed SIMD supported by this runtime",
  "v8-flag": `relaxed SIMD turned on at run time, as Node 20 keeps it behind the V8 flag ${RELAXED_FLAG}`,
  "needs-v8-flag": `relaxed SIMD needs the V8 flag ${RELAXED_FLAG} here, and setV8Flag is false`,
  none: "this runtime has no relaxed SIMD",
};

/**
 * Resolves a backend choice to the build that runs. "auto" takes relaxed SIMD where the runtime
 * has it (turning it on on Node 20 unless setV8Flag is false), else plain SIMD.
 */
export function chooseBackend(choice: BackendChoice, setV8Flag = true, rt = runtime): BackendResolution {
  if (choice === "wasm-simd") return { backend: choice, note: "plain SIMD, as asked" };
  if (choice === "js") return { backend: choice, note: "the TypeScript twin, as asked" };
  if (choice !== "auto" && choice !== "wasm-relaxed") {
    const names = BACKEND_CHOICES.map((c) => `"${c}"`);
    throw new ArgumentError(`backend must be ${names.slice(0, -1).join(", ")} or ${names.at(-1)}, got ${show(choice)}`);
  }
  const support = relaxedSupport(setV8Flag, rt);
  const note = RELAXED_NOTES[support];
  if (support === "native" || support === "v8-flag") return { backend: "wasm-relaxed", note };
  if (choice === "auto") return { backend: "wasm-simd", note: `plain SIMD: ${note}` };
  throw new ArgumentError(`backend "wasm-relaxed" cannot run here: ${note}; use "wasm-simd" or "auto"`);
}

export function resolveBackend(choice: BackendChoice, setV8Flag = true, rt = runtime): Backend {
  return chooseBackend(choice, setV8Flag, rt).backend;
}

const FILES: Record<WasmBackend, string> = {
  "wasm-simd": "dying-relu.simd.wasm",
  "wasm-relaxed": "dying-relu.relaxed.wasm",
};
// The same source built with threads: its memory is imported, shared, at most MAX_PAGES.
const THREADED_FILES: Record<WasmBackend, string> = {
  "wasm-simd": "dying-relu.simd-threads.wasm",
  "wasm-relaxed": "dying-relu.relaxed-threads.wasm",
};
const MAX_PAGES = 16384; // 1 GiB, asconfig.json's maximumMemory

async function readBytes(url: URL): Promise<ArrayBuffer | Response> {
  if (url.protocol === "file:" && readFileUrl) {
    try {
      return await readFileUrl(url);
    } catch {
      throw new DyingReluError(`cannot read the engine's wasm module ${url.pathname}: run "npm run build" first`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new DyingReluError(`cannot fetch the engine's wasm module ${url}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (!response.ok) throw new DyingReluError(`cannot fetch the engine's wasm module ${url}: HTTP ${response.status}`);
  return response;
}

// compileStreaming needs the server to say Content-Type: application/wasm; fall back to the bytes.
async function compileResponse(response: Response): Promise<WebAssembly.Module> {
  if (
    typeof WebAssembly.compileStreaming === "function" &&
    response.headers.get("content-type")?.startsWith("application/wasm")
  ) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

const cache = new Map<string, Promise<WebAssembly.Module>>();

function compile(url: URL): Promise<WebAssembly.Module> {
  let module = cache.get(url.href);
  if (!module) {
    module = readBytes(url).then((src) => (src instanceof Response ? compileResponse(src) : WebAssembly.compile(src)));
    module.catch(() => cache.delete(url.href)); // let a later call retry
    cache.set(url.href, module);
  }
  return module;
}

/** A folder URL; in a page or worker a relative one ("wasm/", "/assets/") is resolved against its location. */
function folderUrl(base: string | URL): URL {
  let url: URL;
  try {
    url = new URL(base, globalThis.location?.href);
  } catch {
    throw new ArgumentError(`wasmBase must be a URL of the folder holding the .wasm files, got ${show(base)}`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function moduleUrl(file: string, base?: string | URL): URL {
  return base === undefined ? defaultWasmUrl(file) : new URL(file, folderUrl(base));
}

/** Instantiates the chosen build; every engine owns its own instance and memory. */
export async function loadKernels(backend: WasmBackend, base?: string | URL): Promise<Kernels> {
  const module = await compile(moduleUrl(FILES[backend], base));
  const { exports } = await instantiate<Kernels>(module, {});
  return exports as unknown as Kernels;
}

/**
 * The chosen build's threaded variant on a fresh shared memory, plus its compiled module, from
 * which the engine's worker threads make their own instances over the same memory.
 */
export async function loadThreadedKernels(
  backend: WasmBackend,
  base?: string | URL,
): Promise<{ kernels: ThreadKernels; module: WebAssembly.Module }> {
  const module = await compile(moduleUrl(THREADED_FILES[backend], base));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const { exports } = await instantiate<ThreadKernels>(module, { env: { memory } });
  return { kernels: exports as unknown as ThreadKernels, module };
}
