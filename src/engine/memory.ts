// Host-side access to the engine's linear memory. Views are made on demand because any
// allocation may grow the memory and detach earlier views.
import type { Kernels } from "./abi.js";
import { allocating, checkFits } from "./sizes.js";

export type Inputs = Float32Array | Uint8Array;
/** Class indices, one per sample. */
export type Labels = Uint8Array | Int32Array;

export class WasmMemory {
  constructor(private readonly k: Kernels) {}

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.k.memory.buffer, ptr, length);
  }

  /** A 16-byte-aligned copy of `src` in wasm memory; the caller frees it. */
  upload(src: Float32Array | Uint8Array | Int32Array | Uint32Array): number {
    const bytes = src.byteLength;
    checkFits(`an array of ${src.length} values`, bytes, 1);
    const ptr = allocating(`an array of ${src.length} values`, bytes, () => this.k.alloc(Math.max(bytes, 16)));
    new Uint8Array(this.k.memory.buffer, ptr, src.byteLength).set(
      new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
    );
    return ptr;
  }

  /** Runs `body` with `arrays` copied into wasm memory, freeing the copies afterwards. */
  with<T>(arrays: (Float32Array | Uint8Array | Int32Array | Uint32Array)[], body: (ptrs: number[]) => T): T {
    const ptrs: number[] = [];
    try {
      for (const a of arrays) ptrs.push(this.upload(a));
      return body(ptrs);
    } finally {
      for (const p of ptrs) this.k.free(p);
    }
  }
}
