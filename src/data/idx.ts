// The one place that knows the IDX format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a
// type byte (0x08 = unsigned byte), a dimension count, big-endian u32 dimensions, then the data.
// Only unsigned-byte files exist in MNIST and its look-alikes, so only those are accepted.
import { DataError } from "../errors.js";

export interface IdxTensor {
  dims: number[];
  /** A view into the input bytes (no copy). */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

export function parseIdx(bytes: Uint8Array, name = "IDX file"): IdxTensor {
  if (bytes.length < 4) throw new DataError(`${name}: truncated: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || ndims < 1 || ndims > 4) {
    throw new DataError(`${name}: wrong magic ${hex(magic)}, not an IDX file (expected 0x00000803 for images, 0x00000801 for labels)`);
  }
  if (type !== UNSIGNED_BYTE) {
    throw new DataError(`${name}: IDX data type 0x${type.toString(16).padStart(2, "0")} is not supported, only unsigned bytes (0x08)`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new DataError(`${name}: truncated: the header needs ${header} bytes, found ${bytes.length}`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  // Products of up to four u32 stay exact enough in a double to compare with the real length.
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - header;
  if (found < expected) throw new DataError(`${name}: truncated: expected ${expected} data bytes for dimensions ${dims.join("×")}, found ${found}`);
  if (found > expected) throw new DataError(`${name}: ${found - expected} unexpected bytes after the ${dims.join("×")} data`);
  return { dims, data: bytes.subarray(header) };
}

export function expectImages(t: IdxTensor, name: string): { count: number; rows: number; cols: number } {
  if (t.dims.length !== 3) {
    throw new DataError(`${name}: expected images (magic 0x00000803, 3 dimensions), found ${t.dims.length} dimension(s)`);
  }
  const [count, rows, cols] = t.dims;
  return { count, rows, cols };
}

export function expectLabels(t: IdxTensor, name: string): number {
  if (t.dims.length !== 1) {
    throw new DataError(`${name}: expected labels (magic 0x00000801, 1 dimension), found ${t.dims.length} dimensions`);
  }
  return t.dims[0];
}
