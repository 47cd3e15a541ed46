// Data kept in an engine's wasm memory (engine.dataset), as TF.js keeps a tensor in its backend:
// fit, evaluate, predict and the probes read it in place, where an array is copied into wasm
// memory on every call (for the 48,000 training images, 37 MB and about 20 ms in fresh memory).
import { ArgumentError, show } from "../errors.js";
import type { Kernels } from "./abi.js";
import { WasmMemory, type Inputs, type Labels } from "./memory.js";

/** An array in one engine's memory; freed by its dataset's dispose(). */
abstract class Resident {
  private ptr: number | null;

  protected constructor(
    private readonly k: Kernels,
    src: Float32Array | Uint8Array | Int32Array,
    readonly length: number,
  ) {
    this.ptr = new WasmMemory(k).upload(src);
  }

  /**
   * Its address in k's memory; refuses another engine's data and disposed data.
   * @internal
   */
  pointer(k: Kernels, name: string): number {
    if (this.ptr === null) throw new ArgumentError(`${name} belongs to a dataset that was disposed`);
    if (k !== this.k)
      throw new ArgumentError(`${name} belongs to another engine's dataset; make it with this model's engine`);
    return this.ptr;
  }

  free(): void {
    if (this.ptr !== null) this.k.free(this.ptr);
    this.ptr = null;
  }
}

/** Inputs (pixel bytes or floats, samples × inputs) in an engine's memory. */
export class ResidentInputs extends Resident {
  readonly isU8: boolean;

  constructor(k: Kernels, x: Inputs) {
    super(k, x, x.length);
    this.isU8 = x instanceof Uint8Array;
  }
}

/** Class indices in an engine's memory, as Int32 (what the kernels read). */
export class ResidentLabels extends Resident {
  /** The largest label, and the first index holding it; class counts are checked per model. */
  readonly max: number;
  readonly maxAt: number;

  constructor(k: Kernels, y: Labels) {
    const labels = Int32Array.from(y);
    let maxAt = 0;
    for (let i = 0; i < labels.length; i++) {
      if (!(labels[i] >= 0)) throw new ArgumentError(`y[${i}] is ${labels[i]}, but class indices must be ≥ 0`);
      if (labels[i] > labels[maxAt]) maxAt = i;
    }
    super(k, labels, labels.length);
    this.max = labels.length ? labels[maxAt] : -1;
    this.maxAt = maxAt;
  }
}

export interface Dataset<Y extends ResidentLabels | null = ResidentLabels | null> {
  /** Pass as x (fit, evaluate, predict, trainOnBatch, computeGradients, the probes, validationData). */
  readonly x: ResidentInputs;
  /** Pass as y; null when the dataset was made from inputs alone. */
  readonly y: Y;
  /** Frees both arrays; passing them afterwards is an error. */
  dispose(): void;
}

/** Copies x (and y) into k's memory once; see engine.dataset. */
export function makeDataset(k: Kernels, x: Inputs, y?: Labels): Dataset {
  if (!(x instanceof Float32Array) && !(x instanceof Uint8Array)) {
    throw new ArgumentError(`x must be a Float32Array or a Uint8Array of pixel bytes, got ${show(x)}`);
  }
  if (x.length === 0) throw new ArgumentError("x must hold at least one sample, got 0 values");
  if (y !== undefined && !(y instanceof Uint8Array) && !(y instanceof Int32Array)) {
    throw new ArgumentError(`y must be class indices in a Uint8Array or Int32Array, got ${show(y)}`);
  }
  const labels = y === undefined ? null : new ResidentLabels(k, y);
  let inputs: ResidentInputs;
  try {
    inputs = new ResidentInputs(k, x);
  } catch (e) {
    labels?.free();
    throw e;
  }
  return {
    x: inputs,
    y: labels,
    dispose: () => {
      inputs.free();
      labels?.free();
    },
  };
}
