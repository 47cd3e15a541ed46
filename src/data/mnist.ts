// MNIST-format data sets (MNIST, Fashion-MNIST, …) from their four IDX files. Browser-safe:
// Node's file loading lives in mnist-node.ts.
import { ArgumentError, DataError, show } from "../errors.js";
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

/** True for bytes that start with gzip's magic number (IDX files start with two zero bytes). */
export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function split(imagesBuf: Uint8Array, labelsBuf: Uint8Array, imagesName: string, labelsName: string): Split {
  for (const [b, name] of [[imagesBuf, imagesName], [labelsBuf, labelsName]] as const) {
    if (isGzip(b)) throw new DataError(`${name}: gzip-compressed; decompress it first (loadMnist and fetchMnist do)`);
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

/** Parses the four IDX files (uncompressed); the splits are views into the given buffers. */
export function mnistFromBuffers(b: MnistBuffers): Mnist {
  const f = MNIST_FILES;
  const train = split(bytesOf(b.trainImages), bytesOf(b.trainLabels), f.trainImages, f.trainLabels);
  const test = split(bytesOf(b.testImages), bytesOf(b.testLabels), f.testImages, f.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(`training images are ${train.rows}×${train.cols} but test images are ${test.rows}×${test.cols}`);
  }
  return { train, test };
}

/**
 * Fetches the four files from the folder baseUrl (relative to the page in a browser), each as
 * NAME or, failing that, NAME.gz. Gzip is recognised by its bytes, not the name, because a server
 * may already have undone it (Content-Encoding: gzip).
 */
export async function fetchMnist(baseUrl: string | URL, fetchFn: typeof fetch = fetch): Promise<Mnist> {
  let folder: URL;
  try {
    folder = new URL(baseUrl, globalThis.location?.href);
  } catch {
    throw new ArgumentError(`fetchMnist: baseUrl ${show(baseUrl)} is not a URL`);
  }
  if (!folder.pathname.endsWith("/")) folder.pathname += "/";

  // The body, or the HTTP status when the server answers with an error.
  const download = async (url: URL): Promise<Uint8Array<ArrayBuffer> | number> => {
    try {
      const res = await fetchFn(url);
      return res.ok ? new Uint8Array(await res.arrayBuffer()) : res.status;
    } catch (e) {
      throw new DataError(`cannot fetch ${url}: ${(e as Error)?.message ?? String(e)}`);
    }
  };
  const get = async (name: string): Promise<Uint8Array> => {
    const plain = new URL(name, folder);
    let url = plain;
    let body = await download(plain);
    if (typeof body === "number") {
      url = new URL(`${name}.gz`, folder);
      const zipped = await download(url);
      if (typeof zipped === "number") throw new DataError(`cannot fetch ${plain}: HTTP ${body} (and ${url}: HTTP ${zipped})`);
      body = zipped;
    }
    if (!isGzip(body)) return body;
    try {
      const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    } catch {
      throw new DataError(`${url}: not a valid gzip file`);
    }
  };
  const f = MNIST_FILES;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    [f.trainImages, f.trainLabels, f.testImages, f.testLabels].map(get),
  );
  return mnistFromBuffers({ trainImages, trainLabels, testImages, testLabels });
}
