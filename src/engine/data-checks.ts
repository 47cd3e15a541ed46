// The checks a model runs on the inputs and labels it is given, before anything reaches wasm:
// arrays of the right type and length, or the engine's own datasets, and labels among its classes.
import { ArgumentError, show } from "../errors.js";
import type { Kernels } from "./abi.js";
import { ResidentInputs, ResidentLabels } from "./dataset.js";
import type { InputData, LabelData } from "./types.js";

/** How many samples of `inputSize` values x holds; throws an ArgumentError naming `name` otherwise. */
export function rowsOf(k: Kernels, inputSize: number, x: InputData, name: string): number {
  if (x instanceof ResidentInputs) x.pointer(k, name);
  else if (!(x instanceof Float32Array) && !(x instanceof Uint8Array)) {
    throw new ArgumentError(`${name} must be a Float32Array or a Uint8Array of pixel bytes, got ${show(x)}`);
  }
  if (x.length === 0 || x.length % inputSize !== 0) {
    throw new ArgumentError(`${name} must hold whole samples of ${inputSize} values, got ${x.length} values`);
  }
  return x.length / inputSize;
}

/** Checks that y holds `rows` class indices in [0, classes). */
export function checkLabels(k: Kernels, classes: number, y: LabelData, rows: number, name: string): void {
  if (y instanceof ResidentLabels) y.pointer(k, name);
  else if (!(y instanceof Uint8Array) && !(y instanceof Int32Array)) {
    throw new ArgumentError(`${name} must be class indices in a Uint8Array or Int32Array, got ${show(y)}`);
  }
  if (y.length !== rows) throw new ArgumentError(`${name} has ${y.length} labels for ${rows} samples`);
  if (y instanceof ResidentLabels) {
    if (y.max >= classes)
      throw new ArgumentError(`${name}[${y.maxAt}] is ${y.max}, but class indices must be in [0, ${classes})`);
    return;
  }
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < classes)) {
      throw new ArgumentError(`${name}[${i}] is ${y[i]}, but class indices must be in [0, ${classes})`);
    }
  }
}

/** 1 when x holds pixel bytes (the kernels scale them by 1/255), 0 for floats. */
export function pixelBytes(x: InputData): number {
  return x instanceof Uint8Array || (x instanceof ResidentInputs && x.isU8) ? 1 : 0;
}
