// The js engine's memory: a WebAssembly.Memory used as a growable ArrayBuffer, its typed views,
// and a first-fit allocator over it with the wasm interface's conventions (16-byte blocks,
// pointer 0 never handed out, so 0 means "none").

const ALIGN = 16;
const PAGE = 65536;

export class Heap {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: 32768 }); // 2 GiB, as the wasm builds
  F = new Float32Array(this.memory.buffer);
  I = new Int32Array(this.memory.buffer);
  U = new Uint32Array(this.memory.buffer);
  B = new Uint8Array(this.memory.buffer);

  // Blocks are handed out from `top` upwards; freed blocks go to an address-sorted free list,
  // merged with free neighbours, and a free block that reaches `top` lowers it.
  private top = ALIGN;
  private readonly sizes = new Map<number, number>(); // live block → its size
  private readonly freeAt: number[] = []; // free blocks, sorted by address
  private readonly freeSize: number[] = [];

  /** Re-creates the views after memory.grow detached the old buffer. */
  private views(): void {
    const buffer = this.memory.buffer;
    if (this.F.buffer === buffer) return;
    this.F = new Float32Array(buffer);
    this.I = new Int32Array(buffer);
    this.U = new Uint32Array(buffer);
    this.B = new Uint8Array(buffer);
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const { freeAt, freeSize } = this;
    for (let i = 0; i < freeAt.length; i++) {
      if (freeSize[i] < size) continue;
      const p = freeAt[i];
      if (freeSize[i] === size) {
        freeAt.splice(i, 1);
        freeSize.splice(i, 1);
      } else {
        freeAt[i] += size;
        freeSize[i] -= size;
      }
      this.sizes.set(p, size);
      return p;
    }
    const p = this.top;
    const have = this.memory.buffer.byteLength;
    if (p + size > have) {
      this.memory.grow(Math.ceil((p + size - have) / PAGE)); // throws a RangeError, changing nothing, if it cannot
      this.views();
    }
    this.top = p + size;
    this.sizes.set(p, size);
    return p;
  }

  allocZeroed(bytes: number): number {
    const p = this.alloc(bytes);
    this.B.fill(0, p, p + bytes);
    return p;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    const { freeAt, freeSize } = this;
    let lo = 0;
    let hi = freeAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (freeAt[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    let start = ptr;
    let end = ptr + size;
    let first = lo; // free-list entries [first, last) merge into this block
    let last = lo;
    if (first > 0 && freeAt[first - 1] + freeSize[first - 1] === start) start = freeAt[--first];
    if (last < freeAt.length && freeAt[last] === end) end += freeSize[last++];
    if (end === this.top) {
      this.top = start;
      freeAt.splice(first, last - first);
      freeSize.splice(first, last - first);
    } else {
      freeAt.splice(first, last - first, start);
      freeSize.splice(first, last - first, end - start);
    }
  }
}
