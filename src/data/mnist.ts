// MNIST-format data sets (MNIST, Fashion-MNIST, …) from their four IDX files. Browser-safe:
// Node's file loading lives in mnist-node.ts.
import { DataError } from "../errors.js";
import { expectImages, expectLabels, parseIdx } from "./idx.js";

export interface Split {
  /** count × rows × cols pixel bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Mnist {
  train: Split;
  test: Split;
}

export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

export type MnistBuffers = Record<keyof typeof MNIST_FILES, ArrayBuffer | Uint8Array>;

const bytesOf = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? b : new Uint8Array(b));
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function split(imagesBuf: Uint8Array, labelsBuf: Uint8Array, imagesName: string, labelsName: string): Split {
  for (const [b, name] of [[imagesBuf, imagesName], [labelsBuf, labelsName]] as const) {
    if (isGzip(b)) throw new DataError(`${name}: gzip-compressed; decompress it first`);
  }
  const images = parseIdx(imagesBuf, imagesName);
  const labels = parseIdx(labelsBuf, labelsName);
  const { count, rows, cols } = expectImages(images, imagesName);
  const labelCount = expectLabels(labels, labelsName);
  if (count !== labelCount) {
    throw new DataError(`${imagesName} holds ${count} images but ${labelsName} holds ${labelCount} labels`);
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

export function mnistFromBuffers(b: MnistBuffers): Mnist {
  const f = MNIST_FILES;
  const train = split(bytesOf(b.trainImages), bytesOf(b.trainLabels), f.trainImages, f.trainLabels);
  const test = split(bytesOf(b.testImages), bytesOf(b.testLabels), f.testImages, f.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(`training images are ${train.rows}×${train.cols} but test images are ${test.rows}×${test.cols}`);
  }
  return { train, test };
}

/** Fetches the four files relative to baseUrl, each as NAME or, failing that, NAME.gz. */
export async function fetchMnist(baseUrl: string | URL, fetchFn: typeof fetch = fetch): Promise<Mnist> {
  const get = async (name: string): Promise<Uint8Array> => {
    const plain = new URL(name, baseUrl);
    const res = await fetchFn(plain);
    if (res.ok) return new Uint8Array(await res.arrayBuffer());
    const gz = new URL(`${name}.gz`, baseUrl);
    const zipped = await fetchFn(gz);
    if (!zipped.ok || !zipped.body) throw new DataError(`cannot fetch ${plain}: HTTP ${res.status} (and ${gz}: HTTP ${zipped.status})`);
    try {
      const stream = zipped.body.pipeThrough(new DecompressionStream("gzip"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    } catch {
      throw new DataError(`${gz}: not a valid gzip file`);
    }
  };
  const entries = await Promise.all(
    Object.entries(MNIST_FILES).map(async ([key, name]) => [key, await get(name)] as const),
  );
  return mnistFromBuffers(Object.fromEntries(entries) as MnistBuffers);
}
