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
const MAX_DIMS = 4;
const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, "0")}`;

export function parseIdx(bytes: Uint8Array, name = "IDX file"): IdxTensor {
  if (bytes.length < 4) throw new DataError(`${name}: truncated: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = hex(view.getUint32(0), 8);
  const [zero0, zero1, type, ndims] = bytes;
  if (zero0 !== 0 || zero1 !== 0) {
    throw new DataError(
      `${name}: wrong magic ${magic}, not an IDX file (expected 0x00000803 for images, 0x00000801 for labels)`,
    );
  }
  if (type !== UNSIGNED_BYTE) {
    throw new DataError(
      `${name}: magic ${magic} declares IDX data type ${hex(type, 2)}; only unsigned byte (0x08) is supported`,
    );
  }
  if (ndims < 1 || ndims > MAX_DIMS) {
    throw new DataError(`${name}: magic ${magic} declares ${ndims} dimensions, expected 1 to ${MAX_DIMS}`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header)
    throw new DataError(`${name}: truncated: the header needs ${header} bytes, found ${bytes.length}`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  // BigInt keeps the product exact for absurd dimensions (up to 2^128), so the comparison with the
  // real length is always right and nothing is ever allocated from the declared size.
  const expected = dims.reduce((product, d) => product * BigInt(d), 1n);
  const found = BigInt(bytes.length - header);
  const shape = dims.join("×");
  if (found < expected)
    throw new DataError(`${name}: truncated: expected ${expected} data bytes for dimensions ${shape}, found ${found}`);
  if (found > expected) throw new DataError(`${name}: ${found - expected} unexpected bytes after the ${shape} data`);
  return { dims, data: bytes.subarray(header) };
}

export function expectImages(t: IdxTensor, name: string): { count: number; rows: number; cols: number } {
  if (t.dims.length !== 3) {
    throw new DataError(
      `${name}: expected images (magic 0x00000803, 3 dimensions), found ${t.dims.length} dimension(s)`,
    );
  }
  const [count, rows, cols] = t.dims;
  return { count, rows, cols };
}

export function expectLabels(t: IdxTensor, name: string): number {
  if (t.dims.length !== 1) {
    throw new DataError(
      `${name}: expected labels (magic 0x00000801, 1 dimension), found ${t.dims.length} dimension(s)`,
    );
  }
  return t.dims[0];
}
