// The engine's sizes, computed on the host in exact (f64) arithmetic before anything reaches
// wasm, where they are 32-bit: a model's arenas, a batch's buffers and a data set's bytes,
// against what one engine's memory can hold. A refused size is an ArgumentError that names it,
// and leaves the engine as it was.
import { ArgumentError } from "../errors.js";

/** The widest layer (and the largest input) a model may have. */
export const MAX_UNITS = 2 ** 24;

/** Units rounded up to the GEMM's 8 columns, as assembly/model.ts's roundUp. */
export const paddedWidth = (units: number) => Math.ceil(units / 8) * 8;

/**
 * Bytes one engine's memory can hold: asconfig.json's maximumMemory, 2 GiB for one thread (the
 * interface passes pointers as i32, so wasm32's 4 GiB would not do) and 1 GiB for the threaded
 * builds' shared memory.
 */
export const memoryLimit = (threads: number) => (threads > 1 ? 2 ** 30 : 2 ** 31 - 2 ** 16);

const F32 = 4;

/** The layers' input sizes and padded widths. */
function shapes(inputSize: number, units: readonly number[]) {
  const widths = units.map(paddedWidth);
  return { widths, inDims: [inputSize, ...widths.slice(0, -1)] };
}

/** Bytes of a model's arenas (parameters, gradients, three optimizer moments), its transpose buffer and probe flags. */
export function modelBytes(inputSize: number, units: readonly number[], threads: number): number {
  const { widths, inDims } = shapes(inputSize, units);
  const params = widths.reduce((s, w, l) => s + inDims[l] * w + w, 0) * F32;
  const wt = Math.max(1, ...widths.slice(1).map((w, l) => inDims[l + 1] * w)) * F32;
  const flags = 3 * widths.reduce((s, w) => s + w, 0) * F32;
  // Each further thread's replica keeps gradients, a transpose buffer and probe flags of its own.
  return 5 * params + wt + flags + (threads - 1) * (params + wt + flags);
}

/** At most the bytes of the batch buffers for `rows` rows (each further thread holds its share of them). */
export function batchBytes(rows: number, inputSize: number, units: readonly number[], threads: number): number {
  const { widths } = shapes(inputSize, units);
  const maxWidth = Math.max(...widths);
  // Outputs per layer, and pre-activations for those that keep them (counted for all: a bound).
  const perRow = (inputSize + 1 + 2 * maxWidth + 2 * widths.reduce((s, w) => s + w, 0)) * F32;
  const share = Math.ceil(rows / threads);
  return perRow * (rows + (threads - 1) * share);
}

const human = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Refuses `bytes` for `what` when they exceed the engine's memory. */
export function checkFits(what: string, bytes: number, threads: number): void {
  const limit = memoryLimit(threads);
  if (bytes > limit) {
    throw new ArgumentError(
      `${what} needs ${human(bytes)} of engine memory, more than the ${human(limit)} an engine on ${threads} thread${threads === 1 ? "" : "s"} can hold`,
    );
  }
}

/**
 * Runs an allocation in the engine and turns its failure (wasm's trap when memory cannot grow,
 * or the JS twin's RangeError) into an ArgumentError; the engine's allocator is left as it was.
 */
export function allocating<T>(what: string, bytes: number, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      throw new ArgumentError(
        `${what}: the engine's memory is full (another ${human(bytes)} does not fit; dispose of models and data sets it no longer needs)`,
      );
    }
    throw e;
  }
}
